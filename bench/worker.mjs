// Figures 5–7: the tsunagi Worker in real workerd (Miniflare's Node API) against the provider
// sandbox binary, and a minimal JavaScript Worker proxying with a fixed token. Loopback only, every
// load bounded by count and time. Run with Node 22 (Miniflare). Writes JSON to argv[2].
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { gzipSync, constants } from 'node:zlib';
import { join, resolve } from 'node:path';
import { Miniflare } from 'miniflare';
import { startSandbox, bindingsFor, Browser, login, BUILD, ROOT } from '../tests/harness/index.mjs';
import { COMPAT, startPeer, startTsunagi, startWithObjects, textEnv, tsunagiModules } from './contenders.mjs';
import { QUICK, ROUNDS, median, percentile } from './lib.mjs';
import { scaleRun } from './scale.mjs';

const OUT = process.argv[2] || join(ROOT, 'target', 'bench', 'worker.json');
const LAT_N = QUICK ? 50 : 1000; // sequential requests per contender per round
const LOAD_MS = QUICK ? 300 : 3000; // per contender per round, 16 connections
const CONNS = 16;
const RACE_N = QUICK ? 50 : 500;
const COLD_N = QUICK ? 1 : Math.max(5, ROUNDS);
const result = { quick: QUICK, node: process.version };
// BENCH_PARTS (default all): a comma-separated subset of race, cold, proxy, scale, for short runs by hand
const PARTS = (process.env.BENCH_PARTS || 'race,cold,proxy,scale').split(',');

// The floor: a minimal JavaScript Worker that proxies /api/legalon/* and /api/lawvu/* with fixed
// bearer tokens (no session, no Durable Object, no access rule).
const FLOOR_WORKER = `
const ROUTES = { legalon: ['LEGALON_BASE', 'LEGALON_TOKEN'], lawvu: ['LAWVU_BASE', 'LAWVU_TOKEN'] };
export default {
  async fetch(request, env) {
    const u = new URL(request.url);
    const [, api, name] = u.pathname.split('/');
    const r = api === 'api' && ROUTES[name];
    if (!r) return new Response('not found', { status: 404 });
    if (request.headers.get('x-tsunagi') !== '1') return new Response('forbidden', { status: 403 });
    const up = await fetch(env[r[0]] + u.pathname.slice(5 + name.length) + u.search, {
      headers: { authorization: 'Bearer ' + env[r[1]], accept: 'application/json' },
    });
    const h = new Headers();
    for (const k of ['content-type', 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
      const v = up.headers.get(k);
      if (v !== null) h.set(k, v);
    }
    return new Response(up.body, { status: up.status, headers: h });
  },
};`;

// Tsunagi taken apart for the isolate-start figure: `body` (a module's fetch handler) with the same
// two Durable Object classes, and with tsunagi's wasm glue imported (`withWasm`: the module is
// instantiated when the Worker starts) or not.
function startPieces(ep, body, withWasm) {
  const modules = withWasm ? tsunagiModules() : {};
  delete modules['shim.mjs'];
  const objects =
    "import { DurableObject } from 'cloudflare:workers';\nexport class TsunagiSession extends DurableObject {}\nexport class TsunagiConnection extends DurableObject {}\n";
  modules['pieces.mjs'] = { type: 'esm', contents: `${withWasm ? "import * as imports from './index.js';\n" : ''}${objects}${body}` };
  return startWithObjects('tsunagi', 'pieces.mjs', modules, textEnv(bindingsFor(ep)), ['TsunagiSession', 'TsunagiConnection'], 'tsunagi-bench-pieces-');
}

async function startFloorWorker(bindings) {
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    workers: [
      {
        config: {
          name: 'jsproxy',
          compatibilityDate: COMPAT,
          manifest: { mainModule: 'proxy.mjs', modules: { 'proxy.mjs': { type: 'esm', contents: FLOOR_WORKER } } },
          env: textEnv(bindings),
        },
      },
    ],
  });
  const url = await mf.ready;
  return { mf, url: url.origin, stop: () => mf.dispose() };
}

async function timed(url, headers) {
  const t0 = performance.now();
  const r = await fetch(url, { headers });
  await r.arrayBuffer();
  const dt = performance.now() - t0;
  if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
  return dt;
}

/** req/s with CONNS concurrent loops for LOAD_MS (and at most 200k requests), from Node. */
async function nodeLoad(url, headers) {
  let n = 0,
    fail = 0;
  const end = performance.now() + LOAD_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNS }, async () => {
      while (performance.now() < end && n < 200000) {
        const r = await fetch(url, { headers });
        await r.arrayBuffer();
        if (r.status === 200) n++;
        else fail++;
      }
    }),
  );
  return { rps: (n * 1000) / (performance.now() - t0), failures: fail };
}

// Full runs measure throughput with wrk (Debian's package; bench/run.sh installs it): a native
// load generator leaves more of the 2 CPUs to workerd than Node does. Quick runs use Node.
const WRK = !QUICK && spawnSync('wrk', ['-v']).error === undefined;

/** req/s with CONNS connections for LOAD_MS, from wrk. */
function wrkLoad(url, headers) {
  const args = ['-t', '2', '-c', String(CONNS), '-d', `${Math.max(1, Math.round(LOAD_MS / 1000))}s`, '--timeout', '5s'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const out = execFileSync('wrk', [...args, url], { encoding: 'utf8' });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`wrk said: ${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return { rps: Number(rps[1]), failures: non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0) };
}

const load = (url, headers) => (WRK ? wrkLoad(url, headers) : nodeLoad(url, headers));

const sbx = await startSandbox();
try {
  const ep = sbx.ep;
  await sbx.control('options', { legalon_rate_limit: { limit: 100000000, window_secs: 1 } });
  // (7) size
  const wasm = readFileSync(join(BUILD, 'index_bg.wasm'));
  result.size = {
    wasm_raw: wasm.length,
    wasm_gz: gzipSync(wasm, { level: constants.Z_BEST_COMPRESSION }).length,
    glue_gz: gzipSync(readFileSync(join(BUILD, 'index.js')), { level: 9 }).length,
  };

  // (6) refresh under contention (LawVu, expired access token)
  if (PARTS.includes('race')) {
    const w = await startTsunagi(bindingsFor(ep));
    try {
      const b = new Browser({ mf: w.mf });
      await login(b, sbx, 'lawvu');
      const warm = await b.api('/api/lawvu/account-apis/v1/users');
      if (warm.status !== 200) throw new Error(`warm: ${warm.status} ${warm.text}`);
      await sbx.control('clock', { advance_secs: 2 * 3600 });
      const before = (await sbx.stats()).lawvu;
      const t0 = performance.now();
      const rs = await Promise.all(Array.from({ length: RACE_N }, () => b.api('/api/lawvu/account-apis/v1/users')));
      const ms = performance.now() - t0;
      const after = (await sbx.stats()).lawvu;
      result.race = {
        calls: RACE_N,
        failures: rs.filter((r) => r.status !== 200).length,
        refreshes: after.token_requests.refresh_token - before.token_requests.refresh_token,
        refresh_reuse: after.refresh_reuse - before.refresh_reuse,
        wall_ms: ms,
      };
      await sbx.control('clock', { advance_secs: -2 * 3600 });
    } finally {
      await w.stop();
    }
  }

  // (7) isolate start: first request of a fresh workerd vs the warm median, on a route with no upstream call and no
  // Durable Object (the CSRF guard's 403), for tsunagi and the JS BFF, and for tsunagi taken apart one piece at a
  // time (the same two object classes in every variant): a Worker in JavaScript alone, then the same with tsunagi's
  // wasm module instantiated (index.js imported), then with one call into it. Each round starts every contender in
  // turn, tsunagi last: the first tsunagi Worker a process starts answered its first request ~20 ms late even after
  // other Workers had started (unexplained; BENCHMARKS.md §7), so no round starts with it.
  if (PARTS.includes('cold')) {
    const js403 = `export default { fetch() { return new Response('{"error":"csrf_header_missing"}', { status: 403 }); } };`;
    const contenders = {
      bff: () => startPeer(ep, bindingsFor(ep)),
      js_only: () => startPieces(ep, js403, false),
      wasm_instantiated: () => startPieces(ep, js403, true),
      one_wasm_call: () => startPieces(ep, js403.replace('fetch() {', 'fetch() { imports.hotPathRules();'), true),
      tsunagi: () => startTsunagi(bindingsFor(ep)),
    };
    const rounds = Object.fromEntries(Object.keys(contenders).map((k) => [k, { firsts: [], warms: [] }]));
    // the first workerd a process starts answers its first request 20–40 ms late, whatever it runs: that start is
    // not counted for anyone
    const spare = await contenders.js_only();
    await (await fetch(`${spare.url}/api/legalon/users`)).arrayBuffer();
    await spare.stop();
    for (let i = 0; i < COLD_N; i++) {
      for (const [name, start] of Object.entries(contenders)) {
        const w = await start();
        try {
          const u = `${w.url}/api/legalon/users`;
          const t0 = performance.now();
          const r = await fetch(u, { redirect: 'manual' });
          await r.arrayBuffer();
          rounds[name].firsts.push(performance.now() - t0);
          if (r.status !== 403) throw new Error(`${name} guard: ${r.status}`);
          const ws = [];
          for (let j = 0; j < 50; j++) {
            const t1 = performance.now();
            const r2 = await fetch(u, { redirect: 'manual' });
            await r2.arrayBuffer();
            ws.push(performance.now() - t1);
          }
          rounds[name].warms.push(median(ws));
        } finally {
          await w.stop();
        }
      }
    }
    const summary = ({ firsts, warms }) => ({ first_ms: median(firsts), warm_ms: median(warms), firsts, warms });
    result.cold = {
      ...summary(rounds.tsunagi),
      peers: Object.fromEntries(
        Object.entries(rounds)
          .filter(([k]) => k !== 'tsunagi')
          .map(([k, v]) => [k, summary(v)]),
      ),
    };
  }

  // (5) added latency and req/s, for a LawVu call (the session's token) and a LegalOn call (held,
  // allowed_for): direct sandbox vs the tsunagi Worker vs the JS BFF (bench/peers/bff.mjs) vs the
  // fixed-token floor, one session per BFF signed in to LawVu
  if (PARTS.includes('proxy')) {
    const tok = await (
      await fetch(ep.legalon.token_url, {
        method: 'POST',
        headers: { authorization: `Basic ${ep.legalon.credentials}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      })
    ).json();
    const bindings = bindingsFor(ep);
    const ts = await startTsunagi(bindings);
    // the same Worker asking the session's object on every call, as the JS BFF does
    const tsNoCopy = await startTsunagi({ ...bindings, SESSION_CACHE_SECS: '0' });
    const peer = await startPeer(ep, bindings);
    let floor;
    try {
      const signedIn = new Browser({ mf: ts.mf });
      await login(signedIn, sbx, 'lawvu');
      const lawvuTok = await signedIn.api('/token/lawvu', { method: 'POST' });
      if (lawvuTok.status !== 200) throw new Error(`token: ${lawvuTok.status} ${lawvuTok.text}`);
      const noCopyBrowser = new Browser({ mf: tsNoCopy.mf });
      await login(noCopyBrowser, sbx, 'lawvu');
      const noCopyH = { 'x-tsunagi': '1', cookie: `__Host-tsunagi=${noCopyBrowser.cookie}` };
      const peerBrowser = new Browser({ mf: peer.mf });
      await login(peerBrowser, sbx, 'lawvu');
      const peerCookie = peerBrowser.jar.get('__Host-bff');
      if (!peerCookie) throw new Error('the JS BFF did not sign in');
      floor = await startFloorWorker({
        LEGALON_BASE: `${tok.api_base_url}/rest/v1`,
        LEGALON_TOKEN: tok.access_token,
        LAWVU_BASE: ep.lawvu.api_base,
        LAWVU_TOKEN: lawvuTok.json.access_token,
      });
      const tsH = { 'x-tsunagi': '1', cookie: `__Host-tsunagi=${signedIn.cookie}` };
      const peerH = { 'x-tsunagi': '1', cookie: `__Host-bff=${peerCookie}` };
      // both BFFs refuse the same things before any token is touched (the comparison is fair only if they do)
      const refusals = {};
      for (const [k, [base, h]] of Object.entries({ 'tsunagi Worker': [ts.url, tsH], 'JS BFF': [peer.url, peerH] })) {
        const name = k === 'JS BFF' ? '__Host-bff' : '__Host-tsunagi';
        const value = h.cookie.slice(name.length + 1);
        const cases = {
          'no X-Tsunagi': [`${base}/api/lawvu/account-apis/v1/users`, { cookie: h.cookie }],
          'no cookie': [`${base}/api/lawvu/account-apis/v1/users`, { 'x-tsunagi': '1' }],
          'cookie MAC altered': [
            `${base}/api/lawvu/account-apis/v1/users`,
            { 'x-tsunagi': '1', cookie: `${name}=${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}` },
          ],
          'double-encoded dot segment': [`${base}/api/lawvu/account-apis/%252e%252e/v1/users`, h],
          'method not in the rule (LegalOn PUT)': [`${base}/api/legalon/departments`, h, 'PUT'],
        };
        refusals[k] = {};
        for (const [what, [u, hh, method = 'GET']] of Object.entries(cases)) {
          const r = await fetch(u, { method, headers: hh });
          await r.arrayBuffer();
          if (r.status < 400) throw new Error(`${k} let through: ${what} (${r.status})`);
          refusals[k][what] = r.status;
        }
      }
      const calls = {
        legalon: {
          path: '/api/legalon/departments',
          targets: {
            'sandbox direct': [`${tok.api_base_url}/rest/v1/departments`, { authorization: `Bearer ${tok.access_token}` }],
            'tsunagi Worker': [`${ts.url}/api/legalon/departments`, tsH],
            'tsunagi Worker, SESSION_CACHE_SECS=0': [`${tsNoCopy.url}/api/legalon/departments`, noCopyH],
            'JS BFF': [`${peer.url}/api/legalon/departments`, peerH],
            'JS Worker (fixed token)': [`${floor.url}/api/legalon/departments`, { 'x-tsunagi': '1' }],
          },
        },
        lawvu: {
          path: '/api/lawvu/account-apis/v1/users',
          targets: {
            'sandbox direct': [`${ep.lawvu.api_base}/account-apis/v1/users`, { authorization: `Bearer ${lawvuTok.json.access_token}` }],
            'tsunagi Worker': [`${ts.url}/api/lawvu/account-apis/v1/users`, tsH],
            'tsunagi Worker, SESSION_CACHE_SECS=0': [`${tsNoCopy.url}/api/lawvu/account-apis/v1/users`, noCopyH],
            'JS BFF': [`${peer.url}/api/lawvu/account-apis/v1/users`, peerH],
            'JS Worker (fixed token)': [`${floor.url}/api/lawvu/account-apis/v1/users`, { 'x-tsunagi': '1' }],
          },
        },
      };
      let failures = 0;
      const out = {};
      for (const [call, { path, targets }] of Object.entries(calls)) {
        for (const [u, h] of Object.values(targets)) for (let i = 0; i < 100; i++) await timed(u, h); // warm-up (and the tokens)
        const lat = Object.fromEntries(Object.keys(targets).map((k) => [k, { p50: [], p99: [] }]));
        const rps = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
        for (let r = 0; r < ROUNDS; r++) {
          for (const [k, [u, h]] of Object.entries(targets)) {
            const xs = [];
            for (let i = 0; i < LAT_N; i++) xs.push(await timed(u, h));
            lat[k].p50.push(percentile(xs, 50));
            lat[k].p99.push(percentile(xs, 99));
          }
          for (const [k, [u, h]] of Object.entries(targets)) {
            const l = await load(u, h);
            rps[k].push(l.rps);
            failures += l.failures;
          }
        }
        out[call] = {
          path,
          latency: Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, { p50: median(v.p50), p99: median(v.p99) }])),
          rps: Object.fromEntries(Object.entries(rps).map(([k, v]) => [k, median(v)])),
        };
      }
      result.proxy = {
        latency_requests_per_round: LAT_N,
        load_ms: LOAD_MS,
        connections: CONNS,
        load_tool: WRK ? 'wrk' : 'node',
        failures,
        refusals,
        calls: out,
      };
    } finally {
      await ts.stop();
      await tsNoCopy.stop();
      await peer.stop();
      await floor?.stop();
    }
  }
  if (PARTS.includes('scale')) result.scale = await scaleRun(sbx, QUICK ? { sessions: 50, calls: 4 } : { sessions: 2000, calls: 10 });
} finally {
  await sbx.stop();
}
mkdirSync(resolve(OUT, '..'), { recursive: true });
writeFileSync(OUT, JSON.stringify(result, null, 2));
console.log(`bench: Worker figures → ${OUT}`);
process.exit(0);
