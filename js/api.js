// The package's public API, in one place. Each entry (index.js for browsers and bundlers, node.js
// for Node, through the "node" export condition) instantiates the wasm module and then re-exports
// this list; nothing here runs at import time.
export { TsunagiError, buildAuthorizationUrl, beginAuthorization, nextStep, decodeJwtClaims } from './core.js';
export {
  createPkce,
  pkceChallenge,
  createState,
  parseCallback,
  buildTokenRequest,
  parseTokenResponse,
  buildApiRequest,
  buildRevocationRequest,
  parseRevocationResponse,
} from './lowlevel.js';
export { discover, verifyIdToken, OAuthClient } from './oidc.js';
export { memoryStorage } from './client.js';
export { BrokerClient } from './broker.js';
