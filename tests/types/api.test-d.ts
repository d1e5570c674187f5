// Type tests of the npm package's declarations (js/index.d.ts), compiled by `make test-types`
// (`tsc -p tests/types`, strict; never run). `import … from 'tsunagi'` reads js/index.d.ts through
// the `paths` mapping in tsconfig.json, as an app's import reads pkg/index.d.ts.
//
// `expectType<T>()(value)` compiles only when `value`'s type is exactly `T` (not a sub- or
// supertype, not `any`), like tsd's `expectType`; `expectAssignable<T>(value)` when `value` may
// stand for a `T`. `// @ts-expect-error` marks a line that must not compile (tsc fails when the
// line below it compiles after all).
import {
  type BrokerSession,
  type Config,
  type ErrorCode,
  type GenericConfig,
  type Grant,
  type HttpRequest,
  type HttpResponseLike,
  type LawVuConfig,
  type LegalOnConfig,
  type LogilessConfig,
  type LogoutResult,
  type ServerMetadata,
  type OAuthClientEvent,
  type OAuthClientEventArgs,
  type RedirectResult,
  type StorageAdapter,
  type TokenSet,
  type UnverifiedUser,
  type UserClaims,
  BrokerClient,
  OAuthClient,
  TsunagiError,
  beginAuthorization,
  buildApiRequest,
  buildAuthorizationUrl,
  buildRevocationRequest,
  buildTokenRequest,
  createPkce,
  createState,
  decodeJwtClaims,
  discover,
  memoryStorage,
  nextStep,
  parseCallback,
  parseRevocationResponse,
  parseTokenResponse,
  pkceChallenge,
  verifyIdToken,
} from 'tsunagi';
import { type LoginOptions, type TsunagiProviderProps, type TsunagiState, TsunagiProvider, useTsunagi } from 'tsunagi/react';
import type { ReactElement } from 'react';
import { BrokerClient as WasmFreeBroker, type BrokerSession as WasmFreeSession, TsunagiError as WasmFreeError } from 'tsunagi/broker';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

function expectType<T>() {
  return <U>(value: U & (Equals<T, U> extends true ? unknown : never)): U => value;
}

/** Compiles when `value` may be passed where a `T` is wanted (tsd's `expectAssignable`). */
function expectAssignable<T>(value: T): T {
  return value;
}

// --- configs ------------------------------------------------------------------------------------

const lawvu: LawVuConfig = { provider: 'lawvu', environment: 'sandbox', clientId: 'acme', redirectUri: 'https://app.example/cb' };
// the local sandbox (endpoints.json): with all three URLs, no environment is needed (issue 23)
const lawvuSandbox: LawVuConfig = {
  provider: 'lawvu',
  clientId: 'acme',
  redirectUri: 'http://localhost:5173/',
  authorizeUrl: 'http://127.0.0.1:9400/#/authorize',
  tokenUrl: 'http://127.0.0.1:9400/account-apis/v1/auth/token',
  apiBase: 'http://127.0.0.1:9400',
};
// @ts-expect-error without all three URLs, the environment picks the hosts
const lawvuPartial: LawVuConfig = { provider: 'lawvu', clientId: 'acme', redirectUri: 'http://localhost:5173/', tokenUrl: 'http://127.0.0.1:9400/token' };
const logiless: LogilessConfig = { provider: 'logiless', clientId: 'c', clientSecret: 's', redirectUri: 'https://app.example/cb', merchantId: 'm' };
const legalon: LegalOnConfig = { provider: 'legalon', region: 'jp', credentials: 'Y2xpZW50OnNlY3JldA==' };
const generic: GenericConfig = {
  provider: 'generic',
  authorizationEndpoint: 'https://as.example/authorize',
  tokenEndpoint: 'https://as.example/token',
  clientId: 'c',
  redirectUri: 'https://app.example/cb',
  clientAuth: 'client_secret_basic',
  tokenMethod: 'GET',
  pkce: false,
  hashRoute: true,
  refreshLifetimeSecs: 86_400,
  dpop: 'auto',
};
// @ts-expect-error dpop is true, false or 'auto'
const _badDpop: GenericConfig = { provider: 'generic', tokenEndpoint: 'https://as.example/token', dpop: 'yes' };
const configs: Config[] = [lawvu, logiless, legalon, generic];
const config: Config = lawvu;
// the provider field narrows the union
if (config.provider === 'lawvu') expectType<'sandbox' | 'production'>()(config.environment);

// @ts-expect-error LawVu needs its environment
expectAssignable<Config>({ provider: 'lawvu', clientId: 'acme', redirectUri: 'https://app.example/cb' });
// @ts-expect-error Logiless is always confidential: its secret is required
expectAssignable<Config>({ provider: 'logiless', clientId: 'c', redirectUri: 'https://app.example/cb' });
// @ts-expect-error LegalOn's regions are 'us' and 'jp'
expectAssignable<Config>({ provider: 'legalon', region: 'eu', credentials: 'x' });
// @ts-expect-error no such provider
expectAssignable<Config>({ provider: 'github', clientId: 'c' });
// @ts-expect-error a generic server needs its token endpoint or its issuer
expectAssignable<Config>({ provider: 'generic', clientId: 'c' });
expectAssignable<Config>({
  provider: 'generic',
  issuer: 'https://as.example',
  clientId: 'c',
  scope: 'openid offline_access',
  resource: ['https://api.example/'],
});
// @ts-expect-error resource indicators are strings
expectAssignable<Config>({ provider: 'generic', issuer: 'https://as.example', clientId: 'c', resource: [1] });
// @ts-expect-error not a client authentication method
expectAssignable<Config>({ provider: 'generic', tokenEndpoint: 'https://as.example/token', clientAuth: 'private_key_jwt' });
// @ts-expect-error a misspelt field is caught (clientID)
expectAssignable<Config>({ provider: 'lawvu', environment: 'sandbox', clientID: 'acme', redirectUri: 'https://app.example/cb' });

// --- authorization request ----------------------------------------------------------------------

expectType<string>()(buildAuthorizationUrl(config));
expectType<string>()(buildAuthorizationUrl(config, { state: 's', codeChallenge: 'c', extraParams: { prompt: 'login' } }));
expectType<string>()(buildAuthorizationUrl(config, { extraParams: [['prompt', 'login']] }));
expectType<string>()(buildAuthorizationUrl(config, { extraParams: new Map([['prompt', 'login']]) }));
expectType<string>()(buildAuthorizationUrl(config, { extraParams: new URLSearchParams({ prompt: 'login' }) }));
// @ts-expect-error the config comes first
buildAuthorizationUrl();
// @ts-expect-error state is a string
buildAuthorizationUrl(config, { state: 1 });
// @ts-expect-error extra parameters are strings
buildAuthorizationUrl(config, { extraParams: { max_age: 0 } });

expectType<{ url: string; state: string; codeVerifier: string | null; nonce: string | null }>()(beginAuthorization(config));
expectType<{ url: string; state: string; codeVerifier: string | null; nonce: string | null }>()(
  beginAuthorization(config, { extraParams: { prompt: 'login' } }),
);
// @ts-expect-error beginAuthorization makes its own state
beginAuthorization(config, { state: 's' });

expectType<{ verifier: string; challenge: string }>()(createPkce());
// @ts-expect-error createPkce takes nothing
createPkce('verifier');
expectType<string>()(pkceChallenge('verifier'));
// @ts-expect-error the verifier is required
pkceChallenge();
expectType<string>()(createState());

// --- callback -----------------------------------------------------------------------------------

expectType<{ code: string }>()(parseCallback('https://app.example/cb?code=c&state=s', 's'));
expectType<{ code: string }>()(parseCallback(new URL('https://app.example/cb?code=c&state=s'), 's'));
// @ts-expect-error the expected state is required (RFC 6749 §10.12)
parseCallback('https://app.example/cb?code=c&state=s');
// @ts-expect-error a Location is not a URL
parseCallback(globalThis.location, 's');

// --- token request and response -----------------------------------------------------------------

const grants: Grant[] = [
  { grantType: 'authorization_code', code: 'c' },
  { grantType: 'authorization_code', code: 'c', codeVerifier: 'v' },
  { grantType: 'authorization_code', code: 'c', resource: ['https://api.example/', 'urn:example:b'] },
  { grantType: 'refresh_token', refreshToken: 'r' },
  { grantType: 'client_credentials' },
];
const tokenRequest = buildTokenRequest(config, { grantType: 'authorization_code', code: 'c' });
expectType<HttpRequest>()(tokenRequest);
expectType<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'>()(tokenRequest.method);
expectType<string>()(tokenRequest.url);
expectType<Record<string, string>>()(tokenRequest.headers);
// null for Logiless' GET token requests
expectType<string | null>()(tokenRequest.body);
// @ts-expect-error a refresh grant carries its refresh token
buildTokenRequest(config, { grantType: 'refresh_token' });
// @ts-expect-error an authorization-code grant carries its code
buildTokenRequest(config, { grantType: 'authorization_code', codeVerifier: 'v' });
// @ts-expect-error a code exchange takes no scope (RFC 6749 §4.1.3)
buildTokenRequest(config, { grantType: 'authorization_code', code: 'c', scope: 'openid' });
// @ts-expect-error no password grant (RFC 9700 §2.4)
buildTokenRequest(config, { grantType: 'password', username: 'u', password: 'p' });
// @ts-expect-error the grant is required
buildTokenRequest(config);

declare const headers: Headers;
const responses: HttpResponseLike[] = [
  { status: 200, body: '{}' },
  { status: 200, headers, body: '{}' },
  { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' },
  { status: 200, headers: [['content-type', 'application/json']], body: '{}' },
];
const tokens = parseTokenResponse({ status: 200, headers, body: '{}' });
expectType<TokenSet>()(tokens);
expectType<TokenSet>()(parseTokenResponse(responses[0] as HttpResponseLike, { now: 0, previous: tokens, config, grantType: 'refresh_token' }));
expectType<string>()(tokens.accessToken);
expectType<string>()(tokens.tokenType);
expectType<number>()(tokens.issuedAt);
expectType<number | null>()(tokens.expiresAt);
expectType<string | undefined>()(tokens.refreshToken);
expectType<number | undefined>()(tokens.refreshExpiresAt);
expectType<string | undefined>()(tokens.scope);
expectType<string | undefined>()(tokens.apiBaseUrl);
expectType<Record<string, unknown>>()(tokens.extra);
expectType<'user' | 'client_credentials' | undefined>()(tokens.grant);
declare const fetched: Response;
// @ts-expect-error a fetch Response's body is a stream: pass `await res.text()`
parseTokenResponse(fetched);
// @ts-expect-error the body is text
parseTokenResponse({ status: 200, body: new ArrayBuffer(0) });
// @ts-expect-error grantType is one of the three grants
parseTokenResponse({ status: 200, body: '{}' }, { grantType: 'implicit' });
// @ts-expect-error now is epoch milliseconds, not a Date
parseTokenResponse({ status: 200, body: '{}' }, { now: new Date() });

// --- using the tokens ---------------------------------------------------------------------------

expectType<'use_access_token' | 'refresh' | 'reacquire' | 'reauthorize'>()(nextStep(config, tokens));
expectType<'use_access_token' | 'refresh' | 'reacquire' | 'reauthorize'>()(nextStep(config, null, { now: 0, leewaySecs: 30 }));
expectType<'use_access_token' | 'refresh' | 'reacquire' | 'reauthorize'>()(nextStep(config, undefined));
// @ts-expect-error the tokens argument is required (null when there are none)
nextStep(config);

expectType<HttpRequest>()(buildApiRequest(config, tokens, '/matter-apis/v1/matters'));
expectType<HttpRequest>()(buildApiRequest(config, tokens, new URL('https://api.example/v1/items'), { method: 'POST', body: '{}' }));
// @ts-expect-error an API request needs tokens
buildApiRequest(config, null, '/v1/items');
// @ts-expect-error the body is a JSON text, not an object
buildApiRequest(config, tokens, '/v1/items', { method: 'POST', body: { a: 1 } });

expectType<Record<string, unknown>>()(decodeJwtClaims(tokens.accessToken));
// @ts-expect-error a JWT is a string
decodeJwtClaims(tokens);

// --- OpenID Connect, RFC 8414 metadata, RFC 7009 revocation ------------------------------------

async function oidc() {
  const meta = await discover('https://as.example', { fetch });
  expectType<ServerMetadata>()(meta);
  expectType<boolean | undefined>()(meta.authorization_response_iss_parameter_supported);
  expectType<string[] | undefined>()(meta.dpop_signing_alg_values_supported);
  const generic: GenericConfig = { provider: 'generic', issuer: meta.issuer, metadata: meta, clientId: 'c' };
  // RFC 9126 PAR: the metadata's members, and the config's choice
  expectType<string | undefined>()(meta.pushed_authorization_request_endpoint);
  expectType<boolean | undefined>()(meta.require_pushed_authorization_requests);
  expectAssignable<GenericConfig>({ provider: 'generic', issuer: meta.issuer, clientId: 'c', par: true });
  // @ts-expect-error par is true or false (absent: when the server requires it)
  expectAssignable<GenericConfig>({ provider: 'generic', issuer: meta.issuer, clientId: 'c', par: 'auto' });
  expectType<Record<string, unknown>>()(await verifyIdToken(generic, 'h.p.s', { nonce: 'n', leewaySecs: 30 }));
  // @ts-expect-error the id_token is a string
  await verifyIdToken(generic, 1);
  expectType<HttpRequest>()(buildRevocationRequest(generic, { token: 'rt', tokenTypeHint: 'refresh_token' }));
  // @ts-expect-error only refresh and access tokens are revocable here
  buildRevocationRequest(generic, { token: 'rt', tokenTypeHint: 'id_token' });
  expectType<void>()(parseRevocationResponse(generic, { token: 'rt' }, { status: 200, body: '' }));
  expectType<{ code: string }>()(parseCallback('https://app.example/cb?code=c&state=s&iss=x', 's', { issuer: meta.issuer, requireIss: true }));
  expectType<HttpRequest>()(buildTokenRequest(generic, { grantType: 'client_credentials', scope: 'api:read', resource: 'https://api.example/' }));
  expectType<HttpRequest>()(buildTokenRequest(generic, { grantType: 'refresh_token', refreshToken: 'rt', scope: 'api:read' }));
  const r: LogoutResult = { revoked: false };
  expectType<boolean>()(r.revoked);
}
void oidc;

// --- errors -------------------------------------------------------------------------------------

function handle(e: unknown): void {
  if (!(e instanceof TsunagiError)) return;
  const asError: Error = e;
  expectType<string>()(asError.message);
  expectType<'TsunagiError'>()(e.name);
  expectType<ErrorCode>()(e.code);
  expectType<string>()(e.message);
  expectType<number | undefined>()(e.status);
  expectType<string | undefined>()(e.requestId);
  expectType<string | undefined>()(e.oauthError);
  expectType<string | undefined>()(e.description);
  expectType<string | undefined>()(e.errorUri);
  expectType<string | undefined>()(e.bodyExcerpt);
  expectType<number | undefined>()(e.refreshExpiredAt);
  expectType<number | undefined>()(e.retryAfterMs);
  expectType<boolean>()(e.requiresReauthorization);
  if (e.code === 'refresh_token_expired' || e.code === 'session_missing' || e.code === 'internal_error') return;
  // @ts-expect-error not one of the codes: TS2367, the comparison can never be true
  if (e.code === 'token_expired') return;
  // @ts-expect-error the fields are read-only
  e.code = 'invalid_grant';
}
expectType<TsunagiError>()(new TsunagiError('invalid_parameter', 'invalid_parameter: x'));
expectType<TsunagiError>()(new TsunagiError('rate_limited', 'rate_limited', { status: 429, retryAfterMs: 1000, cause: new Error('x') }));
// @ts-expect-error the code comes first, and must be one of the codes
new TsunagiError('something went wrong');
const codes: ErrorCode[] = ['invalid_config', 'state_mismatch', 'rate_limited', 'forbidden_origin', 'internal_error'];
// @ts-expect-error not an error code
expectAssignable<ErrorCode>('invalid_token');

// --- OAuthClient --------------------------------------------------------------------------------

const storage: StorageAdapter = memoryStorage();
expectType<StorageAdapter>()(memoryStorage());
const asyncStorage: StorageAdapter = {
  get: async (key: string) => key,
  set: async (_key: string, _value: string) => {},
  remove: async (_key: string) => {},
};
const syncStorage: StorageAdapter = { get: (_key) => null, set: () => {}, remove: () => {} };
// @ts-expect-error a storage adapter has get, set and remove
expectAssignable<StorageAdapter>({ get: () => null, set: () => {} });
// @ts-expect-error values are strings
expectAssignable<StorageAdapter>({ get: () => 1, set: () => {}, remove: () => {} });

const client = new OAuthClient(lawvu);
new OAuthClient(lawvu, {
  storage: 'local',
  key: 'app:lawvu',
  fetch: globalThis.fetch,
  now: Date.now,
  leewaySecs: 60,
  retryPolicy: { maxRateLimitRetries: 2, maxWaitMs: 30_000, defaultWaitMs: 1_000 },
  requestTimeoutMs: 30_000,
  locks: 'lease',
  autoRefresh: true,
});
new OAuthClient(lawvu, { storage: 'session' });
new OAuthClient(lawvu, { storage: asyncStorage, locks: 'none' });
new OAuthClient(lawvu, { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init) });
// @ts-expect-error no such storage
new OAuthClient(lawvu, { storage: 'indexeddb' });
// @ts-expect-error no such lock mode
new OAuthClient(lawvu, { locks: 'mutex' });
// @ts-expect-error autoRefresh is on or off
new OAuthClient(lawvu, { autoRefresh: 30 });
// @ts-expect-error the config is required
new OAuthClient();

async function useClient(): Promise<void> {
  expectType<Promise<string>>()(client.authorize());
  expectType<string>()(await client.authorize({ navigate: true, extraParams: { prompt: 'login' } }));
  expectType<Promise<TokenSet>>()(client.handleCallback());
  expectType<TokenSet>()(await client.handleCallback('https://app.example/cb?code=c&state=s'));
  expectType<Promise<string>>()(client.getAccessToken());
  expectType<Promise<TokenSet | null>>()(client.getTokens());
  expectType<Promise<Response>>()(client.fetch('/matter-apis/v1/matters'));
  expectType<Response>()(await client.fetch(new URL('https://api.example/v1/items'), { method: 'POST', body: '{}', signal: AbortSignal.timeout(1) }));
  expectType<Promise<LogoutResult>>()(client.logout());
  expectType<boolean>()((await client.logout()).revoked);
  expectType<Promise<Record<string, unknown> | null>>()(client.getVerifiedClaims());
  expectType<Record<string, unknown> | null>()((await client.handleRedirect()).verifiedClaims);
  expectType<void>()(client.close());
  const off = client.onChange((type, info) => {
    expectType<'tokens' | 'logout' | 'refresh_failed'>()(type);
    expectType<OAuthClientEvent>()(type);
    expectType<boolean>()(info.remote);
    if (type === 'refresh_failed') {
      // the error comes with refresh_failed only, and is never another tab's
      expectType<unknown>()(info.error);
      expectType<false>()(info.remote);
    } else {
      // @ts-expect-error tokens and logout carry no error
      info.error;
    }
  });
  expectType<() => void>()(off);
  // a listener may take nothing, or the event as one tuple
  client.onChange(() => {});
  client.onChange((...event: OAuthClientEventArgs) => event[1].remote);
  // @ts-expect-error the listener is told 'tokens', 'logout' or 'refresh_failed', never another event
  client.onChange((type: 'refresh') => type);

  // issue 17: abort signals, the app state through authorization, the user, a forced refresh
  const controller = new AbortController();
  const signal = controller.signal;
  expectType<string>()(await client.authorize({ appState: { returnTo: '/matters/42' }, signal }));
  expectType<string>()(await client.authorize({ appState: '/home' }));
  expectType<TokenSet>()(await client.handleCallback(undefined, { signal, cleanUrl: false }));
  expectType<TokenSet>()(await client.handleCallback(new URL('https://app.example/cb?code=c&state=s'), {}));
  const redirect = await client.handleRedirect();
  expectType<RedirectResult<unknown>>()(redirect);
  expectType<TokenSet>()(redirect.tokens);
  expectType<unknown>()(redirect.appState);
  const typed = await client.handleRedirect<{ returnTo: string }>(undefined, { signal });
  expectType<{ returnTo: string } | undefined>()(typed.appState);
  expectType<Promise<RedirectResult<{ returnTo: string }>>>()(client.handleRedirect<{ returnTo: string }>('https://app.example/cb?code=c&state=s'));
  // @ts-expect-error cleanUrl is a boolean
  await client.handleCallback(undefined, { cleanUrl: 'no' });
  // @ts-expect-error a signal is an AbortSignal, not its controller
  await client.handleRedirect(undefined, { signal: controller });
  expectType<string>()(await client.getAccessToken({ forceRefresh: true, signal }));
  expectType<string>()(await client.getAccessToken({ signal: AbortSignal.timeout(5_000) }));
  expectType<string>()(await client.getAccessToken({}));
  // @ts-expect-error forceRefresh is a boolean
  await client.getAccessToken({ forceRefresh: 'yes' });
  expectType<Promise<boolean>>()(client.isAuthenticated());
  const user = await client.getUser();
  expectType<UnverifiedUser | null>()(user);
  if (user) {
    expectType<UserClaims>()(user.claims);
    expectType<'id_token' | 'access_token'>()(user.source);
    expectType<false>()(user.verified);
    // @ts-expect-error the claims are never verified
    user.verified = true;
  }
  expectType<Response>()(await client.fetch('/matter-apis/v1/matters', { signal }));
  // @ts-expect-error fetch takes a path or URL under the API base, not a Request
  await client.fetch(new Request('https://api.example/v1/items'));
  // @ts-expect-error getAccessToken takes no scope
  await client.getAccessToken('read');
}

// --- BrokerClient -------------------------------------------------------------------------------

const broker = new BrokerClient();
new BrokerClient({ baseUrl: 'https://worker.example', fetch: globalThis.fetch });
// @ts-expect-error the base URL is a string
new BrokerClient({ baseUrl: new URL('https://worker.example') });

// tsunagi/broker: the same class and error, without the wasm
expectType<typeof BrokerClient>()(WasmFreeBroker);
expectType<typeof TsunagiError>()(WasmFreeError);
expectType<BrokerSession>()({} as WasmFreeSession);

async function useBroker(): Promise<void> {
  expectType<string>()(broker.loginUrl('lawvu'));
  expectType<string>()(broker.loginUrl('lawvu', { returnTo: '/home' }));
  expectType<void>()(broker.login('logiless', { returnTo: '/' }));
  const session = await broker.session();
  expectType<BrokerSession>()(session);
  expectType<boolean>()(session.signed_in);
  expectType<number | null | undefined>()(session.session_expires_at);
  const lawvuSession = session.providers.lawvu;
  if (lawvuSession) {
    expectType<number | null>()(lawvuSession.access_expires_at);
    expectType<number | null>()(lawvuSession.refresh_expires_at);
    expectType<string>()(lawvuSession.access_fingerprint);
    expectType<string | null>()(lawvuSession.refresh_fingerprint);
    expectType<string | null>()(lawvuSession.scope);
    expectType<Record<string, unknown> | undefined>()(lawvuSession.claims);
    expectType<string | undefined>()(lawvuSession.userName);
  }
  expectType<Promise<Response>>()(broker.fetch('lawvu', '/matter-apis/v1/matters'));
  expectType<Response>()(
    await broker.fetch('logiless', '/api/v1/merchant/1/articles', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
  );
  const rotated = await broker.refresh('lawvu');
  expectType<string>()(rotated.provider);
  expectType<string | null>()(rotated.old_refresh_fingerprint);
  expectType<string | null>()(rotated.new_refresh_fingerprint);
  expectType<BrokerSession['providers'][string]>()(rotated.session);
  expectType<number | null>()(rotated.session_expires_at);
  expectType<Promise<void>>()(broker.logout());
  expectType<Promise<void>>()(broker.logout('lawvu'));
  // issue 17: abort signals
  const signal = AbortSignal.timeout(5_000);
  expectType<Response>()(await broker.fetch('lawvu', '/matter-apis/v1/matters', { signal }));
  expectType<BrokerSession>()(await broker.session({ signal }));
  expectType<string>()((await broker.refresh('lawvu', { signal })).provider);
  expectType<Promise<void>>()(broker.logout(undefined, { signal }));
  expectType<Promise<void>>()(broker.logout('lawvu', { signal }));
  // @ts-expect-error session takes options, not a provider
  await broker.session('lawvu');
  // @ts-expect-error the path under the provider's API is required
  await broker.fetch('lawvu');
  // @ts-expect-error refresh names the provider
  await broker.refresh();
  // @ts-expect-error the page never sees a token: the Worker's session view has none
  session.providers.lawvu?.access_token.length;
}

// --- tsunagi/react (issue 17) ---------------------------------------------------------------------

function ReactApp(): ReactElement {
  const session = useTsunagi();
  expectType<TsunagiState>()(session);
  expectType<boolean>()(session.isLoading);
  expectType<boolean>()(session.isAuthenticated);
  expectType<UnverifiedUser | null>()(session.user);
  expectType<TsunagiError | null>()(session.error);
  expectType<Promise<string>>()(session.getAccessToken());
  expectType<Promise<string>>()(session.getAccessToken({ forceRefresh: true, signal: AbortSignal.timeout(5_000) }));
  expectType<Promise<string>>()(session.login({ appState: { returnTo: '/matters/42' } }));
  expectType<Promise<LogoutResult>>()(session.logout());
  expectType<Promise<Response>>()(session.fetch('/matter-apis/v1/matters', { signal: AbortSignal.timeout(5_000) }));
  expectAssignable<LoginOptions>({ appState: '/home', extraParams: { prompt: 'login' } });
  // @ts-expect-error login() always navigates
  session.login({ navigate: false });
  const props: TsunagiProviderProps<{ returnTo: string }> = {
    client,
    onRedirect: ({ appState, tokens }) => {
      expectType<{ returnTo: string } | undefined>()(appState);
      expectType<TokenSet>()(tokens);
    },
    children: 'the app',
  };
  // @ts-expect-error the provider needs the app's client
  TsunagiProvider({ children: null });
  return TsunagiProvider(props);
}

export { codes, configs, grants, handle, storage, syncStorage, useBroker, useClient, ReactApp, lawvuSandbox, lawvuPartial };
