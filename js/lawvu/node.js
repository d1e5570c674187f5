// tsunagi/lawvu — entry point for Node >= 20 (the "node" export condition): the LawVu-only wasm
// module read from disk and instantiated synchronously, as ../node.js does for `tsunagi`.
import { readFileSync } from 'node:fs';
import { initSync } from './tsunagi_wasm.js';

initSync({ module: readFileSync(new URL('./tsunagi_wasm_bg.wasm', import.meta.url)) });

export * from './api.js';
