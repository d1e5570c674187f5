// Type definitions for `tsunagi/react` (js/react.js; hand-written, kept in step with it; `make test-types`
// compiles them with tsc --strict against tests/types/). React ≥ 18 is an optional peer dependency.

import type { ReactElement, ReactNode } from 'react';
import type { AuthorizeOptions, GetAccessTokenOptions, LogoutResult, OAuthClient, RedirectResult, TsunagiError, UnverifiedUser } from './index.js';

/**
 * The props of {@link TsunagiProvider}. `AppState` is what the app gives `login({ appState })` (any JSON value): name it once on the
 * provider — `<TsunagiProvider<{ returnTo: string }> …>`, or by annotating `onRedirect`'s parameter — and `onRedirect` receives it typed.
 * It is the app's word, not checked: it comes back through sessionStorage as JSON.
 */
export interface TsunagiProviderProps<AppState = unknown> {
  /**
   * The app's one client, made once outside any component (a client made during render would be made again by every render, and
   * twice under StrictMode). The provider never closes it.
   */
  client: OAuthClient;
  /**
   * Called once after the provider handled the redirect back from the provider, with the stored tokens and `login({ appState })`'s
   * value (e.g. navigate to `appState.returnTo`). `code` and `state` have already left the address bar. A {@link TsunagiError} it throws
   * becomes `error`; anything else it throws is reported as an uncaught exception (`reportError`: the console, `window.onerror`).
   */
  onRedirect?: (result: RedirectResult<AppState>) => void;
  children?: ReactNode;
}

/**
 * Gives `client`'s session to {@link useTsunagi} below it. When the page is an authorization response (`state` with `code` or `error`,
 * in the query or a hash route's), it first calls `client.handleRedirect()` — one code exchange even when StrictMode runs the effect
 * twice — and then {@link TsunagiProviderProps.onRedirect}. It then follows `client.onChange`: tokens stored or a logout, in this tab
 * or another, and `"refresh_failed"`. It never refreshes by itself (`autoRefresh` is the client's option).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export function TsunagiProvider<AppState = unknown>(props: TsunagiProviderProps<AppState>): ReactElement;

/** {@link TsunagiState.login}'s options: `authorize()`'s, less `navigate` (always `true`). */
export type LoginOptions = Omit<AuthorizeOptions, 'navigate'>;

/**
 * What {@link useTsunagi} returns; re-rendered when the session changes. `getAccessToken`, `fetch`, `login` and `logout` keep their identity
 * while the provider's client does (safe in an effect's dependencies).
 */
export interface TsunagiState {
  /** `true` until the first read of the storage (after the callback, on the redirect URI). */
  isLoading: boolean;
  /** `client.isAuthenticated()`: tokens are stored and usable, or renewable, without the user. */
  isAuthenticated: boolean;
  /** `client.getUser()` while authenticated, else `null`: claims **unverified**, for display only. */
  user: UnverifiedUser | null;
  /**
   * `null`, or the last failure: of the callback (e.g. `access_denied`, `state_mismatch`), of a renewal (`"refresh_failed"`; with
   * `requiresReauthorization` the session is gone) or a {@link TsunagiError} thrown by `onRedirect`. Always a `TsunagiError`: what is
   * not one is reported as an uncaught exception (`reportError`) instead. Cleared when tokens are stored or the session ends.
   */
  error: TsunagiError | null;
  /** `client.getAccessToken(options)`: a valid access token; concurrent calls (and other tabs) share one refresh. */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>;
  /** `client.authorize({ ...options, navigate: true })`: goes to the provider; `appState` comes back to `onRedirect`. */
  login(options?: LoginOptions): Promise<string>;
  /**
   * `client.fetch(input, init)`: an API call with the bearer token, `input` a path under the API base; one refresh-and-retry on 401,
   * bounded waits on 429 (the client's `retryPolicy`).
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** `client.logout()`: forgets the session here and in other tabs (revoking its token where the server can). */
  logout(): Promise<LogoutResult>;
}

/**
 * The session of the nearest {@link TsunagiProvider}; throws outside one.
 */
export function useTsunagi(): TsunagiState;
