// node --test (`make test-types`): every code block a reader copies from README.md, README.ja.md and
// js/README.md compiles, so a snippet cannot rot (issue 23). Blocks are taken by their fence's
// language: `ts`/`tsx` are compiled with `tsc --strict` against the package's declarations (as an
// app imports them: tests/types/tsconfig.json's options and paths), `js`/`jsx` are checked as ES
// modules (`js` by Node's parser, `jsx` by tsc without type checking). Other languages (`sh`,
// `toml`, `rust`, none) are not compiled here; a fence language this file does not know fails the
// test, so a new kind of block is decided on, not skipped by accident.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const READMES = ['README.md', 'README.ja.md', 'js/README.md'];
const COMPILED = new Set(['ts', 'tsx', 'js', 'jsx']);
/** Languages shown but not compiled by this test (commands, configuration, Rust: tested elsewhere, trees). */
const SHOWN = new Set(['sh', 'bash', 'shell', 'console', 'toml', 'json', 'jsonc', 'rust', 'text', 'http', '']);

/** Every fenced block of `text`: `{ lang, line, code }` (`line`: the fence's, 1-based). */
export function fencedBlocks(text) {
  const blocks = [];
  let open = null;
  text.split('\n').forEach((line, i) => {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (open) {
      if (fence && fence[2][0] === open.fence[0] && fence[2].length >= open.fence.length && !fence[3]) {
        blocks.push({ lang: open.lang, line: open.line, code: open.lines.join('\n') });
        open = null;
      } else open.lines.push(line);
    } else if (fence) open = { fence: fence[2], lang: fence[3].toLowerCase(), line: i + 1, lines: [] };
  });
  return blocks;
}

const blocks = READMES.flatMap((name) => fencedBlocks(readFileSync(join(ROOT, name), 'utf8')).map((b) => ({ ...b, file: name })));
const where = (b) => `${b.file}:${b.line} (${b.lang || 'no language'})`;

test('the extractor finds the blocks of every kind, and knows every fence language', () => {
  const langs = new Set(blocks.map((b) => b.lang));
  for (const lang of ['tsx', 'js', 'sh']) assert.ok(langs.has(lang), `no ${lang} block found: ${[...langs]}`);
  const unknown = blocks.filter((b) => !COMPILED.has(b.lang) && !SHOWN.has(b.lang)).map(where);
  assert.deepEqual(unknown, [], 'a fence language this test neither compiles nor lists as shown');
  // the extractor itself: nested fences of another length, a closing fence with text is not one
  const sample = '```ts\nconst a = 1;\n```\ntext\n````md\n```js\nx\n```\n````\n~~~sh\nls\n~~~\n';
  assert.deepEqual(
    fencedBlocks(sample).map((b) => [b.lang, b.code]),
    [
      ['ts', 'const a = 1;'],
      ['md', '```js\nx\n```'],
      ['sh', 'ls'],
    ],
  );
});

test('every ts/tsx block compiles with tsc --strict against the package declarations', () => {
  const typed = blocks.filter((b) => b.lang === 'ts' || b.lang === 'tsx');
  assert.ok(typed.length > 0);
  // inside the tree, so `react`, `react-dom` and `tsunagi` resolve as they do for tests/types
  const dir = join(ROOT, 'target', 'readme-blocks', 'typed');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = typed.map((b, i) => {
    const name = `block${i}.${b.lang}`;
    // each block is its own module (`export {}`), as a file of an app would be
    writeFileSync(join(dir, name), `${b.code}\nexport {};\n`);
    return { name, b };
  });
  const base = JSON.parse(
    readFileSync(join(ROOT, 'tests', 'types', 'tsconfig.json'), 'utf8')
      .replace(/^\s*\/\/.*$/gm, '')
      .replace(/,(\s*[}\]])/g, '$1'),
  );
  const paths = Object.fromEntries(Object.entries(base.compilerOptions.paths).map(([k, [v]]) => [k, [resolve(ROOT, 'tests', 'types', v)]]));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...base.compilerOptions, paths }, files: files.map((f) => f.name) }));
  const tsc = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', dir], { encoding: 'utf8' });
  const report = (tsc.stdout + tsc.stderr).replace(/(?:\S*\/)?block(\d+)\.tsx?\((\d+),/g, (_, i, l) => `${where(files[i].b)} line ${Number(l)}(`);
  assert.equal(tsc.status, 0, report);
});

test('every js/jsx block is a valid ES module', () => {
  const plain = blocks.filter((b) => b.lang === 'js' || b.lang === 'jsx');
  assert.ok(plain.length > 0);
  const dir = join(ROOT, 'target', 'readme-blocks', 'plain');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const problems = [];
  const jsx = [];
  plain.forEach((b, i) => {
    if (b.lang === 'jsx') {
      jsx.push({ name: `block${i}.jsx`, b });
      writeFileSync(join(dir, `block${i}.jsx`), `${b.code}\nexport {};\n`);
      return;
    }
    const file = join(dir, `block${i}.mjs`);
    writeFileSync(file, b.code);
    const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    if (check.status !== 0) problems.push(`${where(b)}: ${check.stderr.split('\n').slice(0, 5).join('\n')}`);
  });
  if (jsx.length > 0) {
    // syntax only: tsc parses JSX modules; nothing is type-checked (the blocks are JS)
    const tsc = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'tsc'),
      ['--noEmit', '--allowJs', '--noCheck', '--jsx', 'preserve', '--module', 'esnext', '--target', 'es2022', ...jsx.map((f) => join(dir, f.name))],
      { encoding: 'utf8' },
    );
    if (tsc.status !== 0) problems.push((tsc.stdout + tsc.stderr).replace(/(?:\S*\/)?block(\d+)\.jsx\(/g, (_, i) => `${where(plain[i])} (`));
  }
  assert.deepEqual(problems, []);
});
