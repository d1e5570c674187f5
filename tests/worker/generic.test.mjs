// A generic connection end to end through the Worker (issue 15) against a real third-party
// authorization server: panva's oidc-provider (tests/harness/oidc.mjs) on loopback with a
// scripted login — the code flow with a confidential client (client_secret_basic, PKCE, RFC 9207
// iss), refresh rotation, a client-credentials connection, and RFC 7009 revocation at logout.
// The API the connections call is a loopback server that looks every bearer token up in that same
// server's token store (no mock: an unknown or revoked token is a 401 there).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, startWorker, bindingsFor, Browser, ORIGIN, startOidcProvider } from '../harness/index.mjs';
import { GENERIC_CLIENTS, SECRET, SERVICE_SECRET, genericConnections, startApi } from './oidc.mjs';

let sbx, idp, api, worker;
const revoked = [];

before(async () => {
  sbx = await startSandbox();
  idp = await startOidcProvider({ clients: GENERIC_CLIENTS });
  idp.provider.on('grant.revoked', (_ctx, grantId) => revoked.push(grantId));
  api = await startApi(() => idp);
  worker = await startWorker(
    bindingsFor(sbx.ep, { connections: genericConnections(sbx.ep, idp, api.url), IDP_CLIENT_SECRET: SECRET, IDP_SERVICE_SECRET: SERVICE_SECRET }),
  );
});
after(async () => {
  await worker?.stop();
  await api?.stop();
  await idp?.close();
  await sbx?.stop();
});

/** /auth/idp/login → oidc-provider's scripted login → the Worker's callback. */
async function signIn(b, connection = 'idp') {
  const start = await b.request(`/auth/${connection}/login?return_to=%2Fhome`);
  assert.equal(start.status, 302, start.text);
  const authorize = new URL(start.headers.get('location'));
  const back = await idp.authorize(authorize.href);
  const cb = await b.request(back);
  return { authorize, back: new URL(back), cb };
}

test('generic: code flow with a confidential client, RFC 9207 iss, the API through the proxy', async () => {
  const b = new Browser(worker);
  const { authorize, back, cb } = await signIn(b);
  assert.equal(authorize.origin + authorize.pathname, `${idp.issuer}/auth`);
  const q = authorize.searchParams;
  assert.equal(q.get('client_id'), 'tsunagi');
  assert.equal(q.get('redirect_uri'), `${ORIGIN}/auth/idp/callback`);
  assert.equal(q.get('scope'), 'openid offline_access');
  assert.equal(q.get('prompt'), 'consent', 'offline_access asks for consent (OIDC Core §11)');
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.ok(q.get('nonce'), 'openid: a nonce goes with the request');
  assert.equal(back.searchParams.get('iss'), idp.issuer, 'the server says who it is (RFC 9207)');
  assert.equal(cb.status, 302, cb.text);
  assert.equal(cb.headers.get('location'), '/home');
  const s = await b.request('/session');
  assert.equal(s.json.connections.idp.signed_in, true);
  assert.equal(s.json.connections.idp.revocation, true);
  assert.match(s.json.providers.idp.refresh_fingerprint, /^[0-9a-f]{8}$/);
  assert.ok(!s.text.includes(SECRET));
  const me = await b.api('/api/idp/whoami');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.sub, 'user-1');
  assert.equal(me.json.client_id, 'tsunagi');
  assert.equal(me.json.path, '/whoami');
});

test('generic: a callback whose iss is another server is refused, nothing exchanged', async () => {
  const b = new Browser(worker);
  const start = await b.request('/auth/idp/login');
  const back = new URL(await idp.authorize(start.headers.get('location')));
  back.searchParams.set('iss', 'http://127.0.0.1:1/evil');
  const cb = await b.request(back.href);
  assert.equal(cb.status >= 400, true, cb.text);
  assert.match(cb.json.error, /^issuer_/);
  assert.equal((await b.request('/session')).json.signed_in, false);
});

/** Signs in to `connection` with the authorization URL rewritten by `edit` before the browser follows it. */
async function signInEdited(b, connection, edit) {
  const start = await b.request(`/auth/${connection}/login?return_to=%2Fhome`);
  assert.equal(start.status, 302, start.text);
  const authorize = new URL(start.headers.get('location'));
  edit(authorize);
  return b.request(await idp.authorize(authorize.href));
}

// OpenID Connect Core §3.1.3.7: the Worker verifies the id_token (signature through WebCrypto
// against the issuer's JWKS, iss, aud, exp, nonce) before any session holds the tokens.
test('generic: an id_token for another nonce is refused (nonce_mismatch), no session made', async () => {
  const b = new Browser(worker);
  const cb = await signInEdited(b, 'idp', (u) => u.searchParams.set('nonce', 'a-nonce-the-worker-never-sent-0123456789'));
  assert.equal(cb.status, 400, cb.text);
  assert.equal(cb.json.error, 'nonce_mismatch');
  assert.equal((await b.request('/session')).json.signed_in, false);
});

test('generic: an id_token whose signature does not verify is refused (id_token_signature_invalid)', async () => {
  const b = new Browser(worker);
  const start = await b.request('/auth/idp/login?return_to=%2Fhome');
  const back = await idp.authorize(start.headers.get('location'));
  idp.tamperNextTokenResponse((body) => {
    const [h, p] = body.id_token.split('.');
    const claims = { ...JSON.parse(Buffer.from(p, 'base64url')), sub: 'admin' };
    return { ...body, id_token: [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), body.id_token.split('.')[2]].join('.') };
  });
  const cb = await b.request(back);
  assert.equal(cb.status, 502, 'the provider side answered a forged token');
  assert.equal(cb.json.error, 'id_token_signature_invalid');
  assert.equal((await b.request('/session')).json.signed_in, false);
});

test('generic: an API answer with a null-body status (205 Reset Content) is passed on without a body, by the whole path and the hot path', async () => {
  const b = new Browser(worker);
  await signIn(b);
  for (const path of ['whole path', 'hot path']) {
    const r = await b.api('/api/idp/reset-content');
    assert.equal(r.status, 205, `${path}: ${r.text}`);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('x-request-id'), 'api-205', path);
  }
});

test('generic: refresh rotation — each refresh spends the last token and stores the next', async () => {
  const b = new Browser(worker);
  await signIn(b);
  let last = (await b.request('/session')).json.providers.idp.refresh_fingerprint;
  for (let i = 0; i < 3; i++) {
    const r = await b.request('/auth/idp/refresh', { method: 'POST', headers: { 'x-tsunagi': '1' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.old_refresh_fingerprint, last);
    assert.notEqual(r.json.new_refresh_fingerprint, last, 'oidc-provider rotates refresh tokens');
    last = r.json.new_refresh_fingerprint;
  }
  const me = await b.api('/api/idp/whoami');
  assert.equal(me.status, 200, me.text);
});

test('generic: a client-credentials connection, for sessions signed in to idp only', async () => {
  const anon = new Browser(worker);
  assert.equal((await anon.api('/api/idp-service/whoami')).status, 401);
  const lawvuOnly = new Browser(worker);
  const { login } = await import('../harness/index.mjs');
  await login(lawvuOnly, sbx, 'lawvu');
  const refused = await lawvuOnly.api('/api/idp-service/whoami');
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.json.error, 'connection_not_allowed');
  const b = new Browser(worker);
  await signIn(b);
  const r = await b.api('/api/idp-service/whoami');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.client_id, 'tsunagi-service');
  assert.equal(r.json.sub, null, "the client's own token: no user");
});

test('generic: logout revokes the refresh token at the revocation endpoint (RFC 7009); vendors only forget', async () => {
  const b = new Browser(worker);
  await signIn(b);
  const before = revoked.length;
  const out = await b.api('/auth/idp/logout', { method: 'POST' });
  assert.equal(out.status, 200, out.text);
  assert.equal(out.json.revocation.idp.revoked, true, out.text);
  assert.equal(revoked.length, before + 1, 'oidc-provider revoked the grant');
  const v = new Browser(worker);
  const { login } = await import('../harness/index.mjs');
  await login(v, sbx, 'lawvu');
  const lv = await v.api('/auth/lawvu/logout', { method: 'POST' });
  assert.equal(lv.json.revocation.lawvu.revoked, false);
  assert.equal(lv.json.revocation.lawvu.forgotten, true);
  assert.match(lv.json.revocation.lawvu.reason, /no revocation endpoint/);
});

test('generic: the issuer alone — endpoints, revocation and the iss requirement discovered (RFC 8414 / OIDC Discovery)', async () => {
  const b = new Browser(worker);
  const { authorize, back, cb } = await signIn(b, 'idp-discovered');
  assert.equal(authorize.origin + authorize.pathname, `${idp.issuer}/auth`, 'the authorization endpoint from the metadata');
  assert.equal(authorize.searchParams.get('redirect_uri'), `${ORIGIN}/auth/idp-discovered/callback`);
  assert.equal(back.searchParams.get('iss'), idp.issuer);
  assert.equal(cb.status, 302, cb.text);
  const me = await b.api('/api/idp-discovered/whoami');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.sub, 'user-1');
  const r = await b.request('/auth/idp-discovered/refresh', { method: 'POST', headers: { 'x-tsunagi': '1' } });
  assert.equal(r.status, 200, r.text);
  const before = revoked.length;
  const out = await b.api('/auth/idp-discovered/logout', { method: 'POST' });
  assert.equal(out.json.revocation['idp-discovered'].revoked, true, out.text);
  assert.equal(revoked.length, before + 1);
  // an issuer without metadata: its own routes fail with the metadata error, nothing else does
  const none = await new Browser(worker).request('/auth/idp-elsewhere/login');
  assert.equal(none.status, 502, none.text);
  assert.equal(none.json.error, 'metadata_invalid');
  assert.equal((await new Browser(worker).request('/auth/idp/login')).status, 302);
});

// ---- issue 21 ----

/** The payload of a compact JWS. */
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

test('generic: a refresh whose id_token is for another user (validly signed) or signed by a key not in the JWKS is refused, the session keeps its set (OIDC Core §12.2)', async () => {
  for (const [forge, code] of [
    [(c) => idp.signIdToken({ ...c, sub: 'user-2' }), 'id_token_invalid'],
    [(c) => idp.signIdToken({ ...c, sub: 'user-2' }, { kid: 'not-in-the-jwks' }), 'jwk_not_found'],
  ]) {
    const b = new Browser(worker);
    await signIn(b);
    // a genuine refresh (the server's new id_token: same iss, sub, aud) is kept
    const fine = await b.request('/auth/idp/refresh', { method: 'POST', headers: { 'x-tsunagi': '1' } });
    assert.equal(fine.status, 200, fine.text);
    const before = (await b.request('/session')).json.providers.idp;
    idp.tamperNextTokenResponse((body) => ({ ...body, id_token: forge(claimsOf(body.id_token)) }));
    const r = await b.request('/auth/idp/refresh', { method: 'POST', headers: { 'x-tsunagi': '1' } });
    assert.ok(r.status >= 400, `the forged refresh was kept: ${r.status} ${r.text}`);
    assert.equal(r.json.error, code, r.text);
    const after = (await b.request('/session')).json.providers.idp;
    assert.equal(after.refresh_fingerprint, before.refresh_fingerprint, 'nothing stored: the old set is kept');
    assert.equal(after.access_fingerprint, before.access_fingerprint);
  }
});

test('generic: the JWKS is kept in the isolate, and an unknown kid refetches it at most once per 30 s', async () => {
  const jwks = () => idp.requests('/jwks');
  let before = jwks();
  for (let i = 0; i < 2; i++) assert.equal((await signIn(new Browser(worker))).cb.status, 302);
  assert.ok(jwks() - before <= 1, `two sign-ins fetched the JWKS ${jwks() - before} times`);
  before = jwks();
  for (let i = 0; i < 3; i++) {
    const b = new Browser(worker);
    const start = await b.request('/auth/idp/login?return_to=%2Fhome');
    const back = await idp.authorize(start.headers.get('location'));
    idp.tamperNextTokenResponse((body) => ({ ...body, id_token: idp.signIdToken(claimsOf(body.id_token), { kid: 'unknown-kid' }) }));
    const cb = await b.request(back);
    assert.equal(cb.json?.error, 'jwk_not_found', cb.text);
    assert.equal((await b.request('/session')).json.signed_in, false);
  }
  assert.ok(jwks() - before <= 1, `three sign-ins with an unknown kid fetched the JWKS ${jwks() - before} times`);
});
