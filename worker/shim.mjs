// Entry module of the tsunagi Worker (copied to build/worker/ by scripts/build-worker.sh).
// index.js is wasm-bindgen's `--target module` glue: it instantiates the wasm on import.
// This is the fetch handler (with the proxied call's hot path), wraps the Durable Object classes, and is the broker other
// Workers call through a service binding (TsunagiBroker, Workers RPC; README "Other Workers").
import * as imports from './index.js';
import { DurableObject, WorkerEntrypoint } from 'cloudflare:workers';

// What the hot path needs of the Worker's rules, read from wasm once per isolate.
let rules;

// The methods whose body the proxy forwards (crates/tsunagi-worker/src/proxy.rs, `carries_body`).
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export default {
  fetch(request, env) {
    rules ??= hotPathRules();
    const h = request.headers;
    const csrf = h.get(rules.csrf);
    // every /api call carries it (bff::guard): without it, only the whole path has an answer
    if (csrf === null) return imports.answer(request, env);
    // apiPlan's arguments: the request's method, URL and headers, then its content type, whether
    // its body can be read here, and the body once read
    const asked = [env, request.method, request.url, h.get('cookie'), h.get('origin'), csrf, undefined, false, undefined];
    if (WITH_BODY.has(request.method)) return withBody(request, env, asked);
    return planned(request, env, asked, () => imports.answer(request, env));
  },
};

// A request body is read here when its length is declared and bounded (the whole path reads any
// other, and refuses one too long), once wasm has found that the call passes every rule before
// its body (`ReadBody`), and given to wasm, which checks it as the whole path does; the whole path
// then gets a request with the same bytes, the first one's stream being spent.
async function withBody(request, env, asked) {
  const h = request.headers;
  if (!bounded(h.get('content-length'), rules.maxRequestBody)) return imports.answer(request, env);
  asked[6] = h.get('content-type');
  asked[7] = true;
  const first = imports.apiPlan(...asked);
  if (!(first instanceof imports.ReadBody)) {
    first?.free();
    return imports.answer(request, env);
  }
  first.free();
  let bytes;
  try {
    bytes = new Uint8Array(await request.arrayBuffer());
  } catch {
    return imports.answer(request, env);
  }
  asked[8] = bytes;
  return planned(request, env, asked, () => imports.answer(new Request(request, { body: bytes }), env));
}

// wasm's plan for the call: send it, ask the session's object first, or the whole path (`whole`).
function planned(request, env, asked, whole) {
  const plan = imports.apiPlan(...asked);
  if (plan instanceof imports.Forward) return hotPath(request, env, plan);
  if (plan instanceof imports.Ask) return askFirst(request, env, asked, plan, whole);
  return whole();
}

// The session's object asked from JavaScript (Workers RPC, its `op(text)`), its answer given back
// to wasm with the question; anything but a plan to send is the whole path.
async function askFirst(request, env, asked, ask, whole) {
  let answer;
  try {
    const ns = env[ask.binding];
    answer = await ns.get(ns.idFromName(ask.object)).op(ask.op);
  } catch {
    ask.free();
    return whole();
  }
  const plan = imports.apiPlan(...asked, ask, answer);
  return plan instanceof imports.Forward ? hotPath(request, env, plan) : whole();
}

// The proxied call's hot path (crates/tsunagi-worker/src/hot_path.rs): wasm decided, in one call
// (two when the session's object was asked first), that this /api call passes every rule and which
// request to send; the request and the answer are JavaScript's. An answer the API loop must act on (401,
// 429, 5xx, a body of undeclared or too large length) or no answer goes back to wasm with the
// plan, so the upstream request is never sent twice.
async function hotPath(request, env, plan) {
  const headers = {};
  const sent = plan.headers;
  for (let i = 0; i + 1 < sent.length; i += 2) headers[sent[i]] = sent[i + 1];
  const signal = AbortSignal.timeout(plan.timeoutMs);
  let upstream;
  try {
    upstream = await fetch(plan.url, { method: plan.method, headers, body: plan.body, redirect: 'manual', signal });
  } catch {
    return imports.answer(request, env, plan, undefined, signal);
  }
  const status = upstream.status;
  const empty = status === 204 || status === 304 || plan.head;
  if (status === 401 || status === 429 || status >= 500 || !(empty || bounded(upstream.headers.get('content-length'), rules.maxBody))) {
    return imports.answer(request, env, plan, upstream, signal);
  }
  const out = new Headers();
  for (const [k, v] of upstream.headers) if (rules.safe.has(k) || k.startsWith(rules.prefix)) out.append(k, v);
  const added = plan.answerHeaders;
  for (let i = 0; i + 1 < added.length; i += 2) out.append(added[i], added[i + 1]);
  plan.free();
  return new Response(empty ? null : upstream.body, { status, headers: out });
}

// Whether a declared length is at most `max` (the whole path's rule: digits only): an answer's is
// then streamed on as it comes, a request's read here.
const DIGITS = /^[0-9]{1,10}$/;
function bounded(length, max) {
  return length !== null && DIGITS.test(length) && Number(length) <= max;
}

function hotPathRules() {
  const r = imports.hotPathRules();
  const read = { csrf: r.csrfHeader, safe: new Set(r.safeHeaders), prefix: r.safePrefix, maxBody: r.maxStreamedBody, maxRequestBody: r.maxRequestBody };
  r.free();
  return read;
}

// Durable Objects: thin JS classes around the Rust ones (as workers-rs' worker-build does). The
// Worker calls them through Workers RPC (`op`), never `fetch`.
export class TsunagiSession extends DurableObject {
  constructor(state, env) {
    super(state, env);
    this.inner = new imports.TsunagiSession(state, env);
  }
  /** Workers RPC from the Worker: one typed operation as JSON text, its answer as
   * {"ok": …} or {"error": …} (crates/tsunagi-worker/src/object_rpc.rs). */
  op(text) {
    return this.inner.op(text);
  }
  alarm() {
    return this.inner.alarm();
  }
}

export class TsunagiConnection extends DurableObject {
  constructor(state, env) {
    super(state, env);
    this.inner = new imports.TsunagiConnection(state, env);
  }
  /** Workers RPC from the Worker: one typed operation as JSON text, its answer as
   * {"ok": …} or {"error": …} (crates/tsunagi-worker/src/object_rpc.rs). */
  op(text) {
    return this.inner.op(text);
  }
  alarm() {
    return this.inner.alarm();
  }
}

// The broker for other Workers: `services = [{ binding = "TSUNAGI", service = "tsunagi",
// entrypoint = "TsunagiBroker" }]`. Not reachable from the internet; no cookie. Only connections
// configured with `server = true` are served (crates/tsunagi-worker/src/broker.rs).
export class TsunagiBroker extends WorkerEntrypoint {
  /** `{ access_token, token_type, expires_at }` of a served connection; throws a TsunagiError. */
  accessToken(connection) {
    return imports.brokerAccessToken(this.env, connection);
  }
  /** The connection's API at the request's path and query (same rules and 401/429 policy as /api). */
  fetchApi(connection, request) {
    return imports.brokerFetch(this.env, connection, request);
  }
  /** `env.TSUNAGI.fetch('https://tsunagi/{connection}/{path}')`: the same as `fetchApi`. */
  fetch(request) {
    return imports.brokerFetch(this.env, '', request);
  }
}
