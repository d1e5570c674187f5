// The Worker's part of the harness (index.mjs): the built Worker in real workerd (Miniflare's Node
// API, loaded when a Worker starts), always stopped, with the sandbox (sandbox.mjs); a browser-like
// client. No mocks. A test file calls `withSandboxAndWorker()` (or `withSandbox()`) once at its top level.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { createHmac } from 'node:crypto';
import { after, before } from 'node:test';
import { ROOT, startSandbox } from './sandbox.mjs';

export const BUILD = join(ROOT, 'build', 'worker');
export const ORIGIN = 'http://localhost:8787'; // the Worker's own origin (sandbox-registered callbacks)
export const SPA = 'http://localhost:5173'; // an allowed SPA origin
export const SESSION_KEY = 'test-session-key-0123456789abcdef0123456789abcdef';

/** Every method, for connections the tests write through (the default is read-only). */
export const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The Worker's connections document (TSUNAGI_CONNECTIONS, docs/configuration.md) for a sandbox:
 * LawVu and Logiless (users sign in; every method), LegalOn (client credentials, for sessions
 * signed in to either). */
export function connectionsFor(ep) {
  const lv = ep.lawvu;
  const cc = lv.confidential_client;
  return {
    lawvu: {
      profile: 'lawvu',
      environment: 'production',
      client_id: cc.client_id,
      secret: 'LAWVU_CLIENT_SECRET',
      authorize_url: lv.authorize_url,
      token_url: lv.token_url,
      api_base: lv.api_base,
      access: { methods: ALL_METHODS },
    },
    logiless: {
      profile: 'logiless',
      client_id: ep.logiless.client_id,
      secret: 'LOGILESS_CLIENT_SECRET',
      authorize_url: ep.logiless.authorize_url,
      token_url: ep.logiless.token_url,
      api_base: ep.logiless.api_base,
      merchant_id: ep.logiless.merchant_id,
      access: { methods: ALL_METHODS },
    },
    legalon: {
      profile: 'legalon',
      region: 'jp',
      token_url: ep.legalon.token_url,
      secret: 'LEGALON_API_CREDENTIALS',
      allowed_for: ['lawvu', 'logiless'],
    },
  };
}

/** The Worker's bindings for a sandbox. `extra.connections` replaces the connections document
 * (an object, or text taken as it is); every other key of `extra` is a variable or secret. */
export function bindingsFor(ep, extra = {}) {
  const { connections = connectionsFor(ep), ...rest } = extra;
  return {
    TSUNAGI_CONNECTIONS: typeof connections === 'string' ? connections : JSON.stringify(connections),
    LAWVU_CLIENT_SECRET: ep.lawvu.confidential_client.client_secret,
    LOGILESS_CLIENT_SECRET: ep.logiless.client_secret,
    LEGALON_API_CREDENTIALS: ep.legalon.credentials,
    SESSION_KEY,
    ALLOWED_ORIGINS: SPA,
    TOKEN_MEDIATING: 'true',
    UPSTREAM_TIMEOUT_MS: '1500',
    RATE_LIMIT_MAX_WAIT_MS: '3000',
    ...rest,
  };
}

/** A second worker in the same workerd that echoes a marker to stdout and stderr (see `markLogs`). */
const LOG_CANARY = `export default { async fetch(r) { const t = await r.text(); console.log(t); console.error(t); return new Response(null, { status: 204 }); } };`;

/** A Worker (ES module source) bound to tsunagi's broker entrypoint as `env.TSUNAGI`
 * (`services = [{ binding = "TSUNAGI", service = "tsunagi", entrypoint = "TsunagiBroker" }]`). */
export function brokerClient(name, source) {
  return {
    name,
    compatibilityDate: COMPATIBILITY_DATE,
    manifest: { mainModule: 'client.mjs', modules: { 'client.mjs': { type: 'esm', contents: source } } },
    env: { TSUNAGI: { type: 'worker', worker: 'tsunagi', exportName: 'TsunagiBroker' } },
  };
}

/** POSTs `body` as JSON to the Worker `name` (a `brokerClient`) in `worker`'s workerd: its status,
 * text, JSON (`null` when the text is none) and `x-tsunagi-error` header. */
export async function callWorker(worker, name, body) {
  const w = await worker.mf.getWorker(name);
  const r = await w.fetch(`http://${name}/`, { method: 'POST', body: JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: r.status, text, json, error: r.headers.get('x-tsunagi-error') };
}

/** Starts the built Worker in workerd. `persist`: a directory for Durable Object storage. `logs`:
 * an array that receives every line workerd writes (the Worker's console, uncaught errors).
 * `workers`: more Workers' configs in the same workerd (`brokerClient(…)`), reached with
 * `mf.getWorker(name)`. `inspectorPort`: workerd's V8 inspector on that port (bench/profile-worker.mjs). */
export async function startWorker(bindings, { persist, logs, workers = [], inspectorPort } = {}) {
  const dir = persist || mkdtempSync(join(tmpdir(), 'tsunagi-do-'));
  const env = Object.fromEntries(Object.entries(bindings).map(([k, v]) => [k, { type: 'text', value: String(v) }]));
  env.SESSIONS = { type: 'durable-object', worker: 'tsunagi', exportName: 'TsunagiSession' };
  env.CONNECTIONS = { type: 'durable-object', worker: 'tsunagi', exportName: 'TsunagiConnection' };
  const { Miniflare } = await import('miniflare');
  const mf = new Miniflare({
    workers: [
      {
        config: {
          name: 'tsunagi',
          compatibilityDate: COMPATIBILITY_DATE,
          manifest: { mainModule: 'shim.mjs', modules: manifestModules() },
          env,
          exports: {
            TsunagiSession: { type: 'durable-object', storage: 'sqlite' },
            TsunagiConnection: { type: 'durable-object', storage: 'sqlite' },
            TsunagiBroker: { type: 'worker' },
          },
        },
      },
      ...workers.map((config) => ({ config })),
      ...(logs
        ? [
            {
              config: {
                name: 'log-canary',
                compatibilityDate: COMPATIBILITY_DATE,
                manifest: { mainModule: 'canary.mjs', modules: { 'canary.mjs': { type: 'esm', contents: LOG_CANARY } } },
              },
            },
          ]
        : []),
    ],
    resourcePersistencePath: dir,
    ...(inspectorPort && { inspectorPort }),
    ...(logs && {
      handleStructuredLogs: ({ level, message }) => logs.push(`${level}: ${message}`),
      handleUncaughtError: (e) => logs.push(`uncaught: ${e?.stack ?? e}`),
    }),
  });
  await mf.ready;
  return {
    mf,
    dir,
    /** Writes `marker` through the same workerd's stdout and stderr and waits until both copies
     * reach `logs`: the capture works, and every earlier line has been read. */
    async markLogs(marker) {
      await (await mf.getWorker('log-canary')).fetch('http://canary/', { method: 'POST', body: marker });
      for (let i = 0; i < 250 && logs.filter((l) => l.endsWith(marker)).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      return logs.filter((l) => l.endsWith(marker)).length;
    },
    /** Disposes of workerd; storage it made itself (no `persist` given) is removed with it. */
    async stop() {
      await mf.dispose();
      if (!persist) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The sandbox for the whole test file: started in `before`, stopped in `after`. `ctx.sbx` is
 * startSandbox's answer (`ep`, `control(path, body?)`, `stats()`, `stop()`). */
export function withSandbox() {
  let sbx;
  before(async () => {
    sbx = await startSandbox();
  });
  after(async () => {
    await sbx?.stop();
  });
  return {
    get sbx() {
      return sbx;
    },
  };
}

/** The sandbox and the built Worker configured for it (`bindingsFor(ep, bindingsExtra)`; a
 * function of `ep` gives the extra bindings once the sandbox runs), for the
 * whole test file: started in `before`, stopped in `after` (the Worker first), the Worker's
 * Durable Object storage in a temporary directory removed at the end. `logs`: as startWorker's.
 * `ctx.sbx`, `ctx.worker`; `ctx.restartWorker()` stops the Worker and starts a new one with the
 * same bindings on the same storage. */
export function withSandboxAndWorker(bindingsExtra = {}, { logs } = {}) {
  let sbx, worker, persist;
  const start = () => startWorker(bindingsFor(sbx.ep, typeof bindingsExtra === 'function' ? bindingsExtra(sbx.ep) : bindingsExtra), { persist, logs });
  before(async () => {
    sbx = await startSandbox();
    persist = mkdtempSync(join(tmpdir(), 'tsunagi-persist-'));
    worker = await start();
  });
  after(async () => {
    await worker?.stop();
    await sbx?.stop();
    if (persist) rmSync(persist, { recursive: true, force: true });
  });
  return {
    get sbx() {
      return sbx;
    },
    get worker() {
      return worker;
    },
    async restartWorker() {
      await worker.stop();
      worker = await start();
    },
  };
}

const COMPATIBILITY_DATE = /compatibility_date = "([^"]+)"/.exec(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))[1];

/** The build output as a module manifest: the entry, the wasm-bindgen glue and its snippets, the wasm. */
function manifestModules() {
  const index = readFileSync(join(BUILD, 'index.js'), 'utf8');
  const mods = {
    'shim.mjs': { type: 'esm', contents: readFileSync(join(BUILD, 'shim.mjs'), 'utf8') },
    'index.js': { type: 'esm', contents: index },
    'index_bg.wasm': { type: 'wasm', contents: new Uint8Array(readFileSync(join(BUILD, 'index_bg.wasm'))) },
  };
  for (const m of index.matchAll(/from '\.\/(snippets\/[^']+)'/g)) {
    mods[m[1]] = { type: 'esm', contents: readFileSync(join(BUILD, m[1]), 'utf8') };
  }
  return mods;
}

/** A browser-like client: a cookie jar, never follows redirects; `seen` keeps every answer.
 * `cookie` is the session cookie's value; `jar` holds the others (the sign-in cookies). */
export class Browser {
  constructor(worker) {
    this.worker = worker;
    this.cookie = null;
    this.jar = new Map();
    this.seen = [];
  }
  /** A `fetch` with this browser's cookies, for code that takes one. `cookie` overrides the
   * session cookie (null: none). */
  async fetch(input, { method = 'GET', headers, body, cookie } = {}) {
    const url = String(input).startsWith('http') ? String(input) : `${ORIGIN}${input}`;
    const h = new Headers(headers);
    const c = cookie === undefined ? this.cookie : cookie;
    const pairs = [...(c ? [`__Host-tsunagi=${c}`] : []), ...[...this.jar].map(([k, v]) => `${k}=${v}`)];
    if (pairs.length) h.set('cookie', pairs.join('; '));
    const r = await this.worker.mf.dispatchFetch(url, { method, headers: h, body, redirect: 'manual' });
    this.remember(r.headers.getSetCookie?.() ?? []);
    return r;
  }
  /** Keeps what `Set-Cookie` values say: the session cookie in `cookie`, the others in `jar`. */
  remember(setCookies) {
    for (const s of setCookies) {
      const m = /^([^=;]+)=([^;]*)/.exec(s);
      if (!m) continue;
      const gone = !m[2] || /Max-Age=0(;|$)/i.test(s);
      if (m[1] === '__Host-tsunagi') this.cookie = gone ? null : m[2];
      else if (gone) this.jar.delete(m[1]);
      else this.jar.set(m[1], m[2]);
    }
  }
  /** A top-level navigation (GET) with this browser's cookies and `headers` sent exactly as given:
   * over plain HTTP to workerd's listening address (`Host` the Worker's origin), because `fetch`
   * (undici) always replaces `Sec-Fetch-Mode` with `cors`. Answers like `request`. */
  async navigate(path, { headers = {} } = {}) {
    const at = new URL(await this.worker.mf.ready);
    const target = new URL(path, ORIGIN);
    const pairs = [...(this.cookie ? [`__Host-tsunagi=${this.cookie}`] : []), ...[...this.jar].map(([k, v]) => `${k}=${v}`)];
    const sent = { host: target.host, ...(pairs.length ? { cookie: pairs.join('; ') } : {}), ...headers };
    const res = await new Promise((ok, fail) => {
      const q = httpRequest({ host: at.hostname, port: at.port, path: `${target.pathname}${target.search}`, headers: sent }, (r) => {
        const chunks = [];
        r.on('data', (d) => chunks.push(d));
        r.on('end', () => ok({ r, text: Buffer.concat(chunks).toString('utf8') }));
      });
      q.on('error', fail);
      q.end();
    });
    const setCookie = [res.r.headers['set-cookie'] ?? []].flat();
    this.remember(setCookie);
    const h = new Headers();
    for (const [k, v] of Object.entries(res.r.headers)) if (k !== 'set-cookie') h.set(k, [v].flat().join(', '));
    let json = null;
    try {
      json = JSON.parse(res.text);
    } catch {
      /* not JSON */
    }
    const answer = { status: res.r.statusCode, headers: h, text: res.text, json, setCookie };
    this.seen.push(answer);
    return answer;
  }
  async request(path, { method = 'GET', headers = {}, body, cookie } = {}) {
    const r = await this.fetch(path, { method, headers, body, cookie });
    const set = r.headers.getSetCookie?.() ?? [];
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    const answer = { status: r.status, headers: r.headers, text, json, setCookie: set };
    this.seen.push(answer);
    return answer;
  }
  api(path, opts = {}) {
    return this.request(path, { ...opts, headers: { 'x-tsunagi': '1', ...(opts.headers || {}) } });
  }
}

/** login → sandbox approve → callback; returns the callback response. `connection` is the
 * Worker's connection; the sandbox provider that approves is `provider` (default: the connection
 * name up to its first '-', so `lawvu-spa` is approved by LawVu). */
export async function login(browser, sandbox, connection, returnTo = '/app', provider = connection.replace(/-.*$/, '')) {
  const start = await browser.request(`/auth/${connection}/login?return_to=${encodeURIComponent(returnTo)}`);
  if (start.status !== 302) throw new Error(`login: ${start.status} ${start.text}`);
  const authorize = start.headers.get('location');
  const { redirect_url } = await sandbox.control(`${provider}/approve`, { authorize_url: authorize, user_id: 'user-id-123' });
  const cb = await browser.request(redirect_url);
  return { start, authorize, redirect_url, cb };
}

/** A validly signed cookie for any session id and expiry (the tests know SESSION_KEY). */
export function signCookie(sessionId, expiresAtSecs, key = SESSION_KEY) {
  const cookieKey = createHmac('sha256', key).update('tsunagi/v1/cookie').digest();
  const payload = `${sessionId}.${expiresAtSecs}`;
  const mac = createHmac('sha256', cookieKey).update(payload).digest('base64url');
  return `${payload}.${mac}`;
}

/** A loopback HTTP server that records every request it receives (as a redirect target). */
export async function startTrap() {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"trap","token_type":"Bearer"}');
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/trap`;
  return { url, requests, stop: () => new Promise((ok) => server.close(ok)) };
}

export { COMPATIBILITY_DATE };

/** A Worker given as a bundler's output directory (`wrangler deploy --dry-run --outdir`, esbuild) in
 * workerd, no bindings: every `.js`/`.mjs` file an ES module, every `.wasm` a compiled WebAssembly
 * module (what Workers' `import m from './x.wasm'` yields), source maps and READMEs left out.
 * Resolves to `{ mf, stop() }`. */
export async function startBundledWorker(dir, mainModule) {
  const modules = {};
  for (const entry of readdirSync(dir, { recursive: true })) {
    const name = String(entry).split(sep).join('/'); // a module's name is its path in the bundle
    if (/\.m?js$/.test(name)) modules[name] = { type: 'esm', contents: readFileSync(join(dir, name), 'utf8') };
    else if (name.endsWith('.wasm')) modules[name] = { type: 'wasm', contents: new Uint8Array(readFileSync(join(dir, name))) };
  }
  const { Miniflare } = await import('miniflare');
  const mf = new Miniflare({ workers: [{ config: { name: 'bundled', compatibilityDate: COMPATIBILITY_DATE, manifest: { mainModule, modules } } }] });
  await mf.ready;
  return {
    mf,
    async stop() {
      await mf.dispose();
    },
  };
}
