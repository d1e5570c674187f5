// Pushed Authorization Requests (RFC 9126) through the Worker: generic connections against panva's
// oidc-provider requiring PAR (tests/harness/oidc.mjs, require_pushed_authorization_requests in its
// metadata). The sign-in pushes with the connection's client authentication (client_secret_basic)
// and redirects with client_id and request_uri only; sign-in, refresh, an unattended connection's
// grant; `par: false` against that server and a push the server refuses are typed errors before any
// redirect, nothing stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, startWorker, bindingsFor, Browser, ORIGIN, connectionsFor, startOidcProvider } from '../harness/index.mjs';
import { SECRET, startApi } from './oidc.mjs';

let sbx, idp, api, worker;
const ADMIN_TOKEN = 'admin-secret-for-the-par-tests-0123456789abcdef';

const CLIENTS = [
  {
    client_id: 'tsunagi',
    client_secret: SECRET,
    // par-refused's callback is not registered: its push is refused (RFC 9126 §2.3)
    redirect_uris: [`${ORIGIN}/auth/par/callback`, `${ORIGIN}/auth/par-off/callback`, `${ORIGIN}/auth/par-robot/callback`],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
  },
];

before(async () => {
  sbx = await startSandbox();
  idp = await startOidcProvider({ clients: CLIENTS, pushedAuthorizationRequests: { requirePushedAuthorizationRequests: true } });
  api = await startApi(() => idp);
  const base = {
    profile: 'generic',
    client_id: 'tsunagi',
    secret: 'IDP_CLIENT_SECRET',
    issuer: idp.issuer,
    api_base: api.url,
    scopes: ['openid', 'offline_access'],
  };
  const connections = {
    ...connectionsFor(sbx.ep),
    par: base,
    'par-off': { ...base, par: false },
    'par-refused': base,
    'par-robot': { ...base, unattended: true },
  };
  worker = await startWorker(bindingsFor(sbx.ep, { connections, IDP_CLIENT_SECRET: SECRET, ADMIN_TOKEN }));
});
after(async () => {
  await worker?.stop();
  await api?.stop();
  await idp?.close();
  await sbx?.stop();
});

const pushes = () => idp.requests('/request');

test('PAR: the server requires it, so the sign-in pushes; the redirect carries client_id and request_uri only; refresh after', async () => {
  const b = new Browser(worker);
  const before = pushes();
  const start = await b.request('/auth/par/login?return_to=%2Fhome');
  assert.equal(start.status, 302, start.text);
  assert.equal(pushes(), before + 1, 'the server saw the push');
  const authorize = new URL(start.headers.get('location'));
  assert.equal(authorize.origin + authorize.pathname, `${idp.issuer}/auth`);
  assert.deepEqual([...authorize.searchParams.keys()].sort(), ['client_id', 'request_uri']);
  assert.equal(authorize.searchParams.get('client_id'), 'tsunagi');
  const cb = await b.request(await idp.authorize(authorize.href));
  assert.equal(cb.status, 302, cb.text);
  assert.equal(cb.headers.get('location'), '/home');
  const s = await b.request('/session');
  assert.equal(s.json.connections.par.signed_in, true, s.text);
  const r = await b.request('/auth/par/refresh', { method: 'POST', headers: { 'x-tsunagi': '1' } });
  assert.equal(r.status, 200, r.text);
  const me = await b.api('/api/par/whoami');
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.sub, 'user-1');
});

test('PAR: each sign-in pushes its own request (a request_uri is never reused)', async () => {
  const b = new Browser(worker);
  const before = pushes();
  const uris = [];
  for (let i = 0; i < 2; i++) {
    const start = await b.request('/auth/par/login');
    assert.equal(start.status, 302, start.text);
    uris.push(new URL(start.headers.get('location')).searchParams.get('request_uri'));
  }
  assert.equal(pushes(), before + 2);
  assert.notEqual(uris[0], uris[1]);
});

test('PAR: par: false against a server that requires it is invalid_config, before any push or redirect', async () => {
  const b = new Browser(worker);
  const before = pushes();
  const start = await b.request('/auth/par-off/login');
  assert.notEqual(start.status, 302, start.text);
  assert.equal(start.json.error, 'invalid_config', start.text);
  assert.match(start.text, /require_pushed_authorization_requests/);
  assert.equal(pushes(), before);
  assert.equal(start.headers.get('set-cookie'), null, 'no pending sign-in cookie');
});

test('PAR: a push the server refuses (unregistered redirect_uri) is its typed error, no redirect, no secret in it', async () => {
  const b = new Browser(worker);
  const before = pushes();
  const start = await b.request('/auth/par-refused/login');
  assert.notEqual(start.status, 302, start.text);
  assert.equal(pushes(), before + 1, 'sent once, not retried');
  assert.equal(start.json.error, 'invalid_request', start.text); // oidc-provider's answer (RFC 9126 §2.3)
  assert.ok(!start.text.includes(SECRET));
  assert.equal(start.headers.get('set-cookie'), null, 'no pending sign-in cookie');
});

test("PAR: an administrator's grant of an unattended connection pushes too, and the connection is then held", async () => {
  const admin = { 'x-tsunagi-admin': ADMIN_TOKEN, 'x-tsunagi': '1' };
  const before = pushes();
  const g = await new Browser(worker).request('/admin/connections/par-robot/grant', { method: 'POST', headers: admin });
  assert.equal(g.status, 200, g.text);
  assert.equal(pushes(), before + 1);
  const authorize = new URL(g.json.authorize_url);
  assert.deepEqual([...authorize.searchParams.keys()].sort(), ['client_id', 'request_uri']);
  const cb = await new Browser(worker).request(await idp.authorize(authorize.href));
  assert.equal(cb.status, 200, cb.text);
  const h = await new Browser(worker).request('/connections/par-robot', { headers: admin });
  assert.equal(h.json.status, 'connected', h.text);
});
