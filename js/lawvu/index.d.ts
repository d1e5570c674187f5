// tsunagi/lawvu — LawVu in the browser, and only that (no OpenID Connect, no other provider, none
// of the low-level request builders but the authorization URL and nextStep): the declarations are
// index.d.ts's own, OAuthClient narrowed to a LawVu config. TsunagiError is the same class as the
// one `tsunagi` exports.
import type { LawVuConfig, OAuthClientOptions } from '../index.js';
import { OAuthClient as AnyOAuthClient } from '../index.js';

export { TsunagiError, buildAuthorizationUrl, beginAuthorization, nextStep, decodeJwtClaims, memoryStorage } from '../index.js';
export type {
  ErrorCode,
  TsunagiErrorDetails,
  LawVuConfig,
  LawVuConfigFields,
  TokenSet,
  Grant,
  HttpRequest,
  HttpResponseLike,
  HeadersLike,
  Params,
  StorageAdapter,
  RetryPolicy,
  OAuthClientOptions,
  OAuthClientEvent,
  OAuthClientEventArgs,
  UnverifiedUser,
  UserClaims,
  RedirectResult,
  LogoutResult,
  AuthorizeOptions,
  CallbackOptions,
  GetAccessTokenOptions,
} from '../index.js';

/**
 * `tsunagi`'s OAuthClient for a LawVu config (the public-client flow: no secret, 1-day single-use
 * refresh tokens refreshed once across tabs). Another provider's config is refused with
 * `invalid_config`; OpenID Connect (discovery, id_token verification) is in `tsunagi`.
 */
export declare class OAuthClient extends AnyOAuthClient {
  constructor(config: LawVuConfig, options?: OAuthClientOptions);
}
