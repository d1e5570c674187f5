// Single-flight: 200 concurrent API calls on one session whose access token the provider now
// rejects (sandbox clock moved past its expiry) → one refresh; 200 LegalOn calls → one token; and
// when the held LegalOn token is refused, one isolate asks the connection's object once, not once
// per caller (docs/scaling.md: the burst at a held token's expiry).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSandboxAndWorker, Browser, login } from '../harness/index.mjs';

const ADMIN_TOKEN = 'admin-secret-for-the-race-tests-0123456789';
const ctx = withSandboxAndWorker({ ADMIN_TOKEN });

test('200 concurrent LawVu calls with an expired access token → all 200, exactly one refresh', async () => {
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'lawvu');
  const warm = await b.api('/api/lawvu/account-apis/v1/users');
  assert.equal(warm.status, 200, warm.text);
  await ctx.sbx.control('clock', { advance_secs: 2 * 3600 }); // the 1-hour access token is now expired upstream
  const before = (await ctx.sbx.stats()).lawvu;
  const results = await Promise.all(Array.from({ length: 200 }, () => b.api('/api/lawvu/account-apis/v1/users')));
  const statuses = results.map((r) => r.status);
  assert.deepEqual(
    [...new Set(statuses)],
    [200],
    `statuses: ${JSON.stringify(
      results
        .filter((r) => r.status !== 200)
        .slice(0, 3)
        .map((r) => r.text),
    )}`,
  );
  const after = (await ctx.sbx.stats()).lawvu;
  assert.equal(after.token_requests.refresh_token - before.token_requests.refresh_token, 1, 'exactly one refresh');
  assert.equal(after.refresh_reuse, 0, 'no spent refresh token replayed');
  assert.equal(after.token_errors, before.token_errors);
  // and the rotated pair was kept: the next expiry refreshes once more, with the new token
  await ctx.sbx.control('clock', { advance_secs: 2 * 3600 });
  const again = await b.api('/api/lawvu/matter-apis/v1/matters');
  assert.equal(again.status, 200, again.text);
  const last = (await ctx.sbx.stats()).lawvu;
  assert.equal(last.token_requests.refresh_token - before.token_requests.refresh_token, 2);
  assert.equal(last.refresh_reuse, 0);
});

test('200 concurrent LegalOn calls → exactly one client-credentials request', async () => {
  await ctx.sbx.control('options', { legalon_rate_limit: { limit: 10000, window_secs: 60 } });
  const before = (await ctx.sbx.stats()).legalon.token_requests.client_credentials;
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'logiless'); // LegalOn serves signed-in sessions only (LEGALON_ALLOWED_FOR)
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => b.api(`/api/legalon/users?page_size=${1 + (i % 5)}`)));
  const bad = results.filter((r) => r.status !== 200);
  assert.equal(bad.length, 0, `failures: ${bad.slice(0, 3).map((r) => `${r.status} ${r.text}`)}`);
  const after = (await ctx.sbx.stats()).legalon.token_requests.client_credentials;
  assert.equal(after - before, 1, 'one token request for 200 callers');
});

test('the held LegalOn token refused upstream: 100 concurrent callers in one isolate ask its object once', async () => {
  await ctx.sbx.control('options', { legalon_rate_limit: { limit: 10000, window_secs: 60 } });
  const b = new Browser(ctx.worker);
  await login(b, ctx.sbx, 'logiless');
  const warm = await b.api('/api/legalon/departments');
  assert.equal(warm.status, 200, warm.text);
  // what the connection's object answered since it woke (its health, admin only; never a token)
  const asked = async () => {
    const h = await b.request('/connections/legalon', { headers: { 'x-tsunagi-admin': ADMIN_TOKEN } });
    assert.equal(h.status, 200, h.text);
    return h.json.token_requests;
  };
  const before = await asked();
  assert.equal(typeof before, 'number');
  const tokensBefore = (await ctx.sbx.stats()).legalon.token_requests.client_credentials;
  // the isolate's copy still looks fresh to the Worker's clock: the provider's 401 is what tells
  await ctx.sbx.control('clock', { advance_secs: 2 * 3600 });
  try {
    const results = await Promise.all(Array.from({ length: 100 }, () => b.api('/api/legalon/departments')));
    const bad = results.filter((r) => r.status !== 200);
    assert.equal(bad.length, 0, `failures: ${bad.slice(0, 3).map((r) => `${r.status} ${r.text}`)}`);
    assert.equal((await ctx.sbx.stats()).legalon.token_requests.client_credentials - tokensBefore, 1, 'one new token');
    assert.equal((await asked()) - before, 1, "the isolate's callers asked the object once between them");
  } finally {
    await ctx.sbx.control('clock', { advance_secs: -2 * 3600 });
  }
});
