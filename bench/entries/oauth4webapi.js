// oauth4webapi: authorization code flow (PKCE, state) + refresh + client credentials.
export {
  generateRandomCodeVerifier,
  calculatePKCECodeChallenge,
  generateRandomState,
  validateAuthResponse,
  authorizationCodeGrantRequest,
  processAuthorizationCodeResponse,
  refreshTokenGrantRequest,
  processRefreshTokenResponse,
  clientCredentialsGrantRequest,
  processClientCredentialsResponse,
  None,
  ClientSecretPost,
  ClientSecretBasic,
} from 'oauth4webapi';
