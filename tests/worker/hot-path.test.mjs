// The proxied call's hot path (crates/tsunagi-worker/src/hot_path.rs, worker/shim.mjs; issue 24):
// once the isolate has a copy of the session's token (the call after the first), the upstream
// request and the answer are JavaScript's. Its answers are the whole path's, and an answer the API
// loop must act on is handed back to wasm with the answer already received — the upstream request
// is never sent twice (the sandbox counts every API request that reaches it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Browser, bindingsFor, login, SPA, startSandbox, startWorker } from '../harness/index.mjs';

let sbx;
let worker;
before(async () => {
  sbx = await startSandbox();
  // a 429 is never waited out here: the loop's refusal is then the answer
  worker = await startWorker(bindingsFor(sbx.ep, { RATE_LIMIT_MAX_WAIT_MS: '0' }));
});
after(async () => {
  await worker?.stop();
  await sbx?.stop();
});

const USERS = '/api/lawvu/account-apis/v1/users';
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
  const whole = await b.api(USERS, { headers });
  const hot = await b.api(USERS, { headers });
  assert.equal(whole.status, 200, whole.text);
  assert.deepEqual(shape(hot), shape(whole));
  assert.equal(hot.headers.get('access-control-allow-origin'), SPA);
  assert.equal(hot.headers.get('access-control-allow-credentials'), 'true');
  assert.ok(hot.headers.get('x-request-id'), 'the provider request id passed back');
  assert.deepEqual(hot.setCookie, [], 'no cookie of the provider, none renewed for a fresh session');
  const head = await b.api(USERS, { method: 'HEAD', headers });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.equal(head.headers.get('content-type'), whole.headers.get('content-type'));
});

test('a token the provider refuses on the hot path: one refresh and one retry, the refused request not sent again', async () => {
  const b = new Browser(worker);
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
