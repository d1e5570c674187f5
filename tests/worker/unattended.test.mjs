// Unattended connections (issue 15): LawVu granted once by an administrator through the admin
// routes, then held in its own Durable Object whose alarm refreshes it ahead of the refresh
// token's expiry. The sandbox clock moves 90 days, 10 days at a time, while the alarms fire:
// LawVu's 30-day refresh tokens would have lapsed three times over; the connection stays usable,
// the sandbox counts the refreshes the Worker reports and no reuse. A provider that forgets the
// grant turns the status to requires_reauthorization; a failed refresh is kept, counted and
// retried with backoff. A failed grant changes no health (a grant in progress is reported beside
// it); the object answers a token request without the refresh token (issue 21 items 8 and 9).
// Real sandbox, real workerd (its alarms).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startSandbox, startWorker, bindingsFor, connectionsFor, brokerClient, Browser, leaks, seededSecrets, SESSION_KEY } from '../harness/index.mjs';

const ADMIN_TOKEN = 'admin-secret-for-the-tests-0123456789abcdef';
const ADMIN = { 'x-tsunagi-admin': ADMIN_TOKEN };
// refresh 2 s after each rotation (30 days minus 2 s ahead of the refresh token's expiry), so the
// alarms fire while the test moves the sandbox clock
const LEEWAY = 30 * 86400 - 2;

const CLIENT = `
export default {
  async fetch(req, env) {
    const { op, connection, path } = await req.json();
    try {
      if (op === 'token') return Response.json(await env.TSUNAGI.accessToken(connection));
      const r = await env.TSUNAGI.fetchApi(connection, new Request('https://ignored.invalid' + path));
      return new Response(await r.text(), { status: r.status });
    } catch (e) {
      return Response.json({ error: String(e.message) }, { status: 500 });
    }
  },
};`;

let sbx, worker;
before(async () => {
  sbx = await startSandbox();
  const connections = connectionsFor(sbx.ep);
  Object.assign(connections.lawvu, { unattended: true, server: true, refresh_leeway_secs: LEEWAY });
  connections.legalon.allowed_for = ['logiless'];
  worker = await startWorker(bindingsFor(sbx.ep, { connections, ADMIN_TOKEN }), { workers: [brokerClient('robot', CLIENT)] });
});
after(async () => {
  await worker?.stop();
  await sbx?.stop();
});

async function robot(body) {
  const r = await (await worker.mf.getWorker('robot')).fetch('http://robot/', { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, json: JSON.parse(await r.text()) };
}
/** The held connection's Durable Object as the Worker names it (config.rs `held_object_name`: a
 * keyed hash of the connection, its token endpoint and client id; docs/storage.md). */
async function heldObject(connection, tokenUrl, clientId) {
  const key = createHmac('sha256', SESSION_KEY).update('tsunagi/v1/object').digest();
  const name = createHmac('sha256', key).update(`connection:${connection}:${tokenUrl}:${clientId}`).digest('base64url');
  const ns = await worker.mf.getDurableObjectNamespace('CONNECTIONS', 'tsunagi');
  return ns.get(ns.idFromName(name));
}

/** A callback URL as the provider would send it, its `state` replaced (forged). */
const forged = (redirectUrl) => {
  const u = new URL(redirectUrl);
  u.searchParams.set('state', 'forged-state-0123456789');
  return u.href;
};

const admin = (b, path, method = 'GET') => b.request(path, { method, headers: { ...ADMIN, ...(method === 'POST' ? { 'x-tsunagi': '1' } : {}) } });
const health = async () => (await admin(new Browser(worker), '/connections/lawvu')).json;

/** Polls `f` until it answers something truthy (what the alarms do takes real time). */
async function until(f, what) {
  for (let i = 0; i < 300; i++) {
    const v = await f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}: ${JSON.stringify(await health())}`);
}

test('the admin routes need the administrator secret; before a grant nothing is held', async () => {
  const b = new Browser(worker);
  for (const headers of [{}, { 'x-tsunagi-admin': 'wrong' }, { 'x-tsunagi-admin': `${ADMIN_TOKEN}x` }]) {
    const r = await b.request('/connections/lawvu', { headers });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.error, 'admin_unauthorized');
    const g = await b.request('/admin/connections/lawvu/grant', { method: 'POST', headers: { ...headers, 'x-tsunagi': '1' } });
    assert.equal(g.status, 401, g.text);
  }
  const noCsrf = await b.request('/admin/connections/lawvu/grant', { method: 'POST', headers: ADMIN });
  assert.equal(noCsrf.status, 403);
  const h = await health();
  assert.equal(h.connected, false);
  assert.equal(h.status, 'disconnected');
  // browsers do not sign in to an unattended connection
  assert.equal((await b.request('/auth/lawvu/login')).status, 404);
  const t = await robot({ op: 'token', connection: 'lawvu' });
  assert.match(t.json.error, /^login_required: connection 'lawvu' is not granted/);
});

test('a grant whose callback fails changes no health: a pending grant is reported with its expiry, then gone', async () => {
  const b = new Browser(worker);
  const g = await admin(b, '/admin/connections/lawvu/grant', 'POST');
  assert.equal(g.status, 200, g.text);
  const pending = await health();
  assert.equal(pending.status, 'disconnected', 'not granted yet: the grant in progress does not replace the status');
  assert.deepEqual(pending.pending_grant, { expires_at: g.json.expires_at });
  const { redirect_url } = await sbx.control('lawvu/approve', { authorize_url: g.json.authorize_url, user_id: 'user-id-123' });
  const cb = await new Browser(worker).request(forged(redirect_url));
  assert.equal(cb.status, 400, cb.text);
  assert.equal(cb.json.error, 'state_mismatch');
  const h = await health();
  assert.equal(h.status, 'disconnected', JSON.stringify(h));
  assert.equal(h.connected, false);
  assert.equal(h.pending_grant, null, 'the failed callback spent the grant in progress');
  assert.equal((await new Browser(worker).request(redirect_url)).status, 400, 'single use: the real callback comes too late');
});

test('granted once by an administrator; the callback is single use; health shows no token', async () => {
  const b = new Browser(worker);
  const g = await admin(b, '/admin/connections/lawvu/grant', 'POST');
  assert.equal(g.status, 200, g.text);
  // the administrator opens the URL in any browser and consents: no cookie travels with it
  const { redirect_url } = await sbx.control('lawvu/approve', { authorize_url: g.json.authorize_url, user_id: 'user-id-123' });
  const cb = await new Browser(worker).request(redirect_url);
  assert.equal(cb.status, 200, cb.text);
  assert.equal(cb.json.granted, true);
  const again = await new Browser(worker).request(redirect_url);
  assert.equal(again.status, 400, again.text);
  assert.equal(again.json.error, 'state_mismatch');
  const h = await health();
  assert.equal(h.status, 'connected');
  assert.equal(h.connected, true);
  assert.ok(Math.abs(h.refresh_expires_at - Date.now() - 30 * 86400 * 1000) < 120000, 'a 30-day refresh token');
  assert.ok(h.next_refresh_at > h.granted_at && h.next_refresh_at < h.refresh_expires_at);
  const text = JSON.stringify(h);
  assert.deepEqual(leaks(text, seededSecrets(sbx.ep)), [], text);
  const api = await robot({ op: 'api', connection: 'lawvu', path: '/account-apis/v1/users' });
  assert.equal(api.status, 200, JSON.stringify(api.json));
});

test("the Worker receives the held access token, never the refresh token (the object's answer read as sent)", async () => {
  const stub = await heldObject('lawvu', sbx.ep.lawvu.token_url, sbx.ep.lawvu.confidential_client.client_id);
  const op = { op: 'token', connection: 'lawvu', origin: 'https://broker.tsunagi.invalid', failed: null };
  // the Worker's own RPC call (worker/shim.mjs `op`), its envelope read as sent
  const text = await stub.op(JSON.stringify(op));
  const envelope = JSON.parse(text);
  assert.deepEqual(Object.keys(envelope), ['ok'], text);
  const answer = envelope.ok;
  assert.deepEqual(Object.keys(answer).sort(), ['access_token', 'api_base_url', 'expires_at', 'issued_at', 'token_type'], text);
  assert.doesNotMatch(text, /refresh/);
  assert.ok(answer.access_token && answer.expires_at > Date.now(), text);
  // and the broker's answer to another Worker: the same access token, nothing more
  const t = await robot({ op: 'token', connection: 'lawvu' });
  assert.deepEqual(Object.keys(t.json).sort(), ['access_token', 'expires_at', 'token_type']);
  assert.equal(t.json.access_token, answer.access_token);
});

test('a failed re-grant keeps the health of the grant that still works, beside the grant in progress', async () => {
  const before = await health();
  assert.equal(before.status, 'connected');
  const b = new Browser(worker);
  const g = await admin(b, '/admin/connections/lawvu/grant', 'POST');
  assert.equal(g.status, 200, g.text);
  // (the alarm refreshes every 2 s here: refreshes and expiries move on, the grant stays)
  const same = (h, what) => {
    assert.equal(h.status, 'connected', `${what}: ${JSON.stringify(h)}`);
    assert.equal(h.connected, true, what);
    assert.equal(h.granted_at, before.granted_at, `${what}: the grant that works is still the one reported`);
    assert.ok(h.refreshes >= before.refreshes, `${what}: refreshes counted on, not reset: ${JSON.stringify(h)}`);
    assert.ok(h.next_refresh_at, `${what}: the next refresh stays scheduled`);
    assert.equal(h.last_error, null, what);
  };
  const during = await health();
  assert.deepEqual(during.pending_grant, { expires_at: g.json.expires_at });
  same(during, 'during the grant');
  const { redirect_url } = await sbx.control('lawvu/approve', { authorize_url: g.json.authorize_url, user_id: 'user-id-123' });
  const cb = await new Browser(worker).request(forged(redirect_url));
  assert.equal(cb.status, 400, cb.text);
  assert.equal(cb.json.error, 'state_mismatch');
  const after = await health();
  same(after, 'after the failed callback');
  assert.equal(after.pending_grant, null);
  const api = await robot({ op: 'api', connection: 'lawvu', path: '/account-apis/v1/users' });
  assert.equal(api.status, 200, JSON.stringify(api.json));
});

test('90 days of sandbox time while the alarms refresh: still usable, every refresh counted, no reuse', async () => {
  const start = await sbx.stats();
  const h0 = await health();
  for (let step = 1; step <= 9; step++) {
    const seen = (await health()).refreshes;
    await sbx.control('clock', { advance_secs: 10 * 86400 });
    // an alarm refreshes within the 30 days the last refresh token has left (2 s of real time)
    await until(async () => (await health()).refreshes > seen, `a refresh after step ${step}`);
  }
  const h1 = await health();
  const end = await sbx.stats();
  const h2 = await health();
  const counted = end.lawvu.token_requests.refresh_token - (start.lawvu.token_requests.refresh_token ?? 0);
  assert.ok(h1.refreshes - h0.refreshes >= 9, `at least one refresh per 10 days: ${JSON.stringify(h1)}`);
  assert.ok(
    counted >= h1.refreshes - h0.refreshes && counted <= h2.refreshes - h0.refreshes + 1,
    `sandbox ${counted}, Worker ${h1.refreshes}..${h2.refreshes}`,
  );
  assert.equal(end.lawvu.refresh_reuse, 0, 'no spent refresh token replayed');
  assert.equal(end.lawvu.token_errors, start.lawvu.token_errors, 'no refused token request');
  assert.equal(h2.status, 'connected');
  assert.equal(h2.failures, 0);
  assert.equal((await sbx.control('clock')).offset_secs, 90 * 86400);
  const api = await robot({ op: 'api', connection: 'lawvu', path: '/account-apis/v1/users' });
  assert.equal(api.status, 200, JSON.stringify(api.json));
  assert.ok(api.json.some((u) => u.name === 'Jane Smith'));
});

test('a provider that forgets the grant: the next alarm marks it requires_reauthorization', async () => {
  await sbx.control('reset', {}); // every token the sandbox issued is gone
  const h = await until(async () => {
    const v = await health();
    return v.status === 'requires_reauthorization' && v;
  }, 'requires_reauthorization');
  assert.equal(h.connected, false);
  assert.equal(h.last_error, 'refresh_token_invalid');
  assert.equal(h.next_refresh_at, null, 'no more alarms');
  const t = await robot({ op: 'token', connection: 'lawvu' });
  assert.match(t.json.error, /^login_required: /);
  // a new grant brings it back
  const b = new Browser(worker);
  const g = await admin(b, '/admin/connections/lawvu/grant', 'POST');
  const { redirect_url } = await sbx.control('lawvu/approve', { authorize_url: g.json.authorize_url, user_id: 'user-id-123' });
  assert.equal((await new Browser(worker).request(redirect_url)).status, 200);
  assert.equal((await health()).status, 'connected');
  // a refresh the provider fails (503): kept, counted, reported, retried later with backoff
  const seen = (await health()).refreshes;
  await sbx.control('faults', { provider: 'lawvu', endpoint: 'token', kind: 'status503', count: 1 });
  const failed = await until(async () => {
    const v = await health();
    return v.failures === 1 && v;
  }, 'a failed refresh');
  assert.equal(failed.connected, true, 'the pair is kept');
  assert.equal(failed.status, 'connected', 'one failure is retried, not yet reported as refresh_failing');
  assert.ok(failed.last_error && failed.last_error !== 'refresh_token_invalid', JSON.stringify(failed));
  assert.equal(failed.refreshes, seen);
  assert.ok(failed.next_refresh_at - Date.now() > 20000, `the retry backs off (30 s): ${JSON.stringify(failed)}`);
  const out = await admin(b, '/admin/connections/lawvu/disconnect', 'POST');
  assert.equal(out.status, 200, out.text);
  assert.equal(out.json.revocation.revoked, false);
  assert.match(out.json.revocation.reason, /no revocation endpoint/);
  assert.equal((await health()).status, 'disconnected');
});
