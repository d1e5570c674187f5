// Request bodies on the proxied call's hot path (worker/shim.mjs, crates/tsunagi-worker/src/hot_path.rs;
// issue 24): a POST whose Content-Length is declared and at most 1 MiB is read by JavaScript,
// checked by the whole path's own rule (proxy::checked_body) and sent from JavaScript in the
// provider's encoding; one without a declared length goes the whole path. Both answer alike, a
// refused body reaches no provider, and a 401 is handed back with the body, which the retry sends
// again — the refused request is never sent twice (the sandbox counts every API request).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Browser, bindingsFor, login, ORIGIN, startSandbox, startWorker } from '../harness/index.mjs';

let sbx;
let worker;
let asking;
before(async () => {
  sbx = await startSandbox();
  // the sandbox's Logiless allows 5 calls per 5 s; these tests make more
  await sbx.control('options', { logiless_rate_limit: { limit: 1000, window_secs: 1 } });
  worker = await startWorker(bindingsFor(sbx.ep));
  // no copies: every call's hot path asks the session's object from JavaScript first
  asking = await startWorker(bindingsFor(sbx.ep, { SESSION_CACHE_SECS: '0' }));
});
after(async () => {
  await worker?.stop();
  await asking?.stop();
  await sbx?.stop();
});

const ORDERS = '/api/logiless/sales_orders/new';
const ORDER = JSON.stringify({ buyer: '山田 太郎', note: 'テスト' });
const JSON_TYPE = { 'content-type': 'application/json' };
const apiCalls = async () => (await sbx.stats()).logiless.api_calls;

/** The same POST with its length declared (the hot path reads it) and as a stream without one
 * (the whole path reads it): both answers as `{status, json, names}`. */
async function bothWays(b, path, body, headers = JSON_TYPE) {
  const declared = await b.api(path, { method: 'POST', headers, body });
  const h = new Headers({ 'x-tsunagi': '1', ...headers, cookie: `__Host-tsunagi=${b.cookie}` });
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const stream = new ReadableStream({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
  const r = await b.worker.mf.dispatchFetch(`${ORIGIN}${path}`, { method: 'POST', headers: h, body: stream, duplex: 'half', redirect: 'manual' });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  const shape = (a) => ({
    status: a.status,
    json: a.json && { ...a.json, id: undefined },
    names: [...a.headers.keys()].filter((k) => k !== 'x-request-id' && !k.startsWith('x-ratelimit-')).sort(),
  });
  return { declared: shape(declared), streamed: shape({ status: r.status, json, headers: r.headers }) };
}

test("a POST's body on the hot path reaches the provider in its encoding (Logiless: ASCII-only), and the answer is the whole path's", async () => {
  const b = new Browser(worker);
  await login(b, sbx, 'logiless');
  const before = await apiCalls();
  const { declared, streamed } = await bothWays(b, ORDERS, ORDER);
  assert.equal(declared.status, 201, JSON.stringify(declared.json));
  assert.equal(declared.json.buyer, '山田 太郎', 'the sandbox refuses raw non-ASCII: the body went as \\uNNNN escapes');
  assert.deepEqual(declared, streamed);
  assert.equal((await apiCalls()) - before, 2, 'one upstream request each');
});

test('a body the whole path refuses is refused alike on the hot path, and reaches no provider', async () => {
  const b = new Browser(worker);
  await login(b, sbx, 'logiless');
  const before = await apiCalls();
  for (const [what, body, headers, status, code] of [
    ['not application/json', '{"a":1}', { 'content-type': 'text/plain' }, 400, 'invalid_parameter'],
    ['not JSON', '{"a":', JSON_TYPE, 400, 'invalid_parameter'],
    ['not UTF-8', new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), JSON_TYPE, 400, 'invalid_parameter'],
    ['over 1 MiB', `{"a":"${'x'.repeat(1024 * 1024)}"}`, JSON_TYPE, 413, 'body_too_large'],
  ]) {
    const { declared, streamed } = await bothWays(b, ORDERS, body, headers);
    assert.equal(declared.status, status, `${what}: ${JSON.stringify(declared.json)}`);
    assert.equal(declared.json.error, code, what);
    assert.deepEqual(declared, streamed, what);
  }
  assert.equal((await apiCalls()) - before, 0, 'nothing reached Logiless');
  // an empty body is sent as none, by both paths alike
  const { declared, streamed } = await bothWays(b, ORDERS, '');
  assert.deepEqual(declared, streamed);
});

for (const [copies, w] of [
  ['copied', () => worker],
  ['asked from JavaScript (SESSION_CACHE_SECS=0)', () => asking],
]) {
  test(`a POST whose token the provider refuses on the hot path, ${copies}: one refresh, the retry carries the same body, the refused request not sent again`, async () => {
    const b = new Browser(w());
    await login(b, sbx, 'logiless');
    assert.equal((await b.api(ORDERS, { method: 'POST', headers: JSON_TYPE, body: ORDER })).status, 201);
    // the provider refuses the next API request's token once (a faulted request is not counted)
    await sbx.control('faults', { provider: 'logiless', endpoint: 'api', kind: 'status401', count: 1 });
    const before = await sbx.stats();
    const r = await b.api(ORDERS, { method: 'POST', headers: JSON_TYPE, body: ORDER });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.buyer, '山田 太郎', 'the retry sent the body again, in the provider encoding');
    const after = await sbx.stats();
    // sent again with the refused token, the request would have passed without a refresh
    assert.equal(after.logiless.token_requests.refresh_token - before.logiless.token_requests.refresh_token, 1, 'one refresh');
    assert.equal(after.logiless.api_calls - before.logiless.api_calls, 1, 'the retry with the new token, nothing else');
    assert.equal(after.logiless.refresh_reuse, 0);
    assert.deepEqual((await sbx.control('faults')).pending, [], 'the refusal was answered');
  });
}
