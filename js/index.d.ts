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
 * Every failure of the package. Messages never contain a secret, code or token.
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

/** LawVu. Public client (browser): no `clientSecret` (1-day refresh tokens). With a secret (server only): 30 days. */
export interface LawVuConfig {
  provider: 'lawvu';
  environment: 'sandbox' | 'production';
  clientId: string;
  redirectUri: string;
  /** Server side only: OAuthClient refuses it in a browser. */
  clientSecret?: string;
  regionHint?: string;
  /** Overrides (e.g. the local sandbox): `https://host/#/authorize`, token URL, API base. */
  authorizeUrl?: string;
  tokenUrl?: string;
  apiBase?: string;
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

/** Any RFC 6749 server. */
export interface GenericConfig {
  provider: 'generic';
  authorizationEndpoint?: string;
  tokenEndpoint: string;
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
  | { grantType: 'authorization_code'; code: string; codeVerifier?: string }
  | { grantType: 'refresh_token'; refreshToken: string }
  | { grantType: 'client_credentials' };

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
export function beginAuthorization(config: Config, options?: { extraParams?: Params }): { url: string; state: string; codeVerifier: string | null };
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
 * The redirect URL back from the provider → `{ code }`; throws on `error=` (e.g. `access_denied`), a missing or different `state`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export function parseCallback(url: string | URL, expectedState: string): { code: string };
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
  /** Token endpoint timeout; default 30000. */
  requestTimeoutMs?: number;
  /** Cross-tab refresh lock: Web Locks when available (`"auto"`), a localStorage lease (`"lease"`), or none. */
  locks?: 'auto' | 'lease' | 'none';
}

/**
 * The browser-only public-client flow (LawVu's 1-day mode): authorization code with PKCE, refresh without races across calls and tabs, and
 * `fetch` with the bearer token.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14 (refresh token rotation)
 */
export class OAuthClient {
  constructor(config: Config, options?: OAuthClientOptions);
  /** Stores state (and PKCE verifier) in sessionStorage; returns the URL, and goes there with `navigate: true`. */
  authorize(options?: { extraParams?: Params; navigate?: boolean }): Promise<string>;
  /** Verifies state, exchanges the code, stores and returns the tokens. Default `href`: `location.href`. */
  handleCallback(href?: string | URL): Promise<TokenSet>;
  /** A valid access token; at most one refresh runs at a time across calls and tabs. */
  getAccessToken(): Promise<string>;
  /** The stored tokens, without refreshing. */
  getTokens(): Promise<TokenSet | null>;
  /** API call with the bearer token; one refresh-and-retry on 401, bounded waits on 429. `input` is a path under the API base. */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  logout(): Promise<void>;
  /** Stops listening to other tabs (closes the BroadcastChannel). */
  close(): void;
  /** "tokens" when new tokens were stored, "logout" when the session was cleared (here or in another tab). */
  onChange(listener: (type: 'tokens' | 'logout', info: { remote: boolean }) => void): () => void;
}

/** `GET /session` of the Worker: who is signed in to which providers; never a token. */
export interface BrokerSession {
  signed_in: boolean;
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
  session(): Promise<BrokerSession>;
  /** The provider's answer as it came (a 404 from the API is a Response); throws TsunagiError for the Worker's own refusals and failures. */
  fetch(provider: string, path: string, init?: RequestInit): Promise<Response>;
  /** Rotates the refresh token now; fingerprints only. `session_expires_at`: the session's new end (epoch ms). */
  refresh(provider: string): Promise<{
    provider: string;
    old_refresh_fingerprint: string | null;
    new_refresh_fingerprint: string | null;
    session: BrokerSession['providers'][string];
    session_expires_at: number | null;
  }>;
  /** One provider, or (no argument) the whole session. */
  logout(provider?: string): Promise<void>;
}
