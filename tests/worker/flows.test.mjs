// Each provider's full flow through the Worker in workerd against the sandbox binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSandboxAndWorker, Browser, login, SPA } from '../harness/index.mjs';

const ctx = withSandboxAndWorker();

test('LawVu: login → consent → callback → /session → /api, confidential 30-day refresh', async () => {
  const b = new Browser(ctx.worker);
  const { start, authorize, cb } = await login(b, ctx.sbx, 'lawvu', '/app/matters?tab=open');
  assert.match(
    authorize,
    /\/#\/authorize\?response_type=code&client_id=sbx-lawvu-backend&redirect_uri=http%3A%2F%2Flocalhost%3A8787%2Fauth%2Flawvu%2Fcallback&state=/,
  );
  // the sign-in travels in its own sealed cookie; the session cookie comes with the callback
  const loginCookie = start.setCookie.join('\n');
  for (const attr of ['__Host-tsunagi-login-lawvu=', 'Path=/', 'Secure', 'HttpOnly', 'SameSite=Lax']) assert.ok(loginCookie.includes(attr), loginCookie);
  assert.ok(!/Domain=/i.test(loginCookie));
  const sessionCookie = cb.setCookie.find((c) => c.startsWith('__Host-tsunagi=')) ?? '';
  for (const attr of ['__Host-tsunagi=', 'Path=/', 'Secure', 'HttpOnly', 'SameSite=Lax']) assert.ok(sessionCookie.includes(attr), cb.setCookie.join('\n'));
  assert.ok(!/Domain=/i.test(sessionCookie));
  assert.equal(cb.status, 302, cb.text);
  assert.equal(cb.headers.get('location'), '/app/matters?tab=open');
  assert.ok(
    cb.setCookie.some((c) => /Max-Age=25\d{5}/.test(c)),
    `session cookie lives ~30 days: ${cb.setCookie}`,
  );

  const s = await b.request('/session');
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.signed_in, true);
  const lv = s.json.providers.lawvu;
  assert.equal(lv.claims.sub, 'user-id-123');
  assert.equal(lv.claims.organisationId, 'org-id-456');
  assert.equal(lv.userName, 'Jane Smith');
  const thirtyDays = 30 * 86400 * 1000;
  assert.ok(Math.abs(lv.refresh_expires_at - Date.now() - thirtyDays) < 120000, '30-day refresh token (secret sent)');
  assert.ok(!/eyJ|sbx_|refresh_token|access_token/.test(s.text), `no token in /session: ${s.text}`);

  const users = await b.api('/api/lawvu/account-apis/v1/users', { headers: { origin: SPA } });
  assert.equal(users.status, 200, users.text);
  assert.ok(users.json.some((u) => u.name === 'Jane Smith'));
  assert.ok(users.headers.get('x-request-id'), 'X-Request-Id passed back');
  assert.equal(users.headers.get('access-control-allow-origin'), SPA);
  assert.equal(users.headers.get('access-control-allow-credentials'), 'true');
  const matters = await b.api('/api/lawvu/matter-apis/v1/matters');
  assert.equal(matters.status, 200, matters.text);
  const stats = await ctx.sbx.stats();
  assert.equal(stats.lawvu.token_requests.authorization_code, 1);
});

test('Logiless: GET token exchange, merchant-scoped API, ASCII-only JSON bodies', async () => {
  const b = new Browser(ctx.worker);
  const { authorize, cb } = await login(b, ctx.sbx, 'logiless', '/');
  assert.ok(authorize.startsWith(`${ctx.sbx.ep.logiless.authorize_url}?client_id=`), authorize);
  assert.equal(cb.status, 302, cb.text);
  const s = await b.request('/session');
  assert.ok(s.json.providers.logiless, s.text);
  const stores = await b.api('/api/logiless/stores?limit=5&page=1');
  assert.equal(stores.status, 200, stores.text);
  assert.equal(stores.json.data.length, 5);
  assert.ok(stores.headers.get('x-ratelimit-limit'), 'X-RateLimit-* passed back');
  // the sandbox rejects raw non-ASCII: the Worker must re-encode as \uNNNN
  const order = await b.api('/api/logiless/sales_orders/new', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ buyer: '山田 太郎', note: 'テスト' }),
  });
  assert.equal(order.status, 201, order.text);
  assert.equal(order.json.buyer, '山田 太郎');
  assert.ok(!order.setCookie.some((c) => !c.startsWith('__Host-tsunagi')), 'no upstream Set-Cookie');
});

test('LegalOn: client credentials, api_base_url, for signed-in sessions only, read-only', async () => {
  const b = new Browser(ctx.worker);
  // issue 13 item 1: X-Tsunagi and no cookie used to be forwarded with the organisation's
  // credentials (this test asserted it as intended); now refused, nothing reaches LegalOn
  const quietBefore = await ctx.sbx.stats();
  // (the access rules come first: a method the connection refuses is refused before any session is read)
  for (const [opts, status, code] of [
    [{}, 401, 'session_missing'],
    [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 403, 'method_refused'],
  ]) {
    const anon = await b.api('/api/legalon/users?page_size=3', opts);
    assert.equal(anon.status, status, anon.text);
    assert.equal(anon.json.error, code);
  }
  assert.deepEqual(await ctx.sbx.stats(), quietBefore, 'nothing reached LegalOn');
  await login(b, ctx.sbx, 'lawvu');
  const r = await b.api('/api/legalon/users?page_size=3');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.users.length, 3);
  assert.ok(r.headers.get('x-request-id') && r.headers.get('x-ratelimit-remaining'));
  const r2 = await b.api('/api/legalon/departments');
  assert.equal(r2.status, 200, r2.text);
  const noHeader = await b.request('/api/legalon/users');
  assert.equal(noHeader.status, 403);
  assert.equal(noHeader.json.error, 'csrf_header_missing');
  // least privilege: read-only unless the connection's access.methods allows more
  const before = await ctx.sbx.stats();
  const post = await b.api('/api/legalon/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(post.status, 403, post.text);
  assert.equal(post.json.error, 'method_refused');
  assert.deepEqual(await ctx.sbx.stats(), before, 'nothing forwarded');
});

test('token-mediating mode returns only a short-lived access token; logout ends the session', async () => {
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'lawvu');
  const t = await b.api('/token/lawvu', { method: 'POST' });
  assert.equal(t.status, 200, t.text);
  assert.ok(t.json.access_token.startsWith('eyJ'));
  assert.ok(!('refresh_token' in t.json));
  const one = await b.api('/auth/lawvu/logout', { method: 'POST' });
  assert.equal(one.status, 200, one.text);
  const gone = await b.api('/api/lawvu/account-apis/v1/users');
  assert.equal(gone.status, 401);
  assert.equal(gone.json.error, 'session_missing');
  await login(b, ctx.sbx, 'lawvu');
  const cookie = b.cookie;
  const all = await b.api('/auth/logout', { method: 'POST' });
  assert.equal(all.status, 200);
  assert.ok(all.setCookie.some((c) => c.includes('Max-Age=0')));
  const s = await b.request('/session', { cookie });
  assert.equal(s.json?.signed_in, false, 'old cookie sees an empty session after logout');
  const api = await b.api('/api/lawvu/account-apis/v1/users', { cookie });
  assert.equal(api.status, 401);
});

test('POST /auth/{provider}/refresh: rotates now and answers with fingerprints only', async () => {
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'lawvu', '/');
  const before = (await b.request('/session')).json.providers.lawvu;
  assert.match(before.refresh_fingerprint, /^[0-9a-f]{8}$/);
  assert.match(before.access_fingerprint, /^[0-9a-f]{8}$/);
  const noHeader = await b.request('/auth/lawvu/refresh', { method: 'POST' });
  assert.equal(noHeader.status, 403, noHeader.text);
  const spent = (await ctx.sbx.stats()).lawvu.token_requests.refresh_token ?? 0;
  const r = await b.request('/auth/lawvu/refresh', { method: 'POST', headers: { 'x-tsunagi': '1' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.old_refresh_fingerprint, before.refresh_fingerprint);
  assert.match(r.json.new_refresh_fingerprint, /^[0-9a-f]{8}$/);
  assert.notEqual(r.json.new_refresh_fingerprint, before.refresh_fingerprint);
  assert.ok(!/eyJ|sbx_|refresh_token"|access_token"/.test(r.text), `no token in the answer: ${r.text}`);
  assert.equal((await ctx.sbx.stats()).lawvu.token_requests.refresh_token, spent + 1);
  const after = (await b.request('/session')).json.providers.lawvu;
  assert.equal(after.refresh_fingerprint, r.json.new_refresh_fingerprint);
  const users = await b.api('/api/lawvu/account-apis/v1/users');
  assert.equal(users.status, 200, users.text);
  const anon = new Browser(ctx.worker);
  const none = await anon.request('/auth/lawvu/refresh', { method: 'POST', headers: { 'x-tsunagi': '1' } });
  assert.equal(none.status, 401, none.text);
});
