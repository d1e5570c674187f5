// node --test: what the package's wasm modules do not contain (`make test-package`, after `make pkg`).
// The npm package reads and writes JSON with the core's own codec (tsunagi_core::json): no
// serde_json, and no floating-point parsing or printing (Rust's dec2flt/flt2dec, serde_json's
// zmij/ryu). Checked on the release build's symbol names, before wasm-opt strips them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { functionNames } from '../../bench/wasm-crates.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(ROOT, 'target');
// scripts/build-pkg.sh keeps each module it builds, before wasm-opt: the browser's, tsunagi/lawvu's, the server's.
const MODULES = ['browser', 'lawvu', 'server'];

for (const module of MODULES)
  test(`the ${module} wasm links no serde_json and no float parser or printer`, () => {
    const names = functionNames(join(TARGET, 'wasm32-unknown-unknown', 'release', `tsunagi-${module}.wasm`));
    assert.ok(names.length > 1000, `the release build keeps its names (${names.length} found)`);
    assert.ok(
      names.some((n) => n.includes('tsunagi_core') && n.includes('json')),
      'the core JSON codec is there',
    );
    const forbidden = /serde_json|dec2flt|flt2dec|zmij|ryu|float_to_decimal|float_to_exponential/;
    const found = names.filter((n) => forbidden.test(n));
    assert.deepEqual(found.slice(0, 10), [], `${found.length} forbidden functions`);
  });

// The Worker (scripts/build-worker.sh, run by `make pkg` for tsunagi/worker): its records, object
// messages and configuration go through the core's codec too (issue 24): no serde_json reader or
// writer. Left: serde_json's error type, a variant of workers-rs's own `worker::Error` (its Display
// and Debug, ~1 KB). Durable Object storage goes through the core's codec as well (stored.rs) and
// the broker reads its `connection` argument with `as_string`: no serde deserialiser is left, and
// with them went float printing (13.9 KB before wasm-opt, reached through serde's `Unexpected`).
test("the Worker's wasm links no serde_json reader or writer, and no float printer", () => {
  const names = functionNames(join(TARGET, 'wasm32-unknown-unknown', 'release', 'tsunagi_worker.wasm'));
  assert.ok(names.length > 1000, `the release build keeps its names (${names.length} found)`);
  const found = names.filter((n) => n.includes('serde_json') && !/serde_json(\.\.|::)error/.test(n));
  assert.deepEqual(found.slice(0, 10), [], `${found.length} serde_json functions`);
  const floats = names.filter((n) => /flt2dec|float_to_decimal|float_to_exponential|fmt5float|10Unexpected/.test(n));
  assert.deepEqual(floats.slice(0, 10), [], `${floats.length} float-printing functions`);
});

// Pushed Authorization Requests (RFC 9126) live behind the `oidc` feature: the browser's module has
// them, tsunagi/lawvu's (features js,lawvu) none of their code.
test('PAR is in the browser wasm and not in tsunagi/lawvu', () => {
  // legacy-mangled names: `_ZN12tsunagi_core3par…`, `…10par_policy…`, and the wasm export `flow_begin_authorization`
  const par = /tsunagi_(core|flows)(3par|10par_policy)[0-9]|tsunagi_(core|flows)\.\.par(_policy)?\.\.|flow_begin_authorization/;
  const names = (module) => functionNames(join(TARGET, 'wasm32-unknown-unknown', 'release', `tsunagi-${module}.wasm`));
  assert.ok(
    names('browser').some((n) => par.test(n)),
    'the browser module pushes authorization requests',
  );
  const found = names('lawvu').filter((n) => par.test(n));
  assert.deepEqual(found.slice(0, 10), [], `${found.length} PAR functions in tsunagi/lawvu`);
});
