// Entry module of the tsunagi Worker (copied to build/worker/ by scripts/build-worker.sh).
// index.js is wasm-bindgen's `--target module` glue: it instantiates the wasm on import.
// This re-exports the fetch handler and wraps the Durable Object classes.
import * as imports from './index.js';
import { DurableObject } from 'cloudflare:workers';

export default {
  fetch(request, env, ctx) {
    return imports.fetch(request, env, ctx);
  },
};

// Durable Objects: thin JS classes around the Rust ones (as workers-rs' worker-build does).
export class TsunagiSession extends DurableObject {
  constructor(state, env) {
    super(state, env);
    this.inner = new imports.TsunagiSession(state, env);
  }
  fetch(request) {
    return this.inner.fetch(request);
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
  fetch(request) {
    return this.inner.fetch(request);
  }
}
