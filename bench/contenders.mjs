// The two BFFs bench/worker.mjs and bench/profile-worker.mjs run: the tsunagi Worker (build/worker)
// and the hand-written JavaScript BFF (bench/peers/bff.mjs), each in its own Miniflare with two
// SQLite-backed Durable Object classes, storage in a fresh directory removed at `stop()`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { BUILD, ROOT } from '../tests/harness/index.mjs';

export const COMPAT = /compatibility_date = "([^"]+)"/.exec(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))[1];

export function tsunagiModules() {
  const index = readFileSync(join(BUILD, 'index.js'), 'utf8');
  const mods = {
    'shim.mjs': { type: 'esm', contents: readFileSync(join(BUILD, 'shim.mjs'), 'utf8') },
    'index.js': { type: 'esm', contents: index },
    'index_bg.wasm': { type: 'wasm', contents: new Uint8Array(readFileSync(join(BUILD, 'index_bg.wasm'))) },
  };
  for (const m of index.matchAll(/from '\.\/(snippets\/[^']+)'/g)) mods[m[1]] = { type: 'esm', contents: readFileSync(join(BUILD, m[1]), 'utf8') };
  return mods;
}
export const textEnv = (b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, { type: 'text', value: String(v) }]));

// A Worker with two SQLite-backed Durable Object classes (the session's and the connection's), its
// storage in a fresh directory removed at `stop()`: how both BFFs run here.
export async function startWithObjects(name, mainModule, modules, env, [sessionClass, connectionClass], prefix, { inspectorPort } = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  env.SESSIONS = { type: 'durable-object', worker: name, exportName: sessionClass };
  env.CONNECTIONS = { type: 'durable-object', worker: name, exportName: connectionClass };
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    workers: [
      {
        config: {
          name,
          compatibilityDate: COMPAT,
          manifest: { mainModule, modules },
          env,
          exports: { [sessionClass]: { type: 'durable-object', storage: 'sqlite' }, [connectionClass]: { type: 'durable-object', storage: 'sqlite' } },
        },
      },
    ],
    resourcePersistencePath: dir,
    ...(inspectorPort && { inspectorPort }),
  });
  const url = await mf.ready;
  return {
    mf,
    url: url.origin,
    stop: async () => {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function startTsunagi(bindings, opts) {
  return startWithObjects('tsunagi', 'shim.mjs', tsunagiModules(), textEnv(bindings), ['TsunagiSession', 'TsunagiConnection'], 'tsunagi-bench-do-', opts);
}

// The fair peer: a JavaScript BFF written by hand (bench/peers/bff.mjs), its session and
// connection objects in SQLite-backed Durable Objects like the tsunagi Worker's.
export function startPeer(ep, b, opts) {
  const env = textEnv({
    SESSION_KEY: b.SESSION_KEY,
    ALLOWED_ORIGINS: b.ALLOWED_ORIGINS,
    UPSTREAM_TIMEOUT_MS: b.UPSTREAM_TIMEOUT_MS,
    LAWVU_CLIENT_ID: ep.lawvu.confidential_client.client_id,
    LAWVU_CLIENT_SECRET: ep.lawvu.confidential_client.client_secret,
    LAWVU_AUTHORIZE_URL: ep.lawvu.authorize_url,
    LAWVU_TOKEN_URL: ep.lawvu.token_url,
    LAWVU_API_BASE: ep.lawvu.api_base,
    LEGALON_TOKEN_URL: ep.legalon.token_url,
    LEGALON_API_CREDENTIALS: ep.legalon.credentials,
  });
  const modules = { 'bff.mjs': { type: 'esm', contents: readFileSync(join(ROOT, 'bench', 'peers', 'bff.mjs'), 'utf8') } };
  return startWithObjects('bff', 'bff.mjs', modules, env, ['Session', 'Connection'], 'tsunagi-bench-peer-', opts);
}
