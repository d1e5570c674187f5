// Shared test helpers: the provider sandbox as a child process, and its control plane.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '..', '..');

/** The sandbox binary: $TSUNAGI_SANDBOX_BIN, else {CARGO_TARGET_DIR or target}/debug/tsunagi-sandbox. */
export function sandboxBinary() {
  const bin = process.env.TSUNAGI_SANDBOX_BIN || resolve(root, process.env.CARGO_TARGET_DIR || 'target', 'debug', 'tsunagi-sandbox');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`cargo build -p tsunagi-sandbox\` (make test does)`);
  return bin;
}

/** Starts the sandbox on ephemeral ports; resolves to { endpoints, control(path, body?), stop() }. */
export async function startSandbox() {
  const child = spawn(sandboxBinary(), ['--base-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  let endpoints;
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the sandbox did not start in 10 s')), 10_000);
    child.once('exit', (code) => fail(new Error(`the sandbox exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.startsWith('{')) endpoints = JSON.parse(line);
      if (line.trim() === 'tsunagi-sandbox ready') {
        clearTimeout(timer);
        ok();
      }
    });
  });
  const control = async (path, body) => {
    const r = await fetch(
      `${endpoints.control_url}${path}`,
      body === undefined
        ? {}
        : {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          },
    );
    const text = await r.text();
    if (!r.ok) throw new Error(`sandbox ${path}: HTTP ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const stop = () =>
    new Promise((ok) => {
      if (child.exitCode !== null) return ok();
      child.once('exit', ok);
      child.kill('SIGTERM');
    });
  return { endpoints, control, stop };
}

/** Sends a request built by the package with Node's fetch; returns { status, headers, body }. */
export async function send(req) {
  const r = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined });
  return { status: r.status, headers: r.headers, body: await r.text() };
}

/**
 * Imports the built package the way a user gets it: `npm pack pkg/`, unpack the tarball into a
 * scratch node_modules/tsunagi, and `import 'tsunagi'` from there (so the `files` list and the
 * `exports` map are tested too).
 */
export async function importPackage() {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { pathToFileURL } = await import('node:url');
  const pkg = resolve(root, 'pkg');
  if (!existsSync(resolve(pkg, 'package.json'))) throw new Error('pkg/ is not built: run scripts/build-pkg.sh (make test does)');
  const dir = mkdtempSync(resolve(tmpdir(), 'tsunagi-pkg-'));
  const out = execFileSync('npm', ['pack', pkg, '--pack-destination', dir, '--json', '--silent'], { encoding: 'utf8' });
  const tarball = resolve(dir, JSON.parse(out)[0].filename);
  const target = resolve(dir, 'node_modules', 'tsunagi');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  writeFileSync(resolve(dir, 'entry.mjs'), "export * from 'tsunagi';\n");
  return import(pathToFileURL(resolve(dir, 'entry.mjs')).href);
}
