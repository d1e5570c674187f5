// node --test: the built package in headless Chromium (Debian's) against panva's oidc-provider
// (tests/harness/oidc.mjs): an issuer-only config discovered from the page, the browser following
// the real redirects (public client, PKCE), the id_token verified by Chromium's WebCrypto (ES256,
// EdDSA, RS256), the RFC 9207 mix-up defence, a swapped nonce, a tampered signature, refresh
// rotation, and revocation at logout. Issue 21: an issuer under a path whose RFC 8414 location
// answers 404 without CORS headers (discovery moves on), id_tokens returned by a refresh verified
// (OIDC Core §12.2), the JWKS refetch on an unknown kid bounded, and every request's time-out. (Confidential clients and client credentials need a secret,
// which OAuthClient refuses in a page: tests/oidc/client.test.mjs runs them in Node.)
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { launchChromium, startOidcProvider } from '../harness/index.mjs';
import { startStaticServer } from '../js/server.mjs';

const endpoints = {};
let web;
let op;
let other;
let realm; // an issuer under a path that serves no RFC 8414 document (404 without CORS there)
let hang; // a server that accepts connections and never answers
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
  realm = await startOidcProvider({ clients, issuerPath: '/realms/acme', oauthMetadata: false });
  hang = await startHangingServer();
  endpoints.issuer = op.issuer;
  ctx = await launchChromium();
});

after(async () => {
  await ctx?.close();
  await op?.close();
  await other?.close();
  await realm?.close();
  await hang?.close();
  await web?.close();
});

/** A TCP server that takes every connection and never answers: a metadata, JWKS or API server that hangs. */
async function startHangingServer() {
  const sockets = new Set();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    close: () =>
      new Promise((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}

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
async function follow(page, url, clientId, issuer = undefined) {
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  assert.ok(page.url().startsWith(`${web.origin}/oidc.html?code=`), page.url());
  return page.evaluate(
    async ([id, iss]) => {
      try {
        const r = await window.makeClient(id, iss ?? undefined).handleRedirect(location.href);
        return { ok: true, tokens: r.tokens, claims: r.verifiedClaims, search: location.search };
      } catch (e) {
        return { ok: false, code: e.code, message: e.message };
      }
    },
    [clientId, issuer ?? null],
  );
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

test('an id_token carrying another nonce → nonce_mismatch, nothing stored', async () => {
  const page = await openApp();
  const url = new URL(await authorizeUrl(page, 'spa-es256'));
  url.searchParams.set('nonce', 'a-nonce-this-page-never-sent');
  const r = await follow(page, url.href, 'spa-es256');
  assert.equal(r.code, 'nonce_mismatch', r.message);
  assert.equal(await page.evaluate(() => window.makeClient('spa-es256').getTokens()), null);
  await page.close();
});

test('refresh rotation in the page: a new refresh token, the spent one refused with invalid_grant', async () => {
  const page = await openApp();
  const r = await follow(page, await authorizeUrl(page, 'spa-eddsa'), 'spa-eddsa');
  assert.ok(r.ok, r.message);
  const after = await page.evaluate(async () => {
    const client = window.makeClient('spa-eddsa');
    await client.getAccessToken({ forceRefresh: true });
    return (await client.getTokens()).refreshToken;
  });
  assert.ok(after && after !== r.tokens.refreshToken);
  const spent = await fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: r.tokens.refreshToken, client_id: 'spa-eddsa' }),
  });
  assert.equal((await spent.json()).error, 'invalid_grant');
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

// ---- issue 21 ----

test('an issuer under a path whose RFC 8414 location answers 404 without CORS: discovery moves on to OIDC Discovery §4, and the login works', async () => {
  const page = await openApp();
  const found = await page.evaluate(async (iss) => {
    try {
      return { ok: true, issuer: (await window.tsunagi.discover(iss)).issuer };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  }, realm.issuer);
  assert.deepEqual(found, { ok: true, issuer: realm.issuer }, found.message);
  assert.equal(realm.requests('/.well-known/oauth-authorization-server/realms/acme'), 1, 'RFC 8414 §3.1 location tried first');
  const url = await page.evaluate((iss) => window.makeClient('spa-es256', iss).authorize({ extraParams: { prompt: 'consent' } }), realm.issuer);
  assert.ok(url.startsWith(`${realm.issuer}/auth?`), url);
  const r = await follow(page, url, 'spa-es256', realm.issuer);
  assert.ok(r.ok, r.message);
  assert.equal(r.claims.iss, realm.issuer);
  assert.equal(r.claims.sub, 'user-1');
  // no metadata at either location: one error, naming both locations
  const none = await page.evaluate(async (iss) => {
    try {
      await window.tsunagi.discover(iss, { cache: false });
      return { ok: true };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  }, `${realm.origin}/realms/none`);
  assert.equal(none.ok, false);
  assert.ok(['transport', 'metadata_invalid'].includes(none.code), none.code);
  assert.ok(none.message.includes(`${realm.origin}/.well-known/oauth-authorization-server/realms/none`), none.message);
  assert.ok(none.message.includes(`${realm.origin}/realms/none/.well-known/openid-configuration`), none.message);
  await page.close();
});

/** The payload of a compact JWS. */
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

/** In the page: a forced refresh of clientId's set → `{ ok }` or the error's code; and the stored set and user afterwards. */
const forceRefresh = (page, clientId) =>
  page.evaluate(async (id) => {
    const client = window.makeClient(id);
    let out;
    try {
      await client.getAccessToken({ forceRefresh: true });
      out = { ok: true };
    } catch (e) {
      out = { ok: false, code: e.code, message: e.message };
    }
    return { ...out, tokens: await client.getTokens(), user: await client.getUser(), verified: await client.getVerifiedClaims() };
  }, clientId);

test('a refresh whose id_token is for another user (validly signed) or signed by a key not in the JWKS is refused, the old set kept (OIDC Core §12.2)', async () => {
  for (const [forge, code] of [
    [(c) => op.signIdToken({ ...c, sub: 'user-2' }), 'id_token_invalid'],
    [(c) => op.signIdToken({ ...c, sub: 'user-2' }, { kid: 'not-in-the-jwks' }), 'jwk_not_found'],
  ]) {
    const page = await openApp();
    const login = await follow(page, await authorizeUrl(page, 'spa-es256'), 'spa-es256');
    assert.ok(login.ok, login.message);
    // a genuine refresh: the server's new id_token has the same iss, sub, aud — stored
    const fine = await forceRefresh(page, 'spa-es256');
    assert.ok(fine.ok, fine.message);
    assert.notEqual(fine.tokens.refreshToken, login.tokens.refreshToken);
    assert.equal(fine.user.claims.sub, 'user-1');
    const before = fine.tokens;
    op.tamperNextTokenResponse((body) => ({ ...body, id_token: forge(claimsOf(body.id_token)) }));
    const r = await forceRefresh(page, 'spa-es256');
    assert.equal(r.ok, false, 'the refreshed set was accepted');
    assert.equal(r.code, code, r.message);
    assert.deepEqual(r.tokens, before, 'nothing stored: the old set is kept');
    assert.equal(r.user.claims.sub, 'user-1');
    assert.equal(r.verified.sub, 'user-1');
    await page.close();
  }
});

/** In the page: `n` verifications of `token` (sequential or concurrent) → their error codes. */
const verifyMany = (page, token, n, concurrent) =>
  page.evaluate(
    async ([t, count, together]) => {
      const one = () =>
        window.tsunagi.verifyIdToken(window.config('spa-es256'), t).then(
          () => 'verified',
          (e) => e.code,
        );
      if (together) return Promise.all(Array.from({ length: count }, one));
      const codes = [];
      for (let i = 0; i < count; i++) codes.push(await one());
      return codes;
    },
    [token, n, concurrent],
  );

test('an unknown kid: at most one JWKS refetch per 30 s, shared by concurrent verifications', async () => {
  const now = Math.floor(Date.now() / 1000);
  const token = op.signIdToken({ iss: op.issuer, sub: 'user-1', aud: 'spa-es256', iat: now, exp: now + 600 }, { kid: 'unknown-kid' });
  const jwks = () => op.requests('/realm/jwks');
  for (const concurrent of [false, true]) {
    const page = await openApp(); // a fresh page: nothing cached
    const before = jwks();
    const codes = await verifyMany(page, token, concurrent ? 10 : 20, concurrent);
    assert.deepEqual(new Set(codes), new Set(['jwk_not_found']));
    assert.equal(jwks() - before, 2, `${concurrent ? 'concurrent' : 'sequential'}: the JWKS once, then one refetch`);
    await page.close();
  }
});

test('every request honours requestTimeoutMs and the AbortSignal: metadata (authorize), JWKS, API', async () => {
  const page = await openApp();
  const jwt = ['{"alg":"ES256","kid":"k"}', '{"sub":"u"}', 'sig'].map((x) => Buffer.from(x).toString('base64url')).join('.');
  const out = await page.evaluate(
    async ([h, jwt]) => {
      // each call ends with its error code, or "pending" if it is still running well after its time-out
      const settle = (p) =>
        Promise.race([
          p.then(
            () => 'resolved',
            (e) => (typeof e?.code === 'string' ? e.code : e?.name),
          ),
          new Promise((ok) => setTimeout(() => ok('pending'), 10_000)),
        ]);
      const opts = { requestTimeoutMs: 300 };
      const metadata = await settle(window.makeClient('spa-es256', `${h}/realm`, opts).authorize());
      const cfg = { ...window.config('spa-es256'), tokenEndpoint: `${h}/token`, jwksUri: `${h}/jwks` };
      const jwks = await settle(window.tsunagi.verifyIdToken(cfg, jwt, opts));
      const aborted = new AbortController();
      const discovery = settle(window.tsunagi.discover(`${h}/other`, { signal: aborted.signal }));
      aborted.abort(new DOMException('stop', 'AbortError'));
      const set = { accessToken: 'at', tokenType: 'Bearer', issuedAt: Date.now(), expiresAt: Date.now() + 3_600_000, extra: {} };
      const storage = { get: (k) => (k.endsWith(':tokens') ? JSON.stringify(set) : null), set() {}, remove() {} };
      const api = new window.tsunagi.OAuthClient(
        { provider: 'generic', clientId: 'c', tokenEndpoint: `${h}/token`, apiBase: `${h}/api` },
        { storage, ...opts },
      );
      return { metadata, jwks, abort: await discovery, api: await settle(api.fetch('/whoami')) };
    },
    [hang.origin, jwt],
  );
  assert.deepEqual(out, { metadata: 'timeout', jwks: 'timeout', abort: 'AbortError', api: 'timeout' });
  await page.close();
});

test('PAR (RFC 9126): pushed from the page to a server that requires it; the URL has client_id and request_uri only; sign-in, refresh; par: false and a refused push are typed errors', async () => {
  const redirect = `${web.origin}/oidc.html`;
  const spa = { client_id: 'spa-par', token_endpoint_auth_method: 'none', redirect_uris: [redirect], grant_types: ['authorization_code', 'refresh_token'] };
  const par = await startOidcProvider({ clients: [spa], issuerPath: '/par', pushedAuthorizationRequests: { requirePushedAuthorizationRequests: true } });
  const page = await openApp();
  try {
    const authorize = (extra) =>
      page.evaluate(
        async ([iss, more]) => {
          const c = new window.tsunagi.OAuthClient({ ...window.config('spa-par', iss), ...more }, { storage: 'local', key: 'oidc:spa-par' });
          try {
            return { ok: true, url: await c.authorize({ extraParams: { prompt: 'consent' } }) };
          } catch (e) {
            return { ok: false, code: e.code, oauthError: e.oauthError, message: e.message, pending: sessionStorage.length };
          }
        },
        [par.issuer, extra],
      );
    const before = par.requests('/par/request');
    const pushed = await authorize({});
    assert.ok(pushed.ok, pushed.message);
    assert.equal(par.requests('/par/request'), before + 1, 'the server saw the push');
    const url = new URL(pushed.url);
    assert.equal(url.origin + url.pathname, `${par.issuer}/auth`);
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    const r = await follow(page, pushed.url, 'spa-par', par.issuer);
    assert.ok(r.ok, r.message);
    assert.equal(r.claims.aud, 'spa-par', 'the pushed nonce came back in the id_token');
    const refreshed = await page.evaluate((iss) => window.makeClient('spa-par', iss).getAccessToken({ forceRefresh: true }), par.issuer);
    assert.ok(refreshed && refreshed !== r.tokens.accessToken);
    await page.evaluate(() => sessionStorage.clear());
    const off = await authorize({ par: false });
    assert.equal(off.code, 'invalid_config', off.message);
    assert.equal(off.pending, 0, 'nothing pending stored');
    const refused = await authorize({ redirectUri: `${web.origin}/elsewhere.html` });
    assert.equal(refused.ok, false);
    assert.ok(refused.oauthError, `${refused.code}: ${refused.message}`);
    assert.equal(refused.pending, 0, 'nothing pending stored');
    assert.equal(par.requests('/par/request'), before + 2, 'par: false sent nothing; the refused push was sent once');
  } finally {
    await page.close();
    await par.close();
  }
});
