// node --test: the harness's importPackage() (tests/harness/package.mjs) leaves nothing behind.
// It unpacks the packed package into a scratch folder under the temp directory, which stays while
// the importing process runs and must be gone once it exits (every suite that imports the package
// used to leave one folder, ~3 MB, per run).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..', '..');

test("importPackage's scratch folder is removed when the importing process exits", (t) => {
  if (!existsSync(join(ROOT, 'pkg', 'package.json'))) throw new Error('pkg/ is not built: run `make pkg`');
  const scratch = mkdtempSync(join(tmpdir(), 'tsunagi-cleanup-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const harness = pathToFileURL(join(ROOT, 'tests', 'harness', 'package.mjs')).href;
  const seen = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', `const m = await import(${JSON.stringify(harness)}); const p = await m.importPackage(); console.log(Object.keys(p).length);`],
    { env: { ...process.env, TMPDIR: scratch }, encoding: 'utf8' },
  );
  assert.ok(Number(seen) > 0, `the package was imported (${seen.trim()} exports)`);
  assert.deepEqual(readdirSync(scratch), [], 'nothing left in the temp directory');
});
