// Type tests of tsunagi/react (js/react.d.ts) as an app's `.tsx` file uses it, compiled by `make test-types`
// (`tsc -p tests/types`, strict, `jsx: react-jsx`; never run). Issue 23: what an SPA developer copies must
// compile with no casts — the standard claims typed, `error` a TsunagiError, `AppState` named once on the
// provider, `fetch` from the hook, `logout()`'s LogoutResult.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { type ErrorCode, type LogoutResult, OAuthClient, type TsunagiError, type UserClaims } from 'tsunagi';
import { TsunagiProvider, useTsunagi } from 'tsunagi/react';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

function expectType<T>() {
  return function <U>(value: U & (Equals<T, U> extends true ? unknown : never)): U {
    return value;
  };
}

const client = new OAuthClient({ provider: 'lawvu', environment: 'production', clientId: 'acme-inc', redirectUri: 'https://acme-inc.com/' });

type AppState = { returnTo: string };

function Claims() {
  const { user, error, fetch, logout } = useTsunagi();
  expectType<TsunagiError | null>()(error);
  if (error) expectType<ErrorCode>()(error.code);
  expectType<Promise<LogoutResult>>()(logout());
  expectType<(input: string | URL, init?: RequestInit) => Promise<Response>>()(fetch);
  if (!user) return null;
  const claims = user.claims;
  expectType<UserClaims>()(claims);
  // OpenID Connect Core §5.1's standard claims, typed
  expectType<string | undefined>()(claims.sub);
  expectType<string | undefined>()(claims.name);
  expectType<string | undefined>()(claims.email);
  expectType<boolean | undefined>()(claims.email_verified);
  expectType<number | undefined>()(claims.updated_at);
  expectType<string | undefined>()(claims.address?.country);
  // any other claim (LawVu's organisationId) is there, as unknown
  expectType<unknown>()(claims.organisationId);
  // @ts-expect-error a standard claim keeps its type
  claims.name = 42;
  // @ts-expect-error unknown claims must be narrowed before use
  claims.organisationId.length;
  return (
    <p>
      {claims.name} {claims.email}
    </p>
  );
}

function Matters() {
  const { fetch } = useTsunagi();
  // the client's fetch: bearer, 401 → one refresh → retry, bounded waits on 429
  const load = async () => (await fetch('/matter-apis/v1/matters', { signal: AbortSignal.timeout(5_000) })).json();
  // @ts-expect-error the hook's fetch takes a path or URL under the API base, not a Request
  fetch(new Request('https://api.example/v1/items'));
  return (
    <button type="button" onClick={load}>
      Matters
    </button>
  );
}

// AppState named once on the provider: onRedirect's appState is typed
const typed = (
  <TsunagiProvider<AppState> client={client} onRedirect={({ appState }) => history.replaceState(null, '', appState?.returnTo ?? '/')}>
    <Claims />
  </TsunagiProvider>
);
// … or by onRedirect's parameter
const annotated = (
  <TsunagiProvider client={client} onRedirect={({ appState }: { appState: AppState | undefined }) => appState?.returnTo}>
    <Matters />
  </TsunagiProvider>
);
const untyped = (
  // @ts-expect-error without a name for it, appState is unknown
  <TsunagiProvider client={client} onRedirect={({ appState }) => appState?.returnTo}>
    <Matters />
  </TsunagiProvider>
);
// @ts-expect-error the provider needs the app's client
const clientless = <TsunagiProvider>{typed}</TsunagiProvider>;

const container = document.getElementById('root');
if (container)
  createRoot(container).render(
    <StrictMode>
      {typed}
      {annotated}
      {untyped}
      {clientless}
    </StrictMode>,
  );
