// BrokerClient (the npm package's client for this Worker) against the built Worker in workerd and
// the sandbox: sign-in, the session view, API calls, the Worker's own errors as TsunagiErrors
// (X-Tsunagi-Error) next to a provider's own 404 passed through, refresh and logout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { withSandboxAndWorker, Browser, login, ROOT, ORIGIN } from '../harness/index.mjs';

const { BrokerClient, TsunagiError } = await import(pathToFileURL(join(ROOT, 'pkg', 'node.js')).href);

const ctx = withSandboxAndWorker();

/** A BrokerClient whose fetch is a cookie-keeping browser on the Worker's origin. */
function broker() {
  const b = new Browser(ctx.worker);
  return { b, c: new BrokerClient({ baseUrl: ORIGIN, fetch: (url, init) => b.fetch(url, init) }) };
}

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof TsunagiError, `a TsunagiError, got ${e}`);
    assert.equal(e.code, code, e.message);
    // the message is the sentence alone: an app prints `${code}: ${message}` (issue 23)
    assert.ok(e.message && !e.message.startsWith(code), `the message repeats the code: ${e.message}`);
    return true;
  });
}

test('signed out: session() is empty, fetch() is session_missing with requiresReauthorization', async () => {
  const { c } = broker();
  const { connections, ...signedOut } = await c.session();
  assert.deepEqual(signedOut, { signed_in: false, providers: {} });
  assert.deepEqual(Object.keys(connections), ['lawvu', 'legalon', 'logiless'], 'every configured connection, signed in to none');
  await assert.rejects(
    c.fetch('lawvu', '/account-apis/v1/users'),
    (e) => e.code === 'session_missing' && e.requiresReauthorization === true && e.status === 401,
  );
  assert.equal(c.loginUrl('lawvu', { returnTo: '/matters?x=1' }), `${ORIGIN}/auth/lawvu/login?return_to=%2Fmatters%3Fx%3D1`);
  assert.throws(
    () => c.loginUrl('../evil'),
    (e) => e.code === 'invalid_parameter',
  );
  await rejectsWith(c.fetch('lawvu', 'account-apis/v1/users'), 'invalid_parameter');
});

test('LawVu through the broker: session, API, a provider 404 passed through, refresh, logout', async () => {
  const { b, c } = broker();
  assert.equal((await b.request(c.loginUrl('lawvu', { returnTo: '/app' }))).status, 302, 'loginUrl starts a sign-in');
  await login(b, ctx.sbx, 'lawvu', '/app');
  const s = await c.session();
  assert.equal(s.signed_in, true);
  assert.equal(s.providers.lawvu.claims.name, 'Jane Smith');
  const users = await c.fetch('lawvu', '/account-apis/v1/users');
  assert.equal(users.status, 200);
  assert.ok(Array.isArray((await users.json()).users ?? []));
  const missing = await c.fetch('lawvu', '/account-apis/v1/no-such-thing');
  assert.equal(missing.status, 404, "the provider's own 404 is a Response, not an error");
  assert.equal(missing.headers.get('x-tsunagi-error'), null);
  const r = await c.refresh('lawvu');
  assert.equal(r.old_refresh_fingerprint, s.providers.lawvu.refresh_fingerprint);
  assert.notEqual(r.new_refresh_fingerprint, r.old_refresh_fingerprint);
  await c.logout('lawvu');
  await rejectsWith(c.fetch('lawvu', '/account-apis/v1/users'), 'session_missing');
  await c.logout();
  const { connections: _, ...after } = await c.session();
  assert.deepEqual(after, { signed_in: false, providers: {} });
});

test("the Worker's upstream failures are TsunagiErrors with status and request id", async () => {
  const { b, c } = broker();
  await login(b, ctx.sbx, 'logiless'); // LegalOn serves signed-in sessions only
  await ctx.sbx.control('faults', { provider: 'legalon', endpoint: 'api', kind: 'status503', count: 1 });
  await assert.rejects(c.fetch('legalon', '/departments'), (e) => e.code === 'upstream_error' && e.status === 503 && e.requiresReauthorization === false);
  const ok = await c.fetch('legalon', '/departments?page_size=2');
  assert.equal(ok.status, 200);
  assert.ok(ok.headers.get('x-request-id'));
});
