// tsunagi/lawvu: what a LawVu SPA imports (OAuthClient, JWT claims); its wasm is counted separately.
export { OAuthClient, decodeJwtClaims, buildAuthorizationUrl, TsunagiError } from '../../pkg/lawvu/index.js';
