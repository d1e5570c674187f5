// node --test: each entry of the packed package loads only what it uses, within its byte budget
// (issue 22). An app importing the entry is bundled by esbuild (`--bundle --minify --format=esm`) from
// the unpacked tarball, and the bundle (with any .wasm it references) is measured gzip -9: bytes are
// deterministic, so the budgets are tests; `make bench` reports where the bytes go.
//   tsunagi/lawvu   LawVu in the browser (OAuthClient, JWT claims): the LawVu-only wasm module
//   tsunagi         OAuthClient with OpenID Connect, the low-level functions: the browser's module
//   tsunagi/broker  BrokerClient for SPAs behind the Worker: no wasm at all, ≤ 3 KB
//   tsunagi/react   the React adapter on top of the app's client (react itself external), ≤ 1.5 KB
//   tsunagi/worker  the Cloudflare Worker's wasm (crates/tsunagi-worker), as wrangler uploads it
// The targets for the two wasm entries, 30 KB and 60 KB, are not reached: the budgets below
// hold what they weigh today (BENCHMARKS.md, "What an app loads", says where the bytes go), so
// that they can only shrink. Issue 22 step 5 raised both by 7 KB: the flows' HTTP requests moved
// from the page's JS fetch port into Rust on gloo-net and web-sys (src/js/http.rs), measured +6.6 KB
// gzip on each entry (tsunagi/lawvu 96 216 → 102 808 bytes, tsunagi 122 757 → 129 345). Then
// talc replaced dlmalloc as the allocator (−3 KB on each module), and tsunagi/lawvu's module was
// built without the low-level request builders (cargo feature `lowlevel`, src/js/lowlevel/; −7 KB):
// tsunagi/lawvu 110.9 → 102.5 KB, tsunagi 135.7 → 133.0 KB. The refresh lock's wait for another
// tab's tokens then moved from js/client.js into Rust (src/js/ports.rs; issue 22 step 5: no lock
// logic in JavaScript): +0.6 KB on each (tsunagi/lawvu 105 160 → 105 776 bytes, tsunagi 136 442 → 137 124).
// Pushed Authorization Requests (RFC 9126, issue 25) then raised tsunagi by 3.5 KB: the push, its
// answer read, the PAR policy and the flows' step (`flowBeginAuthorization`) in the browser's module,
// measured +3 341 bytes (137 078 → 140 419). tsunagi/lawvu by 0.5 KB for +265 bytes (105 756 →
// 106 021) that are no PAR code (lean.test.mjs checks its module has none): the new error code in the
// code table every module carries, the authorization request split into its query and its URL (the
// push reuses the query), the client authentication split (a push carries its own client_id), and
// +20 bytes of js/client.js choosing between the two ways to begin.
// Issue 25 (DPoP, RFC 9449) raised tsunagi's by 9 KB (137 124 → 145 945 bytes): the proofs, the
// nonce book and WWW-Authenticate reader, the WebCrypto key pair and signer (src/js/dpop.rs,
// tsunagi-webcrypto) and the flows over DpopTransport in the wasm (+8.6 KB), js/oidc.js's IndexedDB
// key store (+0.7 KB JS). tsunagi/lawvu has none of it (no DPoP code or name in its wasm), only the
// plumbing: OAuthClient's ports take js/oidc.js' DPoP ports when present and logout asks them to
// forget the key (+29 bytes of JS), and the flows' transport is built through src/js/dpop.rs' no-DPoP
// shim (the wasm +0.2 KB): 105 776 → 106 046 bytes, budget +0.25 KB.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(import.meta.dirname, '..', '..');
const ESBUILD = join(ROOT, 'node_modules', '.bin', 'esbuild');

// The Worker's wasm, gzip -9 (Node's zlib here: 229 476 bytes when set). Issue 24's target is
// 150 KB; its records, messages and configuration moved off serde_json onto the core's codec
// (302 575 → 228 180 bytes by gzip -9 on the command line): the budget holds today's size, rounded
// up, so that it can only shrink (BENCHMARKS.md §7 says where the rest goes). Then talc replaced
// dlmalloc as its allocator, as in the package's modules: 229 529 → 226 506 bytes (Node's zlib).
// One ask of a held connection's object per isolate (held_copy.rs, docs/scaling.md) added 1.0 KB:
// 225 932 → 226 981 bytes by gzip -9 on the command line. Then the objects answered over Workers
// RPC and the upstream fetch went through web-sys's RequestInit, AbortSignal.timeout and
// fetch(url, init) (no serde-wasm-bindgen `cf` options, no timer of its own): → 219 575; the
// isolate's copy of session answers (session_copy.rs) → 221 634; the Worker-wide numbers and the
// held objects' names kept per isolate → 222 368 (223 302 by Node's zlib).
// Pushed Authorization Requests (RFC 9126, issue 25: the sign-in's push with the connection's client
// authentication, its answer read, the PAR policy): +2 700 bytes (measured alone: 226 506 → 229 206);
// with the above: 225 971 bytes (Node's zlib; 224 509 on the command line). The client-credentials
// token renewed ahead by its object's alarm (held.rs, schedule.rs): +1.2 KB → 227 335 (Node's zlib).
// Issue 25: the core's DPoP pieces the Worker links (a `DPoP` token type, `Authorization: DPoP`, the
// metadata's dpop_signing_alg_values_supported), ahead of its own DPoP: 226 785 → 227 311 (+0.5 KB).
// Merged with PAR and issue 24's Worker changes: 227 957 bytes (Node's zlib); the held object's
// lifetime count of token requests kept in storage: 228 672. Durable Object storage off serde
// (stored.rs: the core's codec through JSON.parse/stringify) and the broker's `connection` read with
// `as_string`: no serde deserialiser, no float printing left → 213 421 (Node's zlib; 211 908 on the
// command line). Issue 25's DPoP in the Worker (the key made, sealed, re-imported and used in the
// owning object; the sign-in's exchange in the session object; the isolate's proofs signed by the
// object over RPC; the message codecs): +20.6 KB → 234 026 (Node's zlib; 232 116 on the command
// line); one key type (WorkerKey), so one DpopTransport instance instead of two: → 232 996.
// sealed.rs and the shared grant exchange: → 232 397. Issue 24's hot path (hot_path.rs: the
// proxied call decided in one call into wasm, sent and answered in worker/shim.mjs; the proxied
// call at or under the JS BFF's latency, BENCHMARKS.md §5): +3.7 KB → 236 146 (the glue +2.0 KB).
// A client-credentials request unproven once DPoP is turned off, the earlier key deleted: → 236 371.
// The hot path's asks of the session's object from JavaScript (+1.15 KB) and the objects without
// WebSocket glue (#[durable_object(alarm)], −2.9 KB): → 234 639. One short insertion sort
// (tsunagi_core::short_sort) instead of the standard library's sorts, compiled once per element
// type: −7.5 KB → 227 151. The sign-in routes and the API route each their own boxed future (an
// isolate's first request compiles only the route it takes, ~1 ms sooner): +0.8 KB → 227 948.
// call_session's object call once for every answer type: −0.3 KB. The hot path's request bodies
// (read by the shim once the call passes the rules before its body, checked by
// proxy::checked_body, handed back for a resend): → 228 671.
const WORKER_BUDGET = 224 * 1024;

/** Budgets in bytes, gzip -9 of the minified bundle (wasm included where the entry loads one). */
// With PAR and DPoP both merged: tsunagi/lawvu 106 194 bytes, tsunagi 149 349 bytes. The Worker's
// DPoP added an error code (`token_bound`) to the table every module carries: tsunagi 149 420 →
// 149 524, tsunagi/lawvu 106 195 → 106 206. One short insertion sort instead of the standard
// library's (core::short_sort, as in the Worker): tsunagi → 145 512, tsunagi/lawvu → 104 505.
const BUDGETS = { lawvu: 103 * 1024, tsunagi: 143 * 1024, broker: 3 * 1024, react: 1.5 * 1024, worker: WORKER_BUDGET };

let work;
before(() => {
  if (!existsSync(join(ROOT, 'pkg', 'package.json'))) throw new Error('pkg/ is not built: run `make pkg`');
  work = mkdtempSync(join(tmpdir(), 'tsunagi-entries-'));
  const [packed] = JSON.parse(execFileSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', work, '--json', '--silent'], { encoding: 'utf8' }));
  const target = join(work, 'node_modules', 'tsunagi');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', target, '--strip-components=1']);
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Bundles `source`, an app's main module in a folder beside the unpacked package's node_modules (so
 * the bare specifier resolves as in a user's project): its output files, their gzip -9 size, its JS. */
function bundle(name, source, external = [], from = '') {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.js'), source);
  const out = join(dir, 'dist');
  execFileSync(
    ESBUILD,
    ['main.js', '--bundle', '--minify', '--format=esm', `--outdir=${out}`, '--log-level=warning', ...external.map((e) => `--external:${e}`)],
    { cwd: dir },
  );
  const files = readdirSync(out);
  const text = files
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(out, f), 'utf8'))
    .join('\n');
  // esbuild leaves `new URL('./x.wasm', import.meta.url)` as it is: the app ships that file beside
  // the bundle (README, "Bundlers"), so it is weighed from the package folder the import names.
  const wasm = [...text.matchAll(/"\.\/([\w.]+\.wasm)"/g)].map((m) => m[1]);
  const gzOf = (path) => gzipSync(readFileSync(path), { level: 9 }).length;
  const jsGz = files.reduce((n, f) => n + gzOf(join(out, f)), 0);
  return { files, text, wasm, jsGz, gz: jsGz + wasm.reduce((n, f) => n + gzOf(join(work, 'node_modules', 'tsunagi', from, f)), 0) };
}

const APP = (entry) =>
  `import { OAuthClient, decodeJwtClaims, TsunagiError } from '${entry}';\nglobalThis.app = { c: new OAuthClient({ provider: 'lawvu', environment: 'sandbox', clientId: 'spa', redirectUri: location.href }), decodeJwtClaims, TsunagiError };\n`;

test('tsunagi/lawvu: the LawVu-only module, within its budget and smaller than tsunagi', (t) => {
  const l = bundle('lawvu-app', APP('tsunagi/lawvu'), [], 'lawvu');
  const m = bundle('main-app', APP('tsunagi'));
  t.diagnostic(`tsunagi/lawvu: ${l.gz} bytes gzip -9 (JS ${l.jsGz}; budget ${BUDGETS.lawvu}; the issue's target ${30 * 1024})`);
  t.diagnostic(`tsunagi: ${m.gz} bytes gzip -9 (JS ${m.jsGz}; budget ${BUDGETS.tsunagi}; the issue's target ${60 * 1024})`);
  assert.deepEqual(l.wasm, ['tsunagi_wasm_bg.wasm']);
  assert.deepEqual(m.wasm, ['tsunagi_wasm_bg.wasm'], 'the browser entry loads the browser module, not the server one');
  assert.ok(l.gz < m.gz, `tsunagi/lawvu (${l.gz}) is not smaller than tsunagi (${m.gz})`);
  assert.ok(l.gz <= BUDGETS.lawvu, `tsunagi/lawvu is ${l.gz} bytes gzip -9, over its ${BUDGETS.lawvu}`);
  assert.ok(m.gz <= BUDGETS.tsunagi, `tsunagi is ${m.gz} bytes gzip -9, over its ${BUDGETS.tsunagi}`);
});

test('tsunagi/broker: BrokerClient with no wasm at all, within its budget', (t) => {
  const b = bundle(
    'broker-app',
    "import { BrokerClient, TsunagiError } from 'tsunagi/broker';\nconst c = new BrokerClient();\nglobalThis.app = { c, TsunagiError, s: c.session() };\n",
  );
  t.diagnostic(`tsunagi/broker: ${b.gz} bytes gzip -9 (budget ${BUDGETS.broker})`);
  assert.deepEqual(
    b.files.filter((f) => !f.endsWith('.js')),
    [],
    'no .wasm emitted',
  );
  assert.doesNotMatch(b.text, /WebAssembly|tsunagi_wasm|\.wasm/);
  assert.ok(b.gz <= BUDGETS.broker, `tsunagi/broker is ${b.gz} bytes gzip -9, over its ${BUDGETS.broker}`);
});

test('tsunagi/react: the adapter on top of the app (react external), within its budget', (t) => {
  const r = bundle('react-app', "import { TsunagiProvider, useTsunagi } from 'tsunagi/react';\nglobalThis.app = { TsunagiProvider, useTsunagi };\n", [
    'react',
    'react-dom',
  ]);
  t.diagnostic(`tsunagi/react: ${r.gz} bytes gzip -9 on top of the app (budget ${BUDGETS.react})`);
  assert.doesNotMatch(r.text, /WebAssembly|tsunagi_wasm/, 'the adapter loads no wasm of its own');
  assert.ok(r.gz <= BUDGETS.react, `tsunagi/react is ${r.gz} bytes gzip -9, over its ${BUDGETS.react}`);
});

test("tsunagi/worker: the Worker's wasm within its budget", (t) => {
  const wasm = readFileSync(join(work, 'node_modules', 'tsunagi', 'worker', 'index_bg.wasm'));
  const gz = gzipSync(wasm, { level: 9 }).length;
  t.diagnostic(`tsunagi/worker: index_bg.wasm ${wasm.length} bytes, ${gz} gzip -9 (budget ${BUDGETS.worker}; the issue's target ${150 * 1024})`);
  assert.ok(gz <= BUDGETS.worker, `the Worker's wasm is ${gz} bytes gzip -9, over its ${BUDGETS.worker}`);
});

test("the README's and docs/architecture.md's tables state the budgets this file holds", () => {
  const kb = (bytes) => `${bytes / 1024} KB`;
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const architecture = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  for (const [entry, budget] of [
    ['tsunagi/lawvu', BUDGETS.lawvu],
    ['tsunagi', BUDGETS.tsunagi],
    ['tsunagi/broker', BUDGETS.broker],
    ['tsunagi/react', BUDGETS.react],
  ]) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${entry}\` |`));
    assert.ok(row?.includes(`| ${kb(budget)} |`), `README's row for ${entry} says ${kb(budget)}: ${row}`);
  }
  for (const [entry, budget] of [
    ['tsunagi/lawvu', BUDGETS.lawvu],
    ['tsunagi', BUDGETS.tsunagi],
  ]) {
    const row = architecture.split('\n').find((l) => l.startsWith(`| \`${entry}\` |`));
    assert.ok(row?.endsWith(`| ≤ ${kb(budget)} |`), `docs/architecture.md's row for ${entry} says ≤ ${kb(budget)}: ${row}`);
  }
});
