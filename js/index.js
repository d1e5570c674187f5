// tsunagi — entry point for browsers: a plain <script type="module"> and bundlers (webpack 5, Vite
// and esbuild; see the README for esbuild's one copy step). The wasm module is loaded once, here,
// with top-level await, so every function of the API is synchronous (OAuthClient's network
// methods are async).
// Other hosts get their own entry through the package's export conditions: Node gets ./node.js
// ("node"), Cloudflare Workers and other `workerd` hosts get ./workerd.js ("workerd"). This file
// imports nothing from Node, so a browser bundler has nothing to resolve or stub.
import init from './tsunagi_wasm.js';

// Written out as `new URL('./…', import.meta.url)` so webpack 5 and Vite emit the .wasm as an
// asset and rewrite this URL; esbuild leaves it relative to the bundle (copy the .wasm next to it).
await init({ module_or_path: new URL('./tsunagi_wasm_bg.wasm', import.meta.url) });

export * from './api.js';
