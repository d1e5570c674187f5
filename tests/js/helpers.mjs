// Shared test helpers for the package tests: the provider sandbox (the one starter all the Node
// tests use, tests/harness/sandbox.mjs), headless Chromium, a fetch for the package's requests, the
// packed package.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export { startSandbox } from '../harness/sandbox.mjs';

const root = resolve(import.meta.dirname, '..', '..');

/** Debian's Chromium (`CHROMIUM_BIN` overrides). */
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/**
 * Headless Debian Chromium with a fresh profile, kept off the network, as a Playwright
 * BrowserContext (`launchPersistentContext` is how Playwright takes a fresh --user-data-dir; it adds
 * --headless). `options` go to Playwright (a viewport, say). `close()` also removes the profile.
 */
export async function launchChromium(options = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'tsunagi-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    ...options,
  });
  const close = ctx.close.bind(ctx);
  ctx.close = async (...args) => {
    await close(...args);
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  };
  return ctx;
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
