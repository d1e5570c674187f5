// The package's public API, in one place. Each entry (index.js for browsers and bundlers, node.js
// for Node, through the "node" export condition) instantiates the wasm module and then re-exports
// this list; nothing here runs at import time.
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
  buildRevocationRequest,
  parseRevocationResponse,
} from './core.js';
export { discover, verifyIdToken, OAuthClient } from './oidc.js';
export { memoryStorage } from './client.js';
export { BrokerClient } from './broker.js';
