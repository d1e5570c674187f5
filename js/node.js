// tsunagi — entry point for Node >= 20 (the "node" export condition; Deno and Bun use it too).
// The server's wasm module (every profile: Logiless and LegalOn too, whose secrets a server may
// hold), with its own glue and the package's JS beside it in server/, is read from disk and
// instantiated synchronously, so there is no top-level await here and every function of the API
// is synchronous.
import { readFileSync } from 'node:fs';
import { initSync } from './server/tsunagi_wasm.js';

initSync({ module: readFileSync(new URL('./server/tsunagi_wasm_bg.wasm', import.meta.url)) });

export * from './server/api.js';
