// node --test: DPoP (RFC 9449) in the built package in headless Chromium (Debian's) against panva's
// oidc-provider (tests/harness/oidc.mjs, `dpop`), whose client must use DPoP
// (`dpop_bound_access_tokens`): the key pair made by WebCrypto, non-extractable, kept in IndexedDB
// across a reload and new after logout; token_type DPoP; userinfo (a resource server that checks the
// proof and its ath) through client.fetch; the token stolen from storage refused by the server as
// a Bearer token and without a proof; a refresh keeping the binding; and a server that requires
// nonces (400 use_dpop_nonce at the token endpoint, 401 at userinfo: each retried once). And in
// Node (no IndexedDB: the key in memory, one per client key), with `dpop: 'auto'` from the metadata.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { importPackage, launchChromium, startOidcProvider } from '../harness/index.mjs';
import { startStaticServer } from '../js/server.mjs';

const NODE_REDIRECT = 'http://127.0.0.1:9/cb';
const endpoints = {};
let web;
let op;
let nonceOp;
let ctx;

before(async () => {
  web = await startStaticServer(endpoints);
  const clients = [
    {
      client_id: 'spa-dpop',
      token_endpoint_auth_method: 'none',
      redirect_uris: [`${web.origin}/oidc.html`, NODE_REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      dpop_bound_access_tokens: true,
    },
  ];
  op = await startOidcProvider({ clients });
  nonceOp = await startOidcProvider({ clients, dpop: { nonce: true } });
  endpoints.issuer = op.issuer;
  ctx = await launchChromium();
});

after(async () => {
  await ctx?.close();
  await op?.close();
  await nonceOp?.close();
  await web?.close();
});

/** The page's DPoP client for `issuer` (its API base the issuer: userinfo is `/me`). */
function installClient(page, issuer) {
  return page.evaluate((iss) => {
    window.dpopClient = () =>
      new window.tsunagi.OAuthClient({ ...window.config('spa-dpop', iss), apiBase: iss, dpop: true }, { storage: 'local', key: 'dpop:spa-dpop' });
  }, issuer);
}

async function openApp(issuer) {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${web.origin}/oidc.html`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  await installClient(page, issuer);
  return page;
}

/** Signs in through the real redirects; the stored tokens. */
async function signIn(page, issuer) {
  const url = await page.evaluate(() => window.dpopClient().authorize({ extraParams: { prompt: 'consent' } }));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  await installClient(page, issuer);
  return page.evaluate(async () => {
    try {
      return { ok: true, tokens: (await window.dpopClient().handleRedirect(location.href)).tokens };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  });
}

/** In the page: GET /me through client.fetch → { status, sub } or the error. */
const userinfo = (page) =>
  page.evaluate(async () => {
    try {
      const r = await window.dpopClient().fetch('/me');
      return { status: r.status, sub: (await r.json()).sub };
    } catch (e) {
      return { code: e.code, message: e.message };
    }
  });

/** In the page: the kept key pair → { extractable, x } (its public x), or null. */
const keptKey = (page) =>
  page.evaluate(
    () =>
      new Promise((ok, ko) => {
        const open = indexedDB.open('tsunagi-dpop', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('keys');
        open.onerror = () => ko(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('keys').objectStore('keys').get('dpop:spa-dpop');
          req.onsuccess = async () => {
            const pair = req.result;
            open.result.close();
            if (!pair) return ok(null);
            const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
            ok({ extractable: pair.privateKey.extractable, x: jwk.x });
          };
        };
      }),
  );

test('DPoP in Chromium: bound tokens, userinfo with proofs, a stolen token refused, refresh, the key across a reload and new after logout', async () => {
  const page = await openApp(op.issuer);
  const r = await signIn(page, op.issuer);
  assert.ok(r.ok, r.message);
  assert.equal(r.tokens.tokenType, 'DPoP');
  const key = await keptKey(page);
  assert.ok(key, 'a key pair kept in IndexedDB');
  assert.equal(key.extractable, false, 'the private key is not extractable');

  assert.deepEqual(await userinfo(page), { status: 200, sub: 'user-1' });

  // the access token as stored is useless without the key
  const at = r.tokens.accessToken;
  const bearer = await fetch(`${op.issuer}/me`, { headers: { authorization: `Bearer ${at}` } });
  assert.equal(bearer.status, 401);
  const noProof = await fetch(`${op.issuer}/me`, { headers: { authorization: `DPoP ${at}` } });
  assert.ok([400, 401].includes(noProof.status), String(noProof.status));

  // a reload: the same key from IndexedDB, the bound token still works
  await page.reload();
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  await installClient(page, op.issuer);
  assert.deepEqual(await keptKey(page), key);
  assert.deepEqual(await userinfo(page), { status: 200, sub: 'user-1' });

  // a refresh keeps the binding (the refresh token is bound too)
  const refreshed = await page.evaluate(async () => {
    const c = window.dpopClient();
    await c.getAccessToken({ forceRefresh: true });
    return c.getTokens();
  });
  assert.equal(refreshed.tokenType, 'DPoP');
  assert.notEqual(refreshed.accessToken, at);
  assert.deepEqual(await userinfo(page), { status: 200, sub: 'user-1' });

  // logout forgets the key: the next sign-in gets a new one
  await page.evaluate(() => window.dpopClient().logout());
  assert.equal(await keptKey(page), null);
  const again = await signIn(page, op.issuer);
  assert.ok(again.ok, again.message);
  const next = await keptKey(page);
  assert.ok(next && next.x !== key.x, 'a new key after logout');
  assert.deepEqual(await userinfo(page), { status: 200, sub: 'user-1' });
  await page.close();
});

test('DPoP in Chromium: two tabs making the first key at the same moment end with the same key', async () => {
  const [a, b] = [await openApp(op.issuer), await openApp(op.issuer)];
  try {
    // each tab makes a pair and keeps it (as src/js/dpop.rs does), both at once: the one kept
    // first is answered to the other, which then proves with it
    const keep = (page) =>
      page.evaluate(async () => {
        const ports = window.tsunagi.OAuthClient.oidc.dpop('dpop:two-tabs');
        const mine = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
        const kept = await ports.dpopKeep(mine);
        const used = kept ?? mine;
        const jwk = await crypto.subtle.exportKey('jwk', used.publicKey);
        const stored = await crypto.subtle.exportKey('jwk', (await ports.dpopKey()).publicKey);
        return { used: jwk.x, stored: stored.x, wasKept: kept !== null };
      });
    const [ra, rb] = await Promise.all([keep(a), keep(b)]);
    assert.equal(ra.used, rb.used, 'both tabs use one key');
    assert.equal(ra.used, ra.stored, 'the key in use is the kept one');
    assert.deepEqual([ra.wasKept, rb.wasKept].sort(), [false, true], "one tab's pair was kept, the other was answered it");
    await a.evaluate(() => window.tsunagi.OAuthClient.oidc.dpop('dpop:two-tabs').dpopForget());
  } finally {
    await a.close();
    await b.close();
  }
});

test('DPoP nonces in Chromium: the token endpoint and userinfo ask for one, retried once, then kept per origin', async () => {
  const page = await openApp(nonceOp.issuer);
  const tokenRequests = nonceOp.requests('/token', 'POST');
  const r = await signIn(page, nonceOp.issuer);
  assert.ok(r.ok, r.message);
  assert.equal(r.tokens.tokenType, 'DPoP');
  assert.equal(nonceOp.requests('/token', 'POST') - tokenRequests, 2, 'use_dpop_nonce, then the retry');
  // one client: its first call meets 401 use_dpop_nonce and retries; its next one sends the nonce it kept
  const call = () =>
    page.evaluate(async () => {
      window.kept ??= window.dpopClient();
      return (await window.kept.fetch('/me')).status;
    });
  const me = nonceOp.requests('/me', 'GET');
  assert.equal(await call(), 200);
  assert.equal(nonceOp.requests('/me', 'GET') - me, 2, '401 use_dpop_nonce, then the retry');
  assert.equal(await call(), 200);
  assert.equal(nonceOp.requests('/me', 'GET') - me, 3, 'the nonce kept for the origin: no second 401');
  await page.close();
});

test("DPoP in Node: 'auto' from the metadata, the key in memory, userinfo, refresh, logout", async () => {
  const t = await importPackage();
  const client = new t.OAuthClient({
    provider: 'generic',
    issuer: op.issuer,
    clientId: 'spa-dpop',
    redirectUri: NODE_REDIRECT,
    scope: 'openid offline_access',
    apiBase: op.issuer,
    dpop: 'auto',
  });
  const signIn = async () => {
    const url = await client.authorize({ extraParams: { prompt: 'consent' } });
    return (await client.handleRedirect(await op.authorize(url))).tokens;
  };
  const tokens = await signIn();
  assert.equal(tokens.tokenType, 'DPoP');
  const me = await client.fetch('/me');
  assert.equal(me.status, 200);
  assert.equal((await me.json()).sub, 'user-1');
  const bearer = await fetch(`${op.issuer}/me`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
  assert.equal(bearer.status, 401);
  await client.getAccessToken({ forceRefresh: true });
  const refreshed = await client.getTokens();
  assert.equal(refreshed.tokenType, 'DPoP');
  assert.notEqual(refreshed.accessToken, tokens.accessToken);
  assert.equal((await client.fetch('/me')).status, 200);
  await client.logout();
  assert.equal((await signIn()).tokenType, 'DPoP');
  assert.equal((await client.fetch('/me')).status, 200);
});
