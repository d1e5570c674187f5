// node --test: the built package in headless Chromium (Debian's) against panva's oidc-provider
// (tests/oidc/provider.mjs): an issuer-only config discovered from the page, the browser following
// the real redirects (public client, PKCE), the id_token verified by Chromium's WebCrypto (ES256,
// EdDSA, RS256), the RFC 9207 mix-up defence, a tampered signature, and revocation at logout.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchChromium } from '../js/helpers.mjs';
import { startStaticServer } from '../js/server.mjs';
import { startOidcProvider } from './provider.mjs';

const endpoints = {};
let web;
let op;
let other;
let ctx;

before(async () => {
  web = await startStaticServer(endpoints);
  const redirect = `${web.origin}/oidc.html`;
  const spa = (client_id, alg) => ({
    client_id,
    token_endpoint_auth_method: 'none',
    redirect_uris: [redirect],
    grant_types: ['authorization_code', 'refresh_token'],
    id_token_signed_response_alg: alg,
  });
  const clients = [spa('spa-rs256', 'RS256'), spa('spa-es256', 'ES256'), spa('spa-eddsa', 'EdDSA')];
  op = await startOidcProvider({ clients, issuerPath: '/realm' });
  other = await startOidcProvider({ clients });
  endpoints.issuer = op.issuer;
  ctx = await launchChromium();
});

after(async () => {
  await ctx?.close();
  await op?.close();
  await other?.close();
  await web?.close();
});

async function openApp() {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${web.origin}/oidc.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  await page.evaluate(() => localStorage.clear()); // each test starts signed out
  return page;
}

/** In the page: the client's authorize() URL (state, PKCE verifier and nonce kept in sessionStorage). */
const authorizeUrl = (page, clientId) => page.evaluate((id) => window.makeClient(id).authorize({ extraParams: { prompt: 'consent' } }), clientId);

/** The browser goes to `url` and follows the server's redirects back to the app; then handleRedirect() in the page. */
async function follow(page, url, clientId) {
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  assert.ok(page.url().startsWith(`${web.origin}/oidc.html?code=`), page.url());
  return page.evaluate(async (id) => {
    try {
      const r = await window.makeClient(id).handleRedirect(location.href);
      return { ok: true, tokens: r.tokens, claims: r.verifiedClaims, search: location.search };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  }, clientId);
}

for (const [clientId, alg] of [
  ['spa-es256', 'ES256'],
  ['spa-eddsa', 'EdDSA'],
  ['spa-rs256', 'RS256'],
]) {
  test(`issuer-only config, public client with PKCE: the ${alg} id_token verified by Chromium's WebCrypto`, async () => {
    const page = await openApp();
    const url = await authorizeUrl(page, clientId);
    assert.ok(url.startsWith(`${op.issuer}/auth?response_type=code&client_id=${clientId}&`), url);
    const r = await follow(page, url, clientId);
    assert.ok(r.ok, r.message);
    assert.equal(r.claims.sub, 'user-1');
    assert.equal(r.claims.aud, clientId);
    assert.equal(r.search, '', 'code, state and iss removed from the address bar');
    assert.equal(r.tokens.scope, 'openid offline_access');
    await page.close();
  });
}

test('a code from a second issuer → issuer_mismatch, nothing stored', async () => {
  const page = await openApp();
  const url = await authorizeUrl(page, 'spa-es256');
  const r = await follow(page, url.replace(`${op.issuer}/auth`, `${other.issuer}/auth`), 'spa-es256');
  assert.equal(r.code, 'issuer_mismatch', r.message);
  assert.equal(await page.evaluate(() => window.makeClient('spa-es256').getTokens()), null);
  await page.close();
});

test('a tampered id_token signature → id_token_signature_invalid, nothing stored', async () => {
  const page = await openApp();
  const url = await authorizeUrl(page, 'spa-eddsa');
  op.tamperNextTokenResponse((body) => {
    const [h, p, s] = body.id_token.split('.');
    const sig = Buffer.from(s, 'base64url');
    sig[sig.length - 1] ^= 1;
    return { ...body, id_token: [h, p, sig.toString('base64url')].join('.') };
  });
  const r = await follow(page, url, 'spa-eddsa');
  assert.equal(r.code, 'id_token_signature_invalid', r.message);
  assert.equal(await page.evaluate(() => window.makeClient('spa-eddsa').getTokens()), null);
  await page.close();
});

test('logout revokes the refresh token: the server then refuses it', async () => {
  const page = await openApp();
  const r = await follow(page, await authorizeUrl(page, 'spa-rs256'), 'spa-rs256');
  assert.ok(r.ok, r.message);
  const out = await page.evaluate(async () => {
    const res = await window.makeClient('spa-rs256').logout();
    return { revoked: res.revoked, error: res.error?.code };
  });
  assert.deepEqual(out, { revoked: true, error: undefined });
  const refused = await fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: r.tokens.refreshToken, client_id: 'spa-rs256' }),
  });
  assert.equal((await refused.json()).error, 'invalid_grant');
  await page.close();
});
