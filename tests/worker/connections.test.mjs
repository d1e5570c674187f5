// Connections from configuration (issue 15): two LawVu connections side by side in one session,
// an invalid connection failing only its own routes, an unknown one not found, /session listing
// every connection, and HEAD answered as a GET without its body. Real sandbox, real workerd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSandboxAndWorker, connectionsFor, Browser, login } from '../harness/index.mjs';

const PASTED = 'SK7QH2MZ9XW4VB8N3CLIVEKEY0PASTED';

const ctx = withSandboxAndWorker((ep) => {
  const connections = connectionsFor(ep);
  // LawVu's public client (no secret: 1-day refresh tokens) beside the confidential one
  connections['lawvu-spa'] = {
    profile: 'lawvu',
    environment: 'sandbox',
    client_id: ep.lawvu.public_client.client_id,
    authorize_url: ep.lawvu.authorize_url,
    token_url: ep.lawvu.token_url,
    api_base: ep.lawvu.api_base,
  };
  connections.broken = { profile: 'lawvu', client_id: 'x', environment: 'staging' };
  connections.typo = { profile: 'logiless', client_id: 'x', secret: 'LOGILESS_CLIENT_SECRET', mercant_id: '1' };
  // a secret's value pasted where its name goes, that looks like a name (A-Z, 0-9, _)
  connections.pasted = { ...connections.logiless, secret: PASTED };
  return { connections };
});

test('two LawVu connections side by side in one session', async () => {
  const b = new Browser(ctx.worker);
  const one = await login(b, ctx.sbx, 'lawvu');
  assert.equal(one.cb.status, 302, one.cb.text);
  const two = await login(b, ctx.sbx, 'lawvu-spa');
  assert.equal(two.cb.status, 302, two.cb.text);
  assert.match(two.authorize, /client_id=sbx-lawvu-spa&redirect_uri=http%3A%2F%2Flocalhost%3A8787%2Fauth%2Flawvu-spa%2Fcallback/);
  const s = await b.request('/session');
  assert.deepEqual(Object.keys(s.json.providers).sort(), ['lawvu', 'lawvu-spa']);
  const day = 86400 * 1000;
  assert.ok(s.json.providers.lawvu.refresh_expires_at - Date.now() > 29 * day, 'confidential: 30 days');
  assert.ok(s.json.providers['lawvu-spa'].refresh_expires_at - Date.now() < 2 * day, 'public: 1 day');
  assert.notEqual(s.json.providers.lawvu.access_fingerprint, s.json.providers['lawvu-spa'].access_fingerprint);
  assert.equal(s.json.connections.lawvu.signed_in, true);
  assert.equal(s.json.connections['lawvu-spa'].signed_in, true);
  assert.equal(s.json.connections.logiless.signed_in, false);
  assert.deepEqual(s.json.connections.legalon, {
    profile: 'legalon',
    grant: 'client_credentials',
    held: true,
    unattended: false,
    server: false,
    revocation: false,
    signed_in: false,
  });
  for (const c of ['lawvu', 'lawvu-spa']) {
    const r = await b.api(`/api/${c}/account-apis/v1/users`);
    assert.equal(r.status, 200, `${c}: ${r.text}`);
  }
  // the public connection is read-only by default (no access rule configured)
  const post = await b.api('/api/lawvu-spa/account-apis/v1/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(post.status, 403, post.text);
  assert.equal(post.json.error, 'method_refused');
  // HEAD: the upstream status and headers, no body
  const head = await b.fetch('/api/lawvu-spa/account-apis/v1/users', { method: 'HEAD', headers: { 'x-tsunagi': '1' } });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  // signing out of one keeps the other
  assert.equal((await b.api('/auth/lawvu-spa/logout', { method: 'POST' })).status, 200);
  assert.equal((await b.api('/api/lawvu-spa/account-apis/v1/users')).json.error, 'session_missing');
  assert.equal((await b.api('/api/lawvu/account-apis/v1/users')).status, 200);
});

test('an invalid connection fails its own routes with config_invalid naming the field; the others work', async () => {
  const b = new Browser(ctx.worker);
  for (const [path, opts, field] of [
    ['/auth/broken/login', {}, "connection 'broken', field 'environment'"],
    ['/api/broken/x', { headers: { 'x-tsunagi': '1' } }, "connection 'broken', field 'environment'"],
    ['/auth/typo/login', {}, "connection 'typo', field 'mercant_id'"],
  ]) {
    const r = await b.request(path, opts);
    assert.equal(r.status, 500, `${path}: ${r.text}`);
    assert.equal(r.json.error, 'config_invalid', path);
    assert.ok(r.json.message.includes(field), r.json.message);
  }
  // a missing secret: config_missing names the field, never its value (which may be a pasted secret)
  const missing = await b.request('/auth/pasted/login');
  assert.equal(missing.status, 500, missing.text);
  assert.equal(missing.json.error, 'config_missing');
  assert.ok(!missing.text.includes(PASTED), `the value is not echoed: ${missing.text}`);
  assert.match(missing.json.message, /connection 'pasted': .*'secret' field.*wrangler secret put.*\.dev\.vars/);
  const unknown = await b.request('/auth/nope/login');
  assert.equal(unknown.status, 404, unknown.text);
  assert.equal(unknown.json.error, 'not_found');
  // a held connection has no sign-in
  assert.equal((await b.request('/auth/legalon/login')).status, 404);
  assert.equal((await b.request('/auth/lawvu/login')).status, 302);
  const s = await b.request('/session');
  assert.equal(s.status, 200, s.text);
  // issue 21 item 15: the same message as the connection's own routes (it was the code alone)
  assert.deepEqual(Object.keys(s.json.connections.broken).sort(), ['error', 'message', 'signed_in']);
  assert.equal(s.json.connections.broken.error, 'config_invalid');
  assert.equal(s.json.connections.broken.signed_in, false);
  assert.ok(s.json.connections.broken.message.includes("connection 'broken', field 'environment'"), s.text);
  assert.ok(s.json.connections.typo.message.includes("connection 'typo', field 'mercant_id'"), s.text);
  assert.deepEqual(Object.keys(s.json.connections), ['lawvu', 'logiless', 'legalon', 'lawvu-spa', 'broken', 'typo', 'pasted'].sort());
});
