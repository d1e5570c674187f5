// Token-endpoint redirects (the sandbox's `redirect` fault) are never followed: a 502 `http_error`,
// nothing reaches the redirect target (a loopback server that records every request), and a
// failed refresh keeps the stored refresh token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { withSandboxAndWorker, startTrap, Browser, login } from '../harness/index.mjs';

const ctx = withSandboxAndWorker();
let trap;
before(async () => {
  trap = await startTrap();
});
after(async () => {
  await trap?.stop();
});

const API = { lawvu: '/api/lawvu/account-apis/v1/users', logiless: '/api/logiless/stores' };

/** Queues one `redirect` fault on `provider`'s token endpoint, pointing at the trap. */
const redirectNext = (provider, status) =>
  ctx.sbx.control('faults', { provider, endpoint: 'token', kind: 'redirect', location: `${trap.url}?from=${provider}`, status });

/** The Worker's answer to a redirected token request: a clear 502, no redirect passed on. */
function assertRefused(r, status, what) {
  assert.equal(r.status, 502, `${what}: ${r.text}`);
  assert.equal(r.json.error, 'http_error', what);
  assert.equal(r.json.upstream_status, status, what);
  assert.match(r.json.message, /redirect/, what);
  assert.equal(r.headers.get('location'), null, `${what}: the redirect is not passed to the browser`);
  assert.ok(!/sbx_|eyJ|trap/.test(r.text), `${what}: no secret, token or target in the error`);
  assert.deepEqual(trap.requests, [], `${what}: the redirect target received nothing`);
}

for (const [provider, status] of [
  ['lawvu', 307],
  ['logiless', 302],
]) {
  test(`${provider}: a redirected code exchange is refused, nothing sent to the target`, async () => {
    const b = new Browser(ctx.worker);
    const start = await b.request(`/auth/${provider}/login`);
    const { redirect_url } = await ctx.sbx.control(`${provider}/approve`, { authorize_url: start.headers.get('location'), user_id: 'user-id-123' });
    const before = (await ctx.sbx.stats())[provider].token_requests.authorization_code;
    await redirectNext(provider, status);
    assertRefused(await b.request(redirect_url), status, `${provider} callback`);
    assert.equal((await ctx.sbx.stats())[provider].token_requests.authorization_code, before, 'the code was never presented');
    // a new login works
    const ok = await login(b, ctx.sbx, provider);
    assert.equal(ok.cb.status, 302, ok.cb.text);
  });

  test(`${provider}: a redirected refresh is refused, the refresh token survives`, async () => {
    const b = new Browser(ctx.worker);
    await login(b, ctx.sbx, provider);
    const before = (await ctx.sbx.stats())[provider];
    await redirectNext(provider, status);
    assertRefused(await b.api(`/auth/${provider}/refresh`, { method: 'POST' }), status, `${provider} refresh`);
    const again = await b.api(`/auth/${provider}/refresh`, { method: 'POST' });
    assert.equal(again.status, 200, `${provider}: the stored refresh token still works: ${again.text}`);
    assert.equal((await b.api(API[provider])).status, 200);
    const after = (await ctx.sbx.stats())[provider];
    assert.equal(after.token_requests.refresh_token - before.token_requests.refresh_token, 1);
    assert.equal(after.refresh_reuse, 0);
  });
}

test('lawvu: a refresh on an API call meets a redirect → 502, the next call refreshes', async () => {
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'lawvu');
  await ctx.sbx.control('clock', { advance_secs: 2 * 3600 });
  await redirectNext('lawvu', 308);
  assertRefused(await b.api(API.lawvu), 308, 'lawvu API refresh');
  const next = await b.api(API.lawvu);
  assert.equal(next.status, 200, next.text);
  assert.equal((await ctx.sbx.stats()).lawvu.refresh_reuse, 0);
});

test('legalon: a redirected client-credentials request is refused, the next call acquires', async () => {
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'logiless');
  await redirectNext('legalon', 307);
  assertRefused(await b.api('/api/legalon/users'), 307, 'legalon token');
  const ok = await b.api('/api/legalon/users');
  assert.equal(ok.status, 200, ok.text);
});
