// tsunagi/lawvu — LawVu in the browser, and only that: the authorize URL (LawVu's hash route), the
// public-client code exchange, single-flight refresh across tabs, JWT claims and the API call with
// its 401/429 handling. Its wasm module is built with the `lawvu` feature alone (no OpenID Connect,
// no other provider: scripts/build-pkg.sh), so an app loads about half of what `tsunagi` loads.
// core.js and client.js here are the package's own, copied beside this module's glue.
import init from './tsunagi_wasm.js';

await init({ module_or_path: new URL('./tsunagi_wasm_bg.wasm', import.meta.url) });

export * from './api.js';
