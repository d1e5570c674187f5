// Type definitions for the npm package `tsunagi` (hand-written; kept in step with js/*.js; `make test-types`
// compiles them with tsc --strict against tests/types/ and checks ErrorCode against the Rust list).

/** The core's stable error codes (README "Error codes"), plus `internal_error` for a bug in tsunagi. */
export type ErrorCode =
  | 'invalid_config'
  | 'invalid_redirect_uri'
  | 'invalid_endpoint'
  | 'invalid_parameter'
  | 'invalid_url'
  | 'unsupported_operation'
  | 'state_missing'
  | 'state_mismatch'
  | 'callback_invalid'
  | 'issuer_missing'
  | 'issuer_mismatch'
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'redirect_uri_mismatch'
  | 'oauth_error'
  | 'missing_redirect_uri_in_url'
  | 'missing_client_id_in_url'
  | 'redirect_uri_not_whitelisted'
  | 'missing_grant_type'
  | 'missing_client_id'
  | 'missing_code'
  | 'authorization_code_invalid'
  | 'client_not_valid'
  | 'client_secret_incorrect'
  | 'refresh_token_invalid'
  | 'refresh_token_expired'
  | 'token_response_invalid'
  | 'unsupported_token_type'
  | 'login_required'
  | 'metadata_invalid'
  | 'metadata_issuer_mismatch'
  | 'par_response_invalid'
  | 'id_token_missing'
  | 'id_token_invalid'
  | 'id_token_expired'
  | 'nonce_mismatch'
  | 'id_token_signature_invalid'
  | 'unsupported_algorithm'
  | 'jwks_invalid'
  | 'jwk_not_found'
  | 'jwt_malformed'
  | 'jwt_invalid_base64'
  | 'jwt_invalid_utf8'
  | 'jwt_invalid_json'
  | 'jwt_not_object'
  | 'unauthorized'
  | 'forbidden'
  | 'locked'
  | 'rate_limited'
  | 'validation_failed'
  | 'problem'
  | 'http_error'
  | 'upstream_error'
  | 'transport'
  | 'timeout'
  | 'body_too_large'
  // the Worker's own refusals (BrokerClient)
  | 'forbidden_origin'
  | 'csrf_header_missing'
  | 'session_missing'
  | 'config_missing'
  | 'not_found'
  | 'method_not_allowed'
  | 'method_refused'
  | 'connection_not_allowed'
  | 'token_bound'
  | 'path_refused'
  | 'config_invalid'
  | 'admin_unauthorized'
  | 'internal_error';

/** What a {@link TsunagiError} knows besides its code and message (all optional). */
export interface TsunagiErrorDetails {
  status?: number;
  requestId?: string;
  oauthError?: string;
  description?: string;
  errorUri?: string;
  bodyExcerpt?: string;
  refreshExpiredAt?: number;
  retryAfterMs?: number;
  requiresReauthorization?: boolean;
  /** The underlying failure (e.g. a `fetch` TypeError), as `Error.cause`. */
  cause?: unknown;
}

/**
 * Every failure of the package. `message` is the sentence alone, without the code in front (show `${code}: ${message}`); messages
 * never contain a secret, code or token.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 (the OAuth `error` values among the codes)
 */
export class TsunagiError extends Error {
  /** The package throws these itself; an app constructs one only to stand in for it (tests, mocks). */
  constructor(code: ErrorCode, message: string, details?: TsunagiErrorDetails);
  readonly name: 'TsunagiError';
  readonly code: ErrorCode;
  /** HTTP status, when the failure came from a response. */
  readonly status?: number;
  /** The response's `X-Request-Id`, when there was one. */
  readonly requestId?: string;
  /** The server's raw `error` value (e.g. a non-standard one behind `oauth_error`). */
  readonly oauthError?: string;
  /** The server's `error_description` (scrubbed). */
  readonly description?: string;
  readonly errorUri?: string;
  /** A scrubbed excerpt of the response body. */
  readonly bodyExcerpt?: string;
  /** LawVu `refresh_token_expired`: when it expired (epoch ms). */
  readonly refreshExpiredAt?: number;
  /** `rate_limited`: how long to wait (ms). */
  readonly retryAfterMs?: number;
  /** True for `invalid_grant`, `refresh_token_invalid`, `refresh_token_expired`, `login_required` (and, from the Worker, `session_missing`): send the user through authorization again. */
  readonly requiresReauthorization: boolean;
}

/**
 * LawVu. Public client (browser): no `clientSecret` (1-day refresh tokens). With a secret (server only): 30 days. `environment` picks
 * the hosts; `authorizeUrl`, `tokenUrl` and `apiBase` override them one by one, and with all three (the local sandbox: its
 * `endpoints.json`'s `authorize_url`, `token_url`, `api_base`) no `environment` is needed.
 */
export type LawVuConfig = LawVuConfigFields &
  (
    | { environment: 'sandbox' | 'production'; authorizeUrl?: string; tokenUrl?: string; apiBase?: string }
    | { environment?: 'sandbox' | 'production'; authorizeUrl: string; tokenUrl: string; apiBase: string }
  );

/** The fields of every {@link LawVuConfig}. */
export interface LawVuConfigFields {
  provider: 'lawvu';
  clientId: string;
  redirectUri: string;
  /** Server side only: OAuthClient refuses it in a browser. */
  clientSecret?: string;
  regionHint?: string;
}

/** Logiless: always confidential (GET token endpoint with the secret in the URL): server side only. */
export interface LogilessConfig {
  provider: 'logiless';
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  merchantId?: string;
  authorizeUrl?: string;
  tokenUrl?: string;
  apiBase?: string;
}

/** LegalOn: client credentials with the ready-made Basic `credentials` value: server side only. */
export interface LegalOnConfig {
  provider: 'legalon';
  region: 'us' | 'jp';
  credentials: string;
  tokenUrl?: string;
}

/**
 * Any RFC 6749 server. With `issuer` alone (no `tokenEndpoint`) the endpoints come from its metadata (RFC 8414 / OpenID Connect
 * Discovery): {@link OAuthClient} discovers it on first use; the low-level functions take {@link discover}'s result as `metadata`.
 * @see https://www.rfc-editor.org/rfc/rfc8414
 */
export type GenericConfig = GenericConfigFields & ({ tokenEndpoint: string } | { issuer: string });

/** The fields of a {@link GenericConfig}. */
export interface GenericConfigFields {
  provider: 'generic';
  /**
   * The issuer identifier (`https`, no query or fragment), compared exactly: the metadata must name it, and a callback's `iss` must equal
   * it (RFC 9207) — required when the server advertises `authorization_response_iss_parameter_supported` or `requireIss` is set.
   */
  issuer?: string;
  /** The checked metadata ({@link discover}); its endpoints fill in what this config does not set. */
  metadata?: ServerMetadata;
  /** A callback without `iss` is refused (`issuer_missing`). Needs `issuer`. */
  requireIss?: boolean;
  /** Space-separated scopes for the authorization request and client credentials; `openid` adds a `nonce` and id_token verification. */
  scope?: string;
  /** RFC 8707 resource indicator(s), sent as repeated `resource` parameters. */
  resource?: string | string[];
  /** An `audience` parameter, for servers that use one instead of `resource`. */
  audience?: string;
  /**
   * Pushed Authorization Requests (RFC 9126), with an `issuer` whose metadata names a `pushed_authorization_request_endpoint`: absent,
   * the request is pushed when the metadata says `require_pushed_authorization_requests`; `true`, whenever the endpoint is there
   * (`invalid_config` when it is not); `false`, never (`invalid_config` when the server requires it). A pushed request's URL carries
   * only `client_id` and `request_uri`. {@link OAuthClient.authorize} pushes; the low-level {@link beginAuthorization} does not (`invalid_config` where a push is due).
   * @see https://www.rfc-editor.org/rfc/rfc9126
   */
  par?: boolean;
  /**
   * DPoP (RFC 9449): `true` sends a proof with every token, refresh and API request and keeps `DPoP` tokens; `'auto'` does so
   * when the metadata lists `ES256` in `dpop_signing_alg_values_supported`; `false` (the default) sends Bearer tokens. The key
   * pair is WebCrypto's ECDSA P-256, non-extractable, kept in IndexedDB per client and origin (in memory in Node), new after
   * {@link OAuthClient.logout}. Not in `tsunagi/lawvu`.
   */
  dpop?: boolean | 'auto';
  /** RFC 7009 revocation endpoint (else the metadata's); {@link OAuthClient.logout} revokes there. */
  revocationEndpoint?: string;
  /** The JWKS URL for id_token signatures (else the metadata's `jwks_uri`). */
  jwksUri?: string;
  authorizationEndpoint?: string;
  /** Required unless `issuer` is given. */
  tokenEndpoint?: string;
  clientId?: string;
  redirectUri?: string;
  /** Default `"none"`. */
  clientAuth?: 'none' | 'client_secret_post' | 'client_secret_basic' | 'basic_raw';
  /** Default `"POST"`. */
  tokenMethod?: 'POST' | 'GET';
  /** PKCE S256; default `true`. */
  pkce?: boolean;
  /** The authorization endpoint is a hash route (`https://host/#/authorize`). */
  hashRoute?: boolean;
  clientSecret?: string;
  credentials?: string;
  apiBase?: string;
  refreshLifetimeSecs?: number;
}

export type Config = LawVuConfig | LogilessConfig | LegalOnConfig | GenericConfig;

/** Authorization server metadata as {@link discover} checked it: the RFC 8414 §2 members tsunagi uses, as the server sent them. */
export interface ServerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint: string;
  jwks_uri?: string;
  revocation_endpoint?: string;
  scopes_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  code_challenge_methods_supported?: string[];
  authorization_response_iss_parameter_supported?: boolean;
  id_token_signing_alg_values_supported?: string[];
  /** RFC 9126 §5. */
  pushed_authorization_request_endpoint?: string;
  /** RFC 9126 §5: authorization requests only through PAR. */
  require_pushed_authorization_requests?: boolean;
  /** DPoP proof algorithms the server takes (RFC 9449 §5.1); `dpop: 'auto'` needs `ES256` here. */
  dpop_signing_alg_values_supported?: string[];
}

/**
 * The scope, resource indicators and audience a refresh or client-credentials request asks for (instead of the config's); a code
 * exchange takes `resource` only. Without them every token request carries the config's `resource` (RFC 8707 §2.2).
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 */
export interface ScopeParams {
  scope?: string;
  resource?: string | string[];
  audience?: string;
}

/** Times are epoch milliseconds. */
export interface TokenSet {
  accessToken: string;
  tokenType: string;
  issuedAt: number;
  /** `null` when the server gave no lifetime. */
  expiresAt: number | null;
  refreshToken?: string;
  refreshExpiresAt?: number;
  scope?: string;
  /** LegalOn: the API host from the token response. */
  apiBaseUrl?: string;
  /** Every other field of the token response (e.g. LawVu's `userId`, `userName`). */
  extra: Record<string, unknown>;
  /**
   * Whose tokens: a user's (authorization code, and refreshes of it) or the client's own (client
   * credentials). Always set by `parseTokenResponse`; a set stored without it reads as `'user'`.
   * Only the client's own token is ever replaced by client credentials (`nextStep` → `reacquire`).
   */
  grant?: 'user' | 'client_credentials';
}

export type Grant =
  | ({ grantType: 'authorization_code'; code: string; codeVerifier?: string } & Pick<ScopeParams, 'resource'>)
  | ({ grantType: 'refresh_token'; refreshToken: string } & ScopeParams)
  | ({ grantType: 'client_credentials' } & ScopeParams);

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /** `null` for GET (Logiless' token requests carry everything, the secret included, in the URL: never log it). */
  body: string | null;
}

export type HeadersLike = Headers | Record<string, string> | Iterable<[string, string]>;

export interface HttpResponseLike {
  status: number;
  headers?: HeadersLike;
  body: string;
}

export type Params = Record<string, string> | Iterable<[string, string]>;

/**
 * `config` → the authorization URL (LawVu's hash route included); pass `state` and, with PKCE, `codeChallenge`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export function buildAuthorizationUrl(config: Config, options?: { state?: string; codeChallenge?: string; extraParams?: Params }): string;
/**
 * Fresh `state` and (when the provider uses PKCE, else `null`) code verifier, and the authorization URL that carries them.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
export function beginAuthorization(
  config: Config,
  options?: { extraParams?: Params },
): {
  url: string;
  state: string;
  codeVerifier: string | null /** Sent when `openid` is requested: keep it with `state` for {@link verifyIdToken}. */;
  nonce: string | null;
};
/**
 * A fresh PKCE pair: a 256-bit verifier and its S256 challenge.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function createPkce(): { verifier: string; challenge: string };
/**
 * `BASE64URL(SHA256(verifier))`.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export function pkceChallenge(verifier: string): string;
/**
 * A fresh `state` value (256 bits, base64url) that binds the callback to this browser session.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export function createState(): string;
/**
 * The redirect URL back from the provider → `{ code }`; throws on `error=` (e.g. `access_denied`), a missing or different `state`,
 * and with `issuer` on an `iss` naming another issuer (`issuer_mismatch`) or, with `requireIss`, none (`issuer_missing`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9207
 */
export function parseCallback(url: string | URL, expectedState: string, options?: { issuer?: string; requireIss?: boolean }): { code: string };
/**
 * The token endpoint request for `grant`, client authentication included; `body` is `null` for GET (Logiless).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
 */
export function buildTokenRequest(config: Config, grant: Grant): HttpRequest;
/**
 * Without `config` the response is read as a generic RFC 6749 one; pass it for the provider's error strings, refresh lifetimes and checks.
 * `grantType`: the grant the request used, recorded as the set's `grant`. Without it: a refresh of `previous` keeps its grant, LegalOn's
 * tokens are the client's own, anything else is taken as a user's (pass `'client_credentials'` for a generic client's own token).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function parseTokenResponse(
  response: HttpResponseLike,
  options?: { now?: number; previous?: TokenSet; config?: Config; grantType?: Grant['grantType'] },
): TokenSet;
/**
 * What to do with the stored tokens now: use them, refresh, reacquire (a client's own token) or send the user through authorization again.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function nextStep(
  config: Config,
  tokens: TokenSet | null | undefined,
  options?: { now?: number; leewaySecs?: number },
): 'use_access_token' | 'refresh' | 'reacquire' | 'reauthorize';
/**
 * An API request with the bearer token; `path` is relative to the API base (or a URL under it). `method`: GET (default), POST, PUT, PATCH or DELETE.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function buildApiRequest(config: Config, tokens: TokenSet, path: string | URL, options?: { method?: string; body?: string }): HttpRequest;
/**
 * The claims of a JWT, **unverified**: for display and scheduling only.
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4
 */
export function decodeJwtClaims(jwt: string): Record<string, unknown>;
/**
 * The checked metadata of `issuer`: RFC 8414's location, then OpenID Connect Discovery's — a location that fails (any status but 200,
 * or no answer, as a browser reports a 404 without CORS headers) moves on to the next; the first 200 is taken. Its `issuer` must equal
 * the argument exactly (`metadata_issuer_mismatch`). When no location answered 200: `metadata_invalid` (`transport` when none answered),
 * naming every location tried. `requestTimeoutMs` (default 30000) bounds the whole discovery (`timeout`); `signal` aborts the call.
 * Cached in memory (at most 16 issuers, one hour each). `fetch` defaults to the global one.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
 */
export function discover(
  issuer: string,
  options?: { fetch?: typeof fetch; cache?: boolean; requestTimeoutMs?: number; signal?: AbortSignal },
): Promise<ServerMetadata>;
/**
 * The **verified** claims of an id_token: its signature checked with WebCrypto against the issuer's JWKS (RS256, PS256, ES256, EdDSA
 * where the runtime has Ed25519; the JWKS is cached, and fetched again for an unknown `kid` at most once per 30 s, that refetch shared
 * by concurrent calls — otherwise `jwk_not_found` without a request), then `iss`, `aud`, `azp`, `exp`/`iat` (with `leewaySecs`,
 * default 60), `sub` and `nonce`. With `original` (the verified claims of the id_token the session started with) the token is one a
 * refresh returned: it must have the same `iss`, `sub` and `aud`, an `auth_time` not earlier, and no `nonce` but the original's
 * (`id_token_invalid` otherwise). `config`: a generic config with `issuer` and `clientId`. `requestTimeoutMs` (default 30000) bounds
 * each request (`timeout`); `signal` aborts the call.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
 */
export function verifyIdToken(
  config: GenericConfig,
  idToken: string,
  options?: {
    nonce?: string;
    original?: Record<string, unknown>;
    fetch?: typeof fetch;
    now?: number | (() => number);
    leewaySecs?: number;
    requestTimeoutMs?: number;
    signal?: AbortSignal;
  },
): Promise<Record<string, unknown>>;
/**
 * The RFC 7009 revocation request for a token (`tokenTypeHint` default `"refresh_token"`), authenticated as at the token endpoint.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export function buildRevocationRequest(config: GenericConfig, options: { token: string; tokenTypeHint?: 'refresh_token' | 'access_token' }): HttpRequest;
/**
 * The revocation endpoint's answer: returns on 200 (also for a token the server did not know), throws the RFC 6749 §5.2 error otherwise.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.2
 */
export function parseRevocationResponse(
  config: GenericConfig,
  options: { token: string; tokenTypeHint?: 'refresh_token' | 'access_token' },
  response: HttpResponseLike,
): void;

/** A storage adapter; methods may return promises. Values are strings. */
export interface StorageAdapter {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  remove(key: string): void | Promise<void>;
}

/**
 * Storage in this page's memory only (the default): lost on reload, invisible to other tabs.
 * @see {@link OAuthClientOptions.storage}
 */
export function memoryStorage(): StorageAdapter;

export interface RetryPolicy {
  /** Default 2. */
  maxRateLimitRetries?: number;
  /** Longest single wait on 429, ms; default 30000. */
  maxWaitMs?: number;
  /** Wait when a 429 names none, ms; default 1000. */
  defaultWaitMs?: number;
}

export interface OAuthClientOptions {
  /** Where tokens live. Default `"memory"` (lost on reload). `"local"` is shared by tabs but readable by any script on the origin. */
  storage?: 'memory' | 'session' | 'local' | StorageAdapter;
  /** Storage key prefix; default `tsunagi:{provider}:{clientId}`. */
  key?: string;
  fetch?: typeof fetch;
  /** Clock (epoch ms); default `Date.now`. */
  now?: () => number;
  /** Refresh this long before expiry (capped at half the lifetime); default 60. */
  leewaySecs?: number;
  retryPolicy?: RetryPolicy;
  /**
   * How long each request may take, ms (`timeout` after it); default 30000. Every request the client sends honours it: the metadata
   * (the whole discovery), the JWKS, the token and revocation endpoints (the body read included), the API (until its answer's head).
   */
  requestTimeoutMs?: number;
  /** Cross-tab refresh lock: Web Locks when available (`"auto"`), a localStorage lease (`"lease"`), or none. */
  locks?: 'auto' | 'lease' | 'none';
  /**
   * Renew the tokens ahead of expiry (`leewaySecs` before it) without waiting for a call. Default `false`. Each tab schedules from
   * the stored expiry and re-checks when the page becomes visible again (after a computer slept); the renewal takes the same
   * refresh lock and re-reads the storage, so timers in several tabs cause one refresh. Stopped by `logout()` (until new tokens
   * are stored) and by `close()`. A failed renewal is told as `"refresh_failed"`.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
   */
  autoRefresh?: boolean;
}

/** What {@link OAuthClient.onChange} listeners are told. */
export type OAuthClientEvent = 'tokens' | 'logout' | 'refresh_failed';

/**
 * The arguments of an {@link OAuthClient.onChange} listener: `"tokens"` (new tokens stored) and `"logout"` (the session cleared), from
 * this tab or another (`remote`); `"refresh_failed"`, from this tab only, with what the renewal threw (usually a {@link TsunagiError}:
 * a transient failure keeps the session; one that ends it — `requiresReauthorization` — follows a `"logout"`).
 */
export type OAuthClientEventArgs = [type: 'tokens' | 'logout', info: { remote: boolean }] | [type: 'refresh_failed', info: { remote: false; error: unknown }];

/**
 * A JWT's claims as a user's: OpenID Connect Core §5.1's standard claims with their types, each optional (a provider sends the ones
 * its scopes grant, LawVu's access token only `sub` and its own), and any other claim as `unknown` (e.g. LawVu's `organisationId`).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 */
export interface UserClaims {
  [claim: string]: unknown;
  /** The subject: the user's identifier at the issuer. */
  sub?: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  preferred_username?: string;
  profile?: string;
  picture?: string;
  website?: string;
  email?: string;
  email_verified?: boolean;
  gender?: string;
  /** `YYYY-MM-DD` or `YYYY`. */
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  phone_number?: string;
  phone_number_verified?: boolean;
  /** OpenID Connect Core §5.1.1. */
  address?: {
    formatted?: string;
    street_address?: string;
    locality?: string;
    region?: string;
    postal_code?: string;
    country?: string;
  };
  /** Epoch seconds. */
  updated_at?: number;
}

/**
 * The signed-in user's claims, **unverified**: decoded from a JWT without checking its signature, issuer or audience. For display
 * only, never for an access decision (the API decides, with the access token).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-4
 */
export interface UnverifiedUser {
  claims: UserClaims;
  /** `"id_token"`: the stored set's `extra.id_token` (an OpenID provider's); `"access_token"`: the access token, when it is a JWT (LawVu). */
  source: 'id_token' | 'access_token';
  /** Always `false`: nothing was verified. */
  verified: false;
}

/** What {@link OAuthClient.handleRedirect} resolves to. */
export interface RedirectResult<AppState = unknown> {
  /** The stored TokenSet (what {@link OAuthClient.handleCallback} returns). */
  tokens: TokenSet;
  /** `authorize({ appState })`'s value, as JSON brought it back; `undefined` when none was given. */
  appState: AppState | undefined;
  /** The id_token's claims, **verified** (signature, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`); `null` when the login had no id_token. */
  verifiedClaims: Record<string, unknown> | null;
}

/** What {@link OAuthClient.logout} resolves to. */
export interface LogoutResult {
  /** The server revoked the tokens (RFC 7009); `false` when it has no revocation endpoint or there was nothing to revoke. */
  revoked: boolean;
  /** Why the revocation failed (the session is forgotten here anyway). */
  error?: TsunagiError;
}

export interface AuthorizeOptions {
  extraParams?: Params;
  /** Also go there (`location.assign`). */
  navigate?: boolean;
  /** Any JSON value (e.g. the route to return to), kept with the pending state in sessionStorage — never sent to the provider — and given back by {@link OAuthClient.handleRedirect}. */
  appState?: unknown;
  signal?: AbortSignal;
}

export interface CallbackOptions {
  /**
   * Default `true`: when the callback URL is the page's location, remove the authorization response's parameters (`code`, `state`,
   * `iss`, `session_state`, `error`, `error_description`, `error_uri`) from the address bar with `history.replaceState` once it is
   * handled — from the query and from a hash route's (`#/callback?code=…`); other parameters and `history.state` are kept.
   */
  cleanUrl?: boolean;
  /** Rejects the call with the signal's reason; an exchange already sent still finishes and stores its tokens (a second call for the URL gets them). */
  signal?: AbortSignal;
}

export interface GetAccessTokenOptions {
  /**
   * Renew now even if the stored token looks fresh (e.g. the API refused it): under the same refresh lock and single flight, so
   * concurrent forced calls, here or in other tabs, still cause one refresh. A user's set without a refresh token is returned as it is.
   * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
   */
  forceRefresh?: boolean;
  /** Rejects the call with the signal's reason; a refresh already sent still finishes and is stored (a single-use refresh token is never lost). */
  signal?: AbortSignal;
}

/**
 * The browser-only public-client flow (LawVu's 1-day mode): authorization code with PKCE, refresh without races across calls and tabs, and
 * `fetch` with the bearer token.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14 (refresh token rotation)
 */
export class OAuthClient {
  constructor(config: Config, options?: OAuthClientOptions);
  /**
   * Stores state (and PKCE verifier, and `appState`) in sessionStorage; returns the URL, and goes there with `navigate: true`.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
   * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
   */
  authorize(options?: AuthorizeOptions): Promise<string>;
  /**
   * On the redirect URI: verifies state, exchanges the code, stores the tokens; resolves to them with `authorize()`'s `appState`.
   * Default `href`: `location.href`. A second call for the same URL while the first runs (React StrictMode's double effects, a
   * component mounted twice) shares its exchange and result; once settled the callback is spent (`state_missing`).
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
   */
  handleRedirect<AppState = unknown>(href?: string | URL, options?: CallbackOptions): Promise<RedirectResult<AppState>>;
  /**
   * {@link OAuthClient.handleRedirect}'s tokens alone: verifies state, exchanges the code, stores and returns the tokens.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
   */
  handleCallback(href?: string | URL, options?: CallbackOptions): Promise<TokenSet>;
  /**
   * A valid access token; at most one refresh runs at a time across calls and tabs. With a known `issuer`, an id_token a refresh
   * returns is verified before the set is stored (signature, claims, and OpenID Connect Core §12.2: the same `iss`, `sub` and `aud`
   * as the login's, `auth_time` not earlier); one that fails rejects the call (`id_token_invalid`, `jwk_not_found`, …) and nothing
   * is stored: the old set is kept.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
   * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
   */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>;
  /** The stored tokens, without refreshing. */
  getTokens(): Promise<TokenSet | null>;
  /**
   * Whether a session is usable without the user: tokens are stored and their access token is fresh or can be renewed (a refresh
   * token not known to be expired; a client's own token). Reads the storage only: nothing is sent.
   */
  isAuthenticated(): Promise<boolean>;
  /**
   * The user's **unverified** claims, from the stored `id_token` if any, else from a JWT access token; `null` without tokens or claims.
   * Reads the storage only.
   * @see {@link UnverifiedUser}
   */
  getUser(): Promise<UnverifiedUser | null>;
  /**
   * The claims of the id_token received at login (or with the latest refresh), **verified** before the tokens were stored (signature
   * against the issuer's keys, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`; a refresh's also against the login's, OpenID Connect Core
   * §12.2); `null` when the login had no id_token. Reads the storage only.
   * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
   */
  getVerifiedClaims(): Promise<Record<string, unknown> | null>;
  /**
   * API call with the bearer token; one refresh-and-retry on 401, bounded waits on 429. `input` is a path under the API base.
   * `init.signal` aborts the call (a refresh it started still finishes and is stored).
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /**
   * Forgets the session here and in other tabs; stops `autoRefresh` until new tokens are stored. Where the server has a revocation
   * endpoint, revokes the refresh token (else the access token) first.
   * @see https://www.rfc-editor.org/rfc/rfc7009
   */
  logout(): Promise<LogoutResult>;
  /** Stops listening to other tabs (closes the BroadcastChannel) and stops `autoRefresh`. */
  close(): void;
  /**
   * Calls `listener` on "tokens" (new tokens stored) and "logout" (the session cleared), here or in another tab, and on
   * "refresh_failed" (this tab's renewal failed, with the error); returns an unsubscribe function.
   * @see {@link OAuthClientEventArgs}
   */
  onChange(listener: (...event: OAuthClientEventArgs) => void): () => void;
}

/** `GET /session` of the Worker: which connections this session is signed in to (`providers`, keyed by
 * connection name) and every configured connection (`connections`); never a token. */
export interface BrokerSession {
  signed_in: boolean;
  /** Every configured connection: its kind, whether this session is signed in to it, or the error code and message of an invalid one. */
  connections?: Record<
    string,
    {
      profile?: 'lawvu' | 'logiless' | 'legalon' | 'generic';
      grant?: 'authorization_code' | 'client_credentials';
      held?: boolean;
      unattended?: boolean;
      server?: boolean;
      revocation?: boolean;
      signed_in: boolean;
      error?: ErrorCode;
      /** With `error`: what is wrong (the field, never a secret's value), as the connection's own routes say. */
      message?: string;
    }
  >;
  providers: Record<
    string,
    {
      claims?: Record<string, unknown>;
      userName?: string;
      access_expires_at: number | null;
      refresh_expires_at: number | null;
      access_fingerprint: string;
      refresh_fingerprint: string | null;
      scope: string | null;
      /** Present when the connection's tokens are DPoP-bound (RFC 9449) to a key the Worker holds. */
      dpop_bound?: true;
      userId?: string;
      emailDomain?: string;
    }
  >;
  session_expires_at?: number | null;
}

/**
 * The tsunagi Worker (backend-for-frontend) from the page: the page holds no token, only the Worker's HttpOnly cookie.
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-browser-based-apps/ (the Backend For Frontend pattern)
 */
export class BrokerClient {
  /** `baseUrl`: the Worker's origin ('' = this origin; another origin must be in its ALLOWED_ORIGINS). */
  constructor(options?: { baseUrl?: string; fetch?: typeof fetch });
  /** `{base}/auth/{provider}/login?return_to=…` */
  loginUrl(provider: string, options?: { returnTo?: string }): string;
  /** Navigates there. */
  login(provider: string, options?: { returnTo?: string }): void;
  /** Signed out: `{ signed_in: false, providers: {} }`. */
  session(options?: { signal?: AbortSignal }): Promise<BrokerSession>;
  /**
   * The provider's answer as it came (a 404 from the API is a Response); throws TsunagiError for the Worker's own refusals and
   * failures. `init.signal` aborts it: the call rejects with the signal's reason.
   */
  fetch(provider: string, path: string, init?: RequestInit): Promise<Response>;
  /** Rotates the refresh token now; fingerprints only. `session_expires_at`: the session's new end (epoch ms). An abort only stops the waiting: the Worker keeps what it rotated. */
  refresh(
    provider: string,
    options?: { signal?: AbortSignal },
  ): Promise<{
    provider: string;
    old_refresh_fingerprint: string | null;
    new_refresh_fingerprint: string | null;
    session: BrokerSession['providers'][string];
    session_expires_at: number | null;
  }>;
  /** One provider, or (no argument) the whole session. */
  logout(provider?: string, options?: { signal?: AbortSignal }): Promise<void>;
}
