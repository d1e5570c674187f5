// The provider sandbox binary on ephemeral loopback ports (own process group, always stopped), its
// seeded secrets and the shapes of the tokens it issues. No Miniflare here: tests/secrets/ uses it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

const children = new Set();
function killAll() {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
process.on('exit', killAll);

/** Starts the sandbox binary ($TSUNAGI_SANDBOX_BIN, else {CARGO_TARGET_DIR or target}/debug/tsunagi-sandbox)
 * on ephemeral ports. Resolves to `{ ep, control(path, body?), stats(), stop() }`: `ep` is its
 * endpoints document; `control` GETs `{control_url}/{path}` (no body) or POSTs `body` there as
 * JSON, and answers the parsed JSON (`control('lawvu/approve', {...})`); `stats()` is
 * `control('stats')`. `config`, when given, is the sandbox's `--config` document (sandbox/README.md,
 * "Config file": other clients, other registered redirect URIs). Every Node test starts the
 * sandbox through this function. */
export async function startSandbox({ config } = {}) {
  const bin = process.env.TSUNAGI_SANDBOX_BIN || resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target', 'debug', 'tsunagi-sandbox');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`cargo build -p tsunagi-sandbox\` (make test does)`);
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-sbx-'));
  const args = ['--base-port', '0', '--endpoints-file', join(dir, 'endpoints.json')];
  if (config) {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
    args.push('--config', join(dir, 'config.json'));
  }
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const ready = await new Promise((ok, fail) => {
    let out = '';
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`sandbox exited ${code}`)));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('tsunagi-sandbox ready')) ok(true);
    });
    setTimeout(() => fail(new Error('sandbox did not start')), 20000).unref(); // never holds the process open
  });
  const ep = JSON.parse(readFileSync(join(dir, 'endpoints.json'), 'utf8'));
  const stop = async () => {
    if (!children.has(child)) return;
    children.delete(child);
    const done = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const control = async (path, body) => {
    const r = await fetch(
      `${ep.control_url}/${path}`,
      body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    const text = await r.text();
    if (!r.ok) throw new Error(`control ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return { ep, ready, stop, control, stats: () => control('stats') };
}

/** The sandbox's seeded secret values, read from its endpoints document (so tests follow the seed). */
export function seededSecrets(ep) {
  return [ep.lawvu.confidential_client?.client_secret, ep.logiless.client_secret, ep.legalon.credentials, ep.legalon.expired_credentials].filter(Boolean);
}

/** What the sandbox hands out, by shape (sandbox/src: config.rs, util.rs token_b64/token_hex):
 * `sbx_…` seeded values (secrets, and a client id that belongs only in an authorize URL); JWTs (LawVu access tokens); 32 or 43 base64url characters of mixed case
 * and digits (LawVu refresh tokens, LegalOn access tokens; wasm-bindgen's `__wbg_…` symbols
 * excepted); 32 or 40 lowercase hex characters (Logiless tokens and codes; the toolchain's
 * `/rustc/{commit}/` paths excepted). */
export const TOKEN_SHAPES = [
  /sbx_[A-Za-z0-9_]{6,}/g,
  /eyJ[A-Za-z0-9_-]{10,}/g,
  /(?<![\w-])(?!__wb)(?=[\w-]*[A-Z])(?=[\w-]*[a-z])(?=[\w-]*[0-9])(?:[\w-]{43}|[\w-]{32})(?![\w-])/g,
  /(?<![0-9A-Za-z])(?<!\/rustc\/)(?:[0-9a-f]{40}|[0-9a-f]{32})(?![0-9A-Za-z])/g,
];

/** Every one of `values` and every token-shaped string found in `text`. */
export function leaks(text, values = []) {
  const found = values.filter((v) => v && text.includes(v));
  for (const re of TOKEN_SHAPES) found.push(...(text.match(re) ?? []));
  return found;
}
