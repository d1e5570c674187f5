// The scale simulation (bench/scale.mjs) in short: 150 signed-in sessions, 4 calls each, every
// token expiring mid-run. Correctness only, nothing timed: each session's token refreshed exactly
// once, the held LegalOn token fetched again exactly once for everyone (the isolate asking its
// object once), no call failed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scaleRun } from '../../bench/scale.mjs';
import { withSandbox } from '../harness/index.mjs';

const ctx = withSandbox();

test('150 sessions × 4 calls with every token expiring mid-run: one refresh per expiry, no errors', async () => {
  const r = await scaleRun(ctx.sbx, { sessions: 150, calls: 4, concurrency: 8 });
  assert.deepEqual(r.first_errors, []);
  assert.equal(r.errors, 0);
  assert.equal(r.requests, 600);
  assert.equal(r.session_refreshes, r.session_expiries, 'one refresh per session whose token expired');
  assert.equal(r.refresh_reuse, 0, 'no refresh token sent twice');
  assert.equal(r.held_token_requests, r.held_expiries, 'one new held token for the whole deployment');
  assert.equal(r.held_object_asks, r.held_expiries, "the isolate asked the held connection's object once for it");
});
