// node --test: what the browser's wasm does not contain (`make test-package`, after `make pkg`).
// The npm package reads and writes JSON with the core's own codec (tsunagi_core::json): no
// serde_json, and no floating-point parsing or printing (Rust's dec2flt/flt2dec, serde_json's
// zmij/ryu). Checked on the release build's symbol names, before wasm-opt strips them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(ROOT, 'target');
const WASM = join(TARGET, 'wasm32-unknown-unknown', 'release', 'tsunagi.wasm');

/** The function names of a wasm module's `name` custom section. */
function functionNames(bytes) {
  let i = 8;
  const leb = () => {
    let r = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[i++];
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return r;
    }
  };
  const names = [];
  while (i < bytes.length) {
    const id = bytes[i++];
    const size = leb();
    const end = i + size;
    if (id === 0) {
      const len = leb();
      const section = Buffer.from(bytes.subarray(i, i + len)).toString('utf8');
      i += len;
      if (section === 'name') {
        while (i < end) {
          const sub = bytes[i++];
          const subSize = leb();
          const subEnd = i + subSize;
          if (sub === 1) {
            const count = leb();
            for (let n = 0; n < count; n++) {
              leb(); // function index
              const l = leb();
              names.push(Buffer.from(bytes.subarray(i, i + l)).toString('utf8'));
              i += l;
            }
          }
          i = subEnd;
        }
      }
    }
    i = end;
  }
  return names;
}

test('the browser wasm links no serde_json and no float parser or printer', () => {
  const names = functionNames(readFileSync(WASM));
  assert.ok(names.length > 1000, `the release build keeps its names (${names.length} found)`);
  assert.ok(
    names.some((n) => n.includes('tsunagi_core') && n.includes('json')),
    'the core JSON codec is there',
  );
  const forbidden = /serde_json|dec2flt|flt2dec|zmij|ryu|float_to_decimal|float_to_exponential/;
  const found = names.filter((n) => forbidden.test(n));
  assert.deepEqual(found.slice(0, 10), [], `${found.length} forbidden functions`);
});
