// js/index.d.ts (and js/react.d.ts) are written by hand: these checks keep them in step with what they declare.
// - its `ErrorCode` union is exactly the Rust list (crates/tsunagi-core/src/error.rs, the
//   `error_codes!` macro behind `ErrorCode::ALL`) plus the JS-only `internal_error`;
// - it declares exactly the values js/api.js exports (the package's public API), and react.d.ts
//   exactly js/react.js's (`tsunagi/react`).
// The signatures themselves are checked by tsc against api.test-d.ts (`make test-types`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const JS_ONLY = ['internal_error']; // js/core.js: a failure of the wasm module itself

/** The string codes of the `error_codes! { … }` invocation: its `Variant = "code",` lines. */
export function rustCodes(source) {
  const start = source.search(/^error_codes! \{$/m);
  assert.ok(start >= 0, 'error.rs: no `error_codes! {` invocation');
  const block = source.slice(start, source.indexOf('\n}\n', start));
  return [...block.matchAll(/^\s+[A-Z]\w* = "([^"]+)",\s*$/gm)].map((m) => m[1]);
}

/** The string literals of `export type ErrorCode = | '…' | …;` (comments skipped). */
export function declaredCodes(source) {
  const m = /^export type ErrorCode =([^;]*);/m.exec(source);
  assert.ok(m, 'index.d.ts: no `export type ErrorCode = …;`');
  const body = m[1].replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '');
  const members = body
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const member of members) assert.match(member, /^'[a-z0-9_]+'$/, `index.d.ts: ErrorCode member ${member} is not a code literal`);
  return members.map((s) => s.slice(1, -1));
}

const duplicates = (list) => list.filter((x, i) => list.indexOf(x) !== i);

test('the ErrorCode union of index.d.ts is exactly ErrorCode::ALL plus internal_error', () => {
  const rust = rustCodes(read('crates/tsunagi-core/src/error.rs'));
  const declared = declaredCodes(read('js/index.d.ts'));
  assert.ok(rust.length >= 50, `error.rs: only ${rust.length} codes found: the parser no longer matches the macro`);
  assert.deepEqual(duplicates(rust), [], 'error.rs lists a code twice');
  assert.deepEqual(duplicates(declared), [], 'index.d.ts lists a code twice');
  for (const code of JS_ONLY) assert.ok(!rust.includes(code), `${code} is JS-only, yet error.rs has it`);
  const expected = [...rust, ...JS_ONLY];
  assert.deepEqual(
    expected.filter((c) => !declared.includes(c)),
    [],
    'codes the core (or js/core.js) can produce that index.d.ts lacks: add them to its ErrorCode union',
  );
  assert.deepEqual(
    declared.filter((c) => !expected.includes(c)),
    [],
    'codes index.d.ts declares that no part of tsunagi produces: remove them, or add them to error.rs',
  );
});

test('the parsers see a code added on either side', () => {
  const rust = read('crates/tsunagi-core/src/error.rs').replace('error_codes! {\n', 'error_codes! {\n    /// new\n    NewCode = "new_code",\n');
  assert.ok(rustCodes(rust).includes('new_code'));
  const dts = read('js/index.d.ts').replace('export type ErrorCode =', "export type ErrorCode =\n  | 'new_code'");
  assert.ok(declaredCodes(dts).includes('new_code'));
});

/** The names js/api.js re-exports (`export { a, b } from '…';`). */
function apiExports(source) {
  return [...source.matchAll(/^export \{([^}]*)\} from '[^']+';/gm)].flatMap((m) =>
    m[1]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

test('index.d.ts declares exactly the values js/api.js exports', () => {
  const api = apiExports(read('js/api.js'));
  assert.ok(api.length >= 15, `js/api.js: only ${api.length} exports found`);
  const declared = [...read('js/index.d.ts').matchAll(/^export (?:declare )?(?:function|class|const|let) ([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);
  assert.deepEqual([...new Set(declared)].sort(), [...api].sort());
});

test('react.d.ts declares exactly the values js/react.js exports (tsunagi/react)', () => {
  const exported = [...read('js/react.js').matchAll(/^export (?:async )?function ([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);
  assert.deepEqual(exported.sort(), ['TsunagiProvider', 'useTsunagi']);
  const declared = [...read('js/react.d.ts').matchAll(/^export (?:declare )?(?:function|class|const|let) ([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]);
  assert.deepEqual([...new Set(declared)].sort(), exported);
  assert.doesNotMatch(read('js/react.js'), /^export (?!function )/m, 'js/react.js exports functions only (the check above reads those)');
});
