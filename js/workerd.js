// tsunagi — entry point for Cloudflare Workers / workerd (the "workerd" export condition).
// The server's wasm module (every profile, as for Node; server/). Workers import .wasm files as
// compiled WebAssembly.Module objects and forbid compiling wasm from bytes at run time, so the
// module is instantiated synchronously from the import.
import wasmModule from './server/tsunagi_wasm_bg.wasm';
import { initSync } from './server/tsunagi_wasm.js';

initSync({ module: wasmModule });

export * from './server/api.js';
