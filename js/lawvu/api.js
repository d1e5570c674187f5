// tsunagi/lawvu's API: OAuthClient for LawVu (without OpenID Connect), the authorization URL
// (buildAuthorizationUrl, beginAuthorization), nextStep, JWT claims, and the one TsunagiError class every entry shares (../errors.js). The other
// low-level functions (js/lowlevel.js) are in `tsunagi`: this module is built without them.
export { TsunagiError, buildAuthorizationUrl, beginAuthorization, nextStep, decodeJwtClaims } from './core.js';
export { OAuthClient, memoryStorage } from './client.js';
