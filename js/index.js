// tsunagi — entry point for browsers (plain <script type="module"> and bundlers such as Vite)
// and Node >= 20. The wasm module is loaded once, here, with top-level await, so every function
// of the API is synchronous (OAuthClient's network methods are async).
// Cloudflare Workers (and other `workerd` hosts) get ./workerd.js through the package's
// "workerd" export condition instead: they cannot compile wasm from bytes at run time.
import init, { initSync } from './tsunagi_wasm.js';

const wasmUrl = new URL('./tsunagi_wasm_bg.wasm', import.meta.url);
if (wasmUrl.protocol === 'file:') {
  // Node: fetch() does not read file: URLs.
  const { readFile } = await import('node:fs/promises');
  initSync({ module: await readFile(wasmUrl) });
} else {
  await init({ module_or_path: wasmUrl });
}

export {
  TsunagiError,
  buildAuthorizationUrl,
  beginAuthorization,
  createPkce,
  pkceChallenge,
  createState,
  parseCallback,
  buildTokenRequest,
  parseTokenResponse,
  nextStep,
  buildApiRequest,
  decodeJwtClaims,
} from './core.js';
export { OAuthClient, memoryStorage } from './client.js';
export { BrokerClient } from './broker.js';
