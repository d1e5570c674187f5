// The built npm package (pkg/) as a user gets it, and a fetch for the requests it builds.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './sandbox.mjs';

/** Sends a request built by the package with Node's fetch; returns { status, headers, body }. */
export async function send(req) {
  const r = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined });
  return { status: r.status, headers: r.headers, body: await r.text() };
}

/**
 * Imports the built package the way a user gets it: `npm pack pkg/`, unpack the tarball into a
 * scratch node_modules/tsunagi, and `import 'tsunagi'` from there (so the `files` list and the
 * `exports` map are tested too). The scratch folder is removed when the process exits.
 */
export async function importPackage() {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, mkdirSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { pathToFileURL } = await import('node:url');
  const pkg = resolve(ROOT, 'pkg');
  if (!existsSync(resolve(pkg, 'package.json'))) throw new Error('pkg/ is not built: run scripts/build-pkg.sh (make test does)');
  const dir = mkdtempSync(resolve(tmpdir(), 'tsunagi-pkg-'));
  // the module stays imported until the process ends; its folder goes then
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const out = execFileSync('npm', ['pack', pkg, '--pack-destination', dir, '--json', '--silent'], { encoding: 'utf8' });
  const tarball = resolve(dir, JSON.parse(out)[0].filename);
  const target = resolve(dir, 'node_modules', 'tsunagi');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  writeFileSync(resolve(dir, 'entry.mjs'), "export * from 'tsunagi';\n");
  return import(pathToFileURL(resolve(dir, 'entry.mjs')).href);
}
