// tsunagi — entry point for Node >= 20 (the "node" export condition; Deno and Bun use it too).
// The server's wasm module (every profile: Logiless and LegalOn too, whose secrets a server may
// hold) is read from disk next to this file and instantiated synchronously, so there is
// no top-level await here and every function of the API is synchronous.
import { readFileSync } from 'node:fs';
import { initSync } from './tsunagi_wasm.js';

initSync({ module: readFileSync(new URL('./tsunagi_wasm_server_bg.wasm', import.meta.url)) });

export * from './api.js';
