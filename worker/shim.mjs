// Entry module of the tsunagi Worker (copied to build/worker/ by scripts/build-worker.sh).
// index.js is wasm-bindgen's `--target module` glue: it instantiates the wasm on import.
// This re-exports the fetch handler, wraps the Durable Object classes, and is the broker other
// Workers call through a service binding (TsunagiBroker, Workers RPC; README "Other Workers").
import * as imports from './index.js';
import { DurableObject, WorkerEntrypoint } from 'cloudflare:workers';

export default {
  fetch(request, env, ctx) {
    return imports.fetch(request, env, ctx);
  },
};

// Durable Objects: thin JS classes around the Rust ones (as workers-rs' worker-build does). The
// Worker calls them through Workers RPC (`op`), never `fetch`.
export class TsunagiSession extends DurableObject {
  constructor(state, env) {
    super(state, env);
    this.inner = new imports.TsunagiSession(state, env);
  }
  /** Workers RPC from the Worker: one typed operation as JSON text, its answer as
   * {"ok": …} or {"error": …} (crates/tsunagi-worker/src/object_rpc.rs). */
  op(text) {
    return this.inner.op(text);
  }
  alarm() {
    return this.inner.alarm();
  }
}

export class TsunagiConnection extends DurableObject {
  constructor(state, env) {
    super(state, env);
    this.inner = new imports.TsunagiConnection(state, env);
  }
  /** Workers RPC from the Worker: one typed operation as JSON text, its answer as
   * {"ok": …} or {"error": …} (crates/tsunagi-worker/src/object_rpc.rs). */
  op(text) {
    return this.inner.op(text);
  }
  alarm() {
    return this.inner.alarm();
  }
}

// The broker for other Workers: `services = [{ binding = "TSUNAGI", service = "tsunagi",
// entrypoint = "TsunagiBroker" }]`. Not reachable from the internet; no cookie. Only connections
// configured with `server = true` are served (crates/tsunagi-worker/src/broker.rs).
export class TsunagiBroker extends WorkerEntrypoint {
  /** `{ access_token, token_type, expires_at }` of a served connection; throws a TsunagiError. */
  accessToken(connection) {
    return imports.brokerAccessToken(this.env, connection);
  }
  /** The connection's API at the request's path and query (same rules and 401/429 policy as /api). */
  fetchApi(connection, request) {
    return imports.brokerFetch(this.env, connection, request);
  }
  /** `env.TSUNAGI.fetch('https://tsunagi/{connection}/{path}')`: the same as `fetchApi`. */
  fetch(request) {
    return imports.brokerFetch(this.env, '', request);
  }
}
