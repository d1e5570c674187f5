// The proxied call's hot path (crates/tsunagi-worker/src/hot_path.rs, worker/shim.mjs; issue 24):
// wasm plans the call (with the isolate's copy of the session's answer, or after JavaScript asked
// the session's object for it), and the upstream request and the answer are JavaScript's. Its answers are the whole path's, and an answer the API
// loop must act on is handed back to wasm with the answer already received — the upstream request
// is never sent twice (the sandbox counts every API request that reaches it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Browser, bindingsFor, login, SPA, startSandbox, startWorker } from '../harness/index.mjs';

let sbx;
let worker;
let asking;
before(async () => {
  sbx = await startSandbox();
  // a 429 is never waited out here: the loop's refusal is then the answer
  worker = await startWorker(bindingsFor(sbx.ep, { RATE_LIMIT_MAX_WAIT_MS: '0' }));
  // no copies: every call's hot path asks the session's object from JavaScript first
  asking = await startWorker(bindingsFor(sbx.ep, { SESSION_CACHE_SECS: '0' }));
});
after(async () => {
  await worker?.stop();
  await asking?.stop();
  await sbx?.stop();
});

const USERS = '/api/lawvu/account-apis/v1/users';
const LEGALON = '/api/legalon/departments';
const apiCalls = async (provider) => (await sbx.stats())[provider].api_calls;

/** Status, body, and the answer's header names without those whose values change per call. */
function shape(r) {
  const names = [...r.headers.keys()].filter((k) => k !== 'x-request-id' && !k.startsWith('x-ratelimit-')).sort();
  return { status: r.status, names, json: r.json };
}

test("the hot path's answers are the whole path's: status, body, headers (CORS, no Set-Cookie of the provider's), HEAD without a body", async () => {
  const b = new Browser(worker);
  await login(b, sbx, 'lawvu');
  const headers = { origin: SPA };
  // the isolate has no LegalOn token yet: the first call goes the whole path, the second the hot one
  const whole = await b.api(LEGALON, { headers });
  const hot = await b.api(LEGALON, { headers });
  assert.equal(whole.status, 200, whole.text);
  assert.deepEqual(shape(hot), shape(whole));
  assert.equal(hot.headers.get('access-control-allow-origin'), SPA);
  assert.equal(hot.headers.get('access-control-allow-credentials'), 'true');
  assert.ok(hot.headers.get('x-request-id'), 'the provider request id passed back');
  assert.ok(hot.headers.get('x-ratelimit-limit'), "the provider's rate-limit headers passed back");
  assert.deepEqual(hot.setCookie, [], 'no cookie of the provider, none renewed for a fresh session');
  const users = await b.api(USERS, { headers });
  const head = await b.api(USERS, { method: 'HEAD', headers });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.equal(head.headers.get('content-type'), users.headers.get('content-type'));
});

for (const [copies, w] of [
  ['copied', () => worker],
  ['asked from JavaScript (SESSION_CACHE_SECS=0)', () => asking],
]) {
  test(`a token the provider refuses on the hot path, ${copies}: one refresh and one retry, the refused request not sent again`, async () => {
    const b = new Browser(w());
    await login(b, sbx, 'lawvu');
    assert.equal((await b.api(USERS)).status, 200);
    assert.equal((await b.api(USERS)).status, 200);
    // the provider's clock moves on: the isolate's copy still looks fresh, the provider answers 401
    await sbx.control('clock', { advance_secs: 2 * 3600 });
    const before = await sbx.stats();
    const r = await b.api(USERS);
    assert.equal(r.status, 200, r.text);
    const after = await sbx.stats();
    assert.equal(after.lawvu.api_calls - before.lawvu.api_calls, 2, 'the 401 and the retry with the new token, nothing else');
    assert.equal(after.lawvu.token_requests.refresh_token - before.lawvu.token_requests.refresh_token, 1);
    assert.equal(after.lawvu.refresh_reuse, 0);
  });
}

test('a 429 on the hot path is the API loop’s: refused once with the provider’s rate-limit headers, not sent again', async () => {
  const b = new Browser(worker);
  await login(b, sbx, 'logiless');
  let limited;
  for (let i = 0; i < 12 && !limited; i++) {
    const before = await apiCalls('logiless');
    const r = await b.api('/api/logiless/stores');
    assert.equal((await apiCalls('logiless')) - before, 1, `call ${i}: one upstream request (${r.status})`);
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 200, r.text);
  }
  assert.ok(limited, 'the sandbox limits Logiless to 5 calls per 5 s');
  assert.equal(limited.json.error, 'rate_limited', limited.text);
  assert.equal(limited.headers.get('x-tsunagi-error'), 'rate_limited');
  assert.ok(limited.headers.get('x-ratelimit-limit'), "the provider's rate-limit headers passed back");
});

test('no answer on the hot path (time-out, 5xx) is the whole path’s error, and the next call goes on', async () => {
  const b = new Browser(worker);
  await login(b, sbx, 'lawvu');
  assert.equal((await b.api(USERS)).status, 200);
  await sbx.control('faults', { provider: 'lawvu', endpoint: 'api', kind: 'delay_ms', delay_ms: 4000, count: 1 });
  const slow = await b.api(USERS);
  assert.equal(slow.status, 504, slow.text);
  assert.equal(slow.json.error, 'timeout');
  await sbx.control('faults', { provider: 'lawvu', endpoint: 'api', kind: 'status503', count: 1 });
  const down = await b.api(USERS);
  assert.equal(down.status, 502, down.text);
  assert.equal(down.json.error, 'upstream_error');
  await sbx.control('faults', { provider: 'lawvu', endpoint: 'api', kind: 'huge_chunked_body', count: 1 });
  const huge = await b.api(USERS);
  assert.equal(huge.status, 502, huge.text.slice(0, 200));
  assert.equal(huge.json.error, 'body_too_large');
  assert.equal((await b.api(USERS)).status, 200);
});

test("with SESSION_CACHE_SECS=0 the hot path asks the session's object on every call: a sign-out elsewhere holds at once", async () => {
  const b = new Browser(asking);
  await login(b, sbx, 'lawvu');
  for (const path of [USERS, LEGALON, USERS]) assert.equal((await b.api(path)).status, 200, path);
  const cookie = b.cookie;
  assert.equal((await b.api('/auth/logout', { method: 'POST' })).status, 200);
  for (const path of [USERS, LEGALON]) {
    const gone = await b.api(path, { cookie });
    assert.equal(gone.status, 401, gone.text);
    assert.equal(gone.json.error, 'session_missing');
  }
});
