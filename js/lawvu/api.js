// tsunagi/lawvu's API: the package's LawVu functions and OAuthClient (without OpenID Connect),
// and the one TsunagiError class every entry shares (../errors.js).
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
