// Upstream faults during refresh and API calls (a gigantic chunked body too) → clear 502-class
// errors, the stored refresh token is kept and the next request recovers; token rotation survives
// a Worker restart (persisted Durable Objects).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSandboxAndWorker, Browser, login } from '../harness/index.mjs';

const ctx = withSandboxAndWorker();

const USERS = '/api/lawvu/account-apis/v1/users';

test('faults on the token endpoint during refresh: 502-class errors, then recovery', async () => {
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'lawvu');
  assert.equal((await b.api(USERS)).status, 200);
  for (const [kind, status, codes] of [
    ['status500', 502, ['upstream_error', 'server_error']],
    ['status503', 502, ['upstream_error', 'temporarily_unavailable']],
    ['malformed_body', 502, ['token_response_invalid']],
    ['close', 502, ['transport']],
  ]) {
    await ctx.sbx.control('clock', { advance_secs: 2 * 3600 });
    await ctx.sbx.control('faults', { provider: 'lawvu', endpoint: 'token', kind, count: 1 });
    const failed = await b.api(USERS);
    assert.equal(failed.status, status, `${kind}: ${failed.text}`);
    assert.ok(codes.includes(failed.json.error), `${kind}: ${failed.text}`);
    assert.ok(!/sbx_|eyJ/.test(failed.text), 'no secret or token in the error');
    const next = await b.api(USERS);
    assert.equal(next.status, 200, `${kind}: recovery: ${next.text}`);
  }
  // a slow token endpoint within the timeout is waited for
  await ctx.sbx.control('clock', { advance_secs: 2 * 3600 });
  await ctx.sbx.control('faults', { provider: 'lawvu', endpoint: 'token', kind: 'delay_ms', delay_ms: 300, count: 1 });
  assert.equal((await b.api(USERS)).status, 200);
  const stats = (await ctx.sbx.stats()).lawvu;
  assert.equal(stats.refresh_reuse, 0, 'the stored refresh token was never lost or replayed');
  assert.equal(stats.token_requests.refresh_token, 5, 'one successful refresh per round, faulted ones never reached the handler');
});

test('an API endpoint slower than UPSTREAM_TIMEOUT_MS → 504 timeout; 5xx → 502', async () => {
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'lawvu');
  await ctx.sbx.control('faults', { provider: 'lawvu', endpoint: 'api', kind: 'delay_ms', delay_ms: 4000, count: 1 });
  const slow = await b.api(USERS);
  assert.equal(slow.status, 504, slow.text);
  assert.equal(slow.json.error, 'timeout');
  await ctx.sbx.control('faults', { provider: 'lawvu', endpoint: 'api', kind: 'status503', count: 1 });
  const down = await b.api(USERS);
  assert.equal(down.status, 502, down.text);
  assert.equal(down.json.error, 'upstream_error');
  assert.equal((await b.api(USERS)).status, 200);
});

test('LegalOn token faults → 502, next call acquires', async () => {
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'logiless');
  await ctx.sbx.control('faults', { provider: 'legalon', endpoint: 'token', kind: 'status500', count: 1 });
  const r = await b.api('/api/legalon/users');
  assert.equal(r.status, 502, r.text);
  const ok = await b.api('/api/legalon/users');
  assert.equal(ok.status, 200, ok.text);
});

test('rotation survives a Worker restart (persisted, encrypted Durable Object storage)', async () => {
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'lawvu');
  await ctx.sbx.control('clock', { advance_secs: 2 * 3600 });
  assert.equal((await b.api(USERS)).status, 200); // refreshed: the rotated pair is stored
  assert.equal((await b.api('/api/legalon/users')).status, 200);
  const before = await ctx.sbx.stats();
  await ctx.restartWorker();
  const b2 = new Browser(ctx.worker);
  b2.cookie = b.cookie;
  const s = await b2.request('/session');
  assert.equal(s.json?.signed_in, true, s.text);
  const legalon = await b2.api('/api/legalon/users');
  assert.equal(legalon.status, 200, legalon.text);
  await ctx.sbx.control('clock', { advance_secs: 2 * 3600 });
  const r = await b2.api(USERS);
  assert.equal(r.status, 200, r.text);
  const after = await ctx.sbx.stats();
  assert.equal(after.lawvu.token_requests.refresh_token - before.lawvu.token_requests.refresh_token, 1, 'refreshed with the stored rotated token');
  assert.equal(after.lawvu.refresh_reuse, 0);
  assert.equal(after.lawvu.token_errors, before.lawvu.token_errors);
  assert.equal(after.legalon.token_requests.client_credentials, before.legalon.token_requests.client_credentials, 'LegalOn token reused from storage');
});

test('a gigantic chunked API body (no Content-Length) → 502 body_too_large, then normal answers', async () => {
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'logiless');
  for (const [provider, path] of [
    ['logiless', '/api/logiless/stores'],
    ['legalon', '/api/legalon/users'],
  ]) {
    await ctx.sbx.control('faults', { provider, endpoint: 'api', kind: 'huge_chunked_body', count: 1 });
    const huge = await b.api(path);
    assert.equal(huge.status, 502, `${provider}: ${huge.text.slice(0, 200)}`);
    assert.equal(huge.json.error, 'body_too_large');
    assert.equal(huge.json.upstream_status, 200);
    const next = await b.api(path);
    assert.equal(next.status, 200, `${provider}: ${next.text}`);
  }
});
