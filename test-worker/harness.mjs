// Test harness for the Worker: the provider sandbox binary and the built Worker in real workerd
// (Miniflare's Node API), each in its own process group and always stopped. No mocks.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createHmac } from "node:crypto";
import { Miniflare } from "miniflare";

export const ROOT = resolve(import.meta.dirname, "..");
export const BUILD = join(ROOT, "build", "worker");
export const ORIGIN = "http://localhost:8787"; // the Worker's own origin (sandbox-registered callbacks)
export const SPA = "http://localhost:5173"; // an allowed SPA origin
export const SESSION_KEY = "test-session-key-0123456789abcdef0123456789abcdef";

const children = new Set();
function killAll() {
  for (const c of children) {
    try { process.kill(-c.pid, "SIGKILL"); } catch { /* gone */ }
  }
}
process.on("exit", killAll);

/** Starts the sandbox binary on ephemeral ports; resolves with its endpoints document. */
export async function startSandbox() {
  const bin = process.env.TSUNAGI_SANDBOX_BIN || resolve(ROOT, process.env.CARGO_TARGET_DIR || "target", "debug", "tsunagi-sandbox");
  const dir = mkdtempSync(join(tmpdir(), "tsunagi-sbx-"));
  const child = spawn(bin, ["--base-port", "0", "--endpoints-file", join(dir, "endpoints.json")], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  const ready = await new Promise((ok, fail) => {
    let out = "";
    child.on("error", fail);
    child.on("exit", (code) => fail(new Error(`sandbox exited ${code}`)));
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("tsunagi-sandbox ready")) ok(true);
    });
    setTimeout(() => fail(new Error("sandbox did not start")), 20000);
  });
  const ep = JSON.parse(readFileSync(join(dir, "endpoints.json"), "utf8"));
  const stop = async () => {
    if (!children.has(child)) return;
    children.delete(child);
    const done = new Promise((r) => child.once("exit", r));
    try { process.kill(-child.pid, "SIGTERM"); } catch { /* gone */ }
    await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
    try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }
    rmSync(dir, { recursive: true, force: true });
  };
  const control = async (path, body) => {
    const r = await fetch(`${ep.control_url}/${path}`, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`control ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return { ep, ready, stop, control, stats: () => control("stats") };
}

/** The Worker's bindings for a sandbox. */
export function bindingsFor(ep, extra = {}) {
  const lv = ep.lawvu;
  const cc = lv.confidential_client;
  return {
    LAWVU_ENVIRONMENT: "production",
    LAWVU_CLIENT_ID: cc.client_id,
    LAWVU_CLIENT_SECRET: cc.client_secret,
    LAWVU_AUTHORIZE_URL: lv.authorize_url,
    LAWVU_TOKEN_URL: lv.token_url,
    LAWVU_API_BASE: lv.api_base,
    LOGILESS_CLIENT_ID: ep.logiless.client_id,
    LOGILESS_CLIENT_SECRET: ep.logiless.client_secret,
    LOGILESS_AUTHORIZE_URL: ep.logiless.authorize_url,
    LOGILESS_TOKEN_URL: ep.logiless.token_url,
    LOGILESS_API_BASE: ep.logiless.api_base,
    LOGILESS_MERCHANT_ID: ep.logiless.merchant_id,
    LEGALON_REGION: "jp",
    LEGALON_TOKEN_URL: ep.legalon.token_url,
    LEGALON_API_CREDENTIALS: ep.legalon.credentials,
    SESSION_KEY,
    ALLOWED_ORIGINS: SPA,
    TOKEN_MEDIATING: "true",
    UPSTREAM_TIMEOUT_MS: "1500",
    RATE_LIMIT_MAX_WAIT_MS: "3000",
    ...extra,
  };
}

/** Starts the built Worker in workerd. `persist`: a directory for Durable Object storage. */
export async function startWorker(bindings, { persist } = {}) {
  const dir = persist || mkdtempSync(join(tmpdir(), "tsunagi-do-"));
  const env = Object.fromEntries(Object.entries(bindings).map(([k, v]) => [k, { type: "text", value: String(v) }]));
  env.SESSIONS = { type: "durable-object", worker: "tsunagi", exportName: "TsunagiSession" };
  env.LEGALON = { type: "durable-object", worker: "tsunagi", exportName: "TsunagiLegalOn" };
  const mf = new Miniflare({
    workers: [
      {
        config: {
          name: "tsunagi",
          compatibilityDate: COMPATIBILITY_DATE,
          manifest: { mainModule: "shim.mjs", modules: manifestModules() },
          env,
          exports: {
            TsunagiSession: { type: "durable-object", storage: "sqlite" },
            TsunagiLegalOn: { type: "durable-object", storage: "sqlite" },
          },
        },
      },
    ],
    resourcePersistencePath: dir,
  });
  await mf.ready;
  return {
    mf,
    dir,
    async stop() {
      await mf.dispose();
    },
  };
}

const COMPATIBILITY_DATE = /compatibility_date = "([^"]+)"/.exec(readFileSync(join(ROOT, "wrangler.toml"), "utf8"))[1];

/** The build output as a module manifest: the entry, the wasm-bindgen glue and its snippets, the wasm. */
function manifestModules() {
  const index = readFileSync(join(BUILD, "index.js"), "utf8");
  const mods = {
    "shim.mjs": { type: "esm", contents: readFileSync(join(BUILD, "shim.mjs"), "utf8") },
    "index.js": { type: "esm", contents: index },
    "index_bg.wasm": { type: "wasm", contents: new Uint8Array(readFileSync(join(BUILD, "index_bg.wasm"))) },
  };
  for (const m of index.matchAll(/from '\.\/(snippets\/[^']+)'/g)) {
    mods[m[1]] = { type: "esm", contents: readFileSync(join(BUILD, m[1]), "utf8") };
  }
  return mods;
}

/** A browser-like client: one cookie jar, never follows redirects. */
export class Browser {
  constructor(worker) {
    this.worker = worker;
    this.cookie = null;
  }
  async request(path, { method = "GET", headers = {}, body, cookie } = {}) {
    const url = path.startsWith("http") ? path : `${ORIGIN}${path}`;
    const h = { ...headers };
    const c = cookie === undefined ? this.cookie : cookie;
    if (c) h.cookie = `__Host-tsunagi=${c}`;
    const r = await this.worker.mf.dispatchFetch(url, { method, headers: h, body, redirect: "manual" });
    const set = r.headers.getSetCookie?.() ?? [];
    for (const s of set) {
      const m = /^__Host-tsunagi=([^;]*)/.exec(s);
      if (m) this.cookie = m[1] || null;
    }
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, headers: r.headers, text, json, setCookie: set };
  }
  api(path, opts = {}) {
    return this.request(path, { ...opts, headers: { "x-tsunagi": "1", ...(opts.headers || {}) } });
  }
}

/** login → sandbox approve → callback; returns the callback response. */
export async function login(browser, sandbox, provider, returnTo = "/app") {
  const start = await browser.request(`/auth/${provider}/login?return_to=${encodeURIComponent(returnTo)}`);
  if (start.status !== 302) throw new Error(`login: ${start.status} ${start.text}`);
  const authorize = start.headers.get("location");
  const { redirect_url } = await sandbox.control(`${provider}/approve`, { authorize_url: authorize, user_id: "user-id-123" });
  const cb = await browser.request(redirect_url);
  return { start, authorize, redirect_url, cb };
}

/** A validly signed cookie for any session id and expiry (the tests know SESSION_KEY). */
export function signCookie(sessionId, expiresAtSecs, key = SESSION_KEY) {
  const cookieKey = createHmac("sha256", key).update("tsunagi/v1/cookie").digest();
  const payload = `${sessionId}.${expiresAtSecs}`;
  const mac = createHmac("sha256", cookieKey).update(payload).digest("base64url");
  return `${payload}.${mac}`;
}
