// tsunagi — OAuthClient: the browser-only public-client flow (LawVu's 1-day mode), with
// race-free refresh of single-use refresh tokens across calls and tabs.
//
// The flows — the code exchange, a usable token with single-flight refresh, the 401/429 API loop —
// are the shared Rust ones (crates/tsunagi-flows, the same the Worker runs), called through
// src/js/flow.rs, their HTTP requests sent from Rust through gloo-net (src/js/http.rs; the app's
// own `fetch` option overrides it). What they run on in a page is Rust on web-sys too
// (src/js/page/): the storage, the refresh lock across tabs (Web Locks, or a localStorage lease),
// the events to other tabs (BroadcastChannel) and the address bar after a callback. This file hands
// the flows those with the clock and timers (`#ports`), and holds what an app expects around them: abort
// signals, the app state carried through authorization, an idempotent callback, the unverified
// user claims, and (opt-in) renewal ahead of expiry. A generic config may name only its `issuer`:
// the metadata is discovered on first use (js/core.js `discover`, src/js/verifier.rs), the callback's `iss` checked (RFC 9207),
// an `openid` login's id_token verified (signature, claims, nonce) before anything is stored, and
// logout revokes the tokens where the server has a revocation endpoint (RFC 7009).
import { abortable, abortSignal, canRevoke, clientFor, decodeJwtClaims, fail, flow, fromWasmError, options, pairs, wasm } from './core.js';
import { WasmChannel, WasmLock, WasmStorage, cleanAddressBar, flowAccessToken, flowExchange, flowFetch, flowRevoke, refreshDueInMs } from './tsunagi_wasm.js';

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

// The code exchanges in flight in this tab, by client key and callback URL: a second
// handleCallback() for the same URL while the first runs (React StrictMode's double effects, a
// component mounted twice, two clients with the same key) shares its exchange instead of failing
// on the spent pending state. Once settled the callback is spent, as before.
const callbacks = new Map();

// autoRefresh: the longest single timer (a token lasting longer is re-checked then), and the
// waits after renewals that failed without ending the session (5 s doubling, at most 5 min).
const MAX_TIMER_MS = 3_600_000;
const retryAfterFailure = (n) => Math.min(300_000, 5_000 * 2 ** Math.max(0, n - 1));

/** Storage in this page's memory only (the default): lost on reload, invisible to other tabs. */
export function memoryStorage() {
  const m = new Map();
  return { get: (k) => (m.has(k) ? m.get(k) : null), set: (k, v) => void m.set(k, v), remove: (k) => void m.delete(k) };
}

const inBrowser = () => typeof window !== 'undefined' && typeof document !== 'undefined';

/** @typedef {{ needsMetadata: (c: any) => boolean, withMetadata: (c: any, f: any, always?: boolean, o?: any) => Promise<any>, verifyIdToken: (c: any, t: string, o?: any) => Promise<any>, beginAuthorization: (c: any, p: any, e: any) => Promise<string>, dpop: (id: string) => { dpopKey: () => Promise<any>, dpopKeep: (pair: any) => Promise<any>, dpopForget: () => Promise<unknown> } }} Oidc */

export class OAuthClient {
  /**
   * @internal OpenID Connect (discovery, the id_token verifier): js/oidc.js's subclass, which the
   * `tsunagi` entry exports, sets it; `tsunagi/lawvu`'s client has none.
   * @type {Oidc | null}
   */
  static oidc = null;
  /** @type {Oidc | null} */
  #oidc;
  #config;
  #ready = null; // the config with its discovered metadata, once known
  #handle = null; // its WasmClient (src/js/handle.rs), built once, passed to every flow
  #stepHandle = null; // before discovery: the stand-in's, for decisions about stored tokens
  #discovering = null;
  #storage;
  #pending;
  #key;
  #appFetch;
  #now;
  #leeway;
  #policy;
  #timeoutMs;
  #lock; // the refresh lock across calls and tabs (src/js/page/lock.rs)
  #channel = null; // events to the other tabs (src/js/page/channel.rs)
  #listeners = new Set();
  #auto = null; // autoRefresh: { timer, runs, failures, onVisible }

  /**
   * @param config a provider config (see index.d.ts); in a browser it must not hold a secret.
   * @param opts `{ storage, key, fetch, now, leewaySecs, retryPolicy, requestTimeoutMs, locks, autoRefresh }`
   */
  constructor(config, opts) {
    const o = options(opts, 'options');
    if (config === null || typeof config !== 'object') throw fail('invalid_config', 'config must be an object');
    if (inBrowser() && (config.clientSecret || config.credentials)) {
      throw fail(
        'invalid_config',
        'a client secret or credentials value must never be shipped to a browser: run a backend (the Worker) for confidential clients',
      );
    }
    this.#config = { ...config };
    this.#oidc = /** @type {typeof OAuthClient} */ (new.target).oidc ?? null;
    this.#now = typeof o.now === 'function' ? o.now : Date.now;
    if (!this.#oidc?.needsMetadata(this.#config)) {
      this.#handle = clientFor(this.#config); // validates the config now
      this.#ready = this.#config;
    }
    this.#storage = wasm(() => new WasmStorage(o.storage)); // src/js/page/storage.rs
    this.#pending = WasmStorage.session() ?? this.#storage;
    const id = `${config.provider}:${config.clientId ?? ''}`;
    this.#key = typeof o.key === 'string' && o.key ? o.key : `tsunagi:${id}`;
    const f = o.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw fail('invalid_config', 'no fetch function is available: pass options.fetch');
    // every request is sent from Rust (src/js/http.rs): through gloo-net (the global fetch) unless
    // the app gave its own
    this.#appFetch = o.fetch == null ? undefined : (...a) => f.apply(globalThis, a);
    this.#leeway = o.leewaySecs;
    this.#policy = o.retryPolicy;
    this.#timeoutMs = o.requestTimeoutMs ?? 30_000;
    this.#lock = wasm(() => new WasmLock(`${this.#key}:refresh`, o.locks, this.#timeoutMs + 5_000));
    this.#channel = new WasmChannel(`${this.#key}:events`, (type) => this.#emit(type, true));
    if (o.autoRefresh) this.#startAutoRefresh();
  }

  // The config the core can build a client from: an issuer-only generic config gets its metadata
  // (discovered once per client, cached per page by the wasm module; a failed discovery is retried).
  async #cfg() {
    if (this.#ready) return this.#ready;
    this.#discovering ??= this.#withOidc()
      .withMetadata(this.#config, this.#appFetch, false, { requestTimeoutMs: this.#timeoutMs })
      .then(
        (c) => {
          this.#handle = clientFor(c);
          this.#ready = c;
          return c;
        },
        (e) => {
          this.#discovering = null;
          throw e;
        },
      );
    return this.#discovering;
  }

  // OpenID Connect, which only a config with an `issuer` needs (a generic one: not in tsunagi/lawvu).
  #withOidc() {
    if (!this.#oidc) throw fail('unsupported_operation', 'OpenID Connect (discovery, id_token) is not in tsunagi/lawvu: import from "tsunagi"');
    return this.#oidc;
  }

  // The handle once the config is ready (after #cfg()).
  async #client() {
    await this.#cfg();
    return this.#handle;
  }

  // What to do with stored tokens (nextStep reads no endpoint): with the real handle, or before
  // discovery with a stand-in's, so that nothing is fetched to answer isAuthenticated().
  #nextStep(tokens) {
    if (!this.#handle) this.#stepHandle ??= clientFor({ ...this.#config, tokenEndpoint: 'https://token.invalid/' });
    const c = this.#handle ?? this.#stepHandle;
    return wasm(() => c.nextStep(tokens, this.#now(), this.#leeway));
  }

  /**
   * Calls `listener(type, info)` on "tokens" (new tokens stored) and "logout" (the session was
   * cleared), from this tab or another (`info.remote`), and on "refresh_failed" (this tab's
   * renewal failed: `info.error`); returns an unsubscribe function.
   */
  onChange(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(type, remote, error) {
    const failed = type === 'refresh_failed';
    if (type !== 'tokens' && type !== 'logout' && !(failed && !remote)) return;
    // a notification only: tokens never cross the channel; a failure is told to this tab only
    if (!remote && !failed) this.#channel?.post(type);
    const info = failed ? { remote, error } : { remote };
    for (const l of this.#listeners) {
      try {
        l(type, info);
      } catch {
        // a listener's failure is its own
      }
    }
    if (type === 'tokens') this.#schedule();
    else if (type === 'logout') this.#unschedule();
  }

  /** Stops listening to other tabs (closes the BroadcastChannel) and stops `autoRefresh`. */
  close() {
    this.#channel?.close();
    this.#channel?.free();
    this.#channel = null;
    this.#listeners.clear();
    this.#stopAutoRefresh();
  }

  /**
   * Whether a session is usable without the user: tokens are stored and their access token is
   * fresh, or can be renewed (a refresh token not known to be expired; a client's own token).
   * Reads the storage only: nothing is sent, nothing refreshed.
   */
  async isAuthenticated() {
    const t = await this.getTokens();
    if (!t) return false;
    try {
      return this.#nextStep(t) !== 'reauthorize';
    } catch {
      return false; // a stored value that is not a TokenSet
    }
  }

  /**
   * The signed-in user's claims, **unverified** (decoded, no signature checked: for display, never
   * for access decisions): from the `id_token` of the stored set when the provider sent one, else
   * from the access token when it is a JWT. `null` without tokens or claims.
   */
  async getUser() {
    const t = await this.getTokens();
    if (!t) return null;
    const sources = [
      ['id_token', t.extra?.id_token],
      ['access_token', t.accessToken],
    ];
    for (const [source, jwt] of sources) {
      if (typeof jwt !== 'string') continue;
      try {
        return { claims: decodeJwtClaims(jwt), source, verified: false };
      } catch {
        // not a JWT (e.g. an opaque access token): try the next
      }
    }
    return null;
  }

  /**
   * The claims of the id_token received at login, **verified**: its signature checked against the
   * issuer's keys and its `iss`, `aud`, `azp`, `exp`, `iat` and `nonce` checked, before the tokens
   * were stored. `null` when the login had no id_token (no `openid` scope, or a vendor profile).
   */
  async getVerifiedClaims() {
    const raw = await this.#storage.get(`${this.#key}:claims`);
    if (typeof raw !== 'string' || !raw) return null;
    try {
      return JSON.parse(raw);
    } catch {
      return null;
    }
  }

  /** The stored TokenSet, or `null` (no refresh is attempted). */
  async getTokens() {
    const raw = await this.#storage.get(`${this.#key}:tokens`);
    if (typeof raw !== 'string' || !raw) return null;
    try {
      const t = JSON.parse(raw);
      return t && typeof t === 'object' ? t : null;
    } catch {
      return null;
    }
  }

  /**
   * Starts authorization: stores state (and PKCE verifier, and `appState`) in sessionStorage and
   * returns the URL; `{ navigate: true }` also goes there. `appState`: any JSON value, handed back
   * by `handleRedirect()` (e.g. the route to return to). A generic OpenID Connect server's request
   * is pushed first (RFC 9126 PAR) when the config's `par` and the server's metadata say so: the
   * URL then carries only the client id and the pushed request's handle; a refused push throws.
   */
  async authorize(opts) {
    const o = options(opts, 'options');
    const signal = abortSignal(o.signal);
    if (signal?.aborted) throw signal.reason;
    const c = await abortable(this.#client(), signal);
    // with OpenID Connect, pushed first when the config's `par` and the server's metadata say so
    // (RFC 9126: the flow in src/js/flow.rs); nothing is stored before the push succeeds
    const p = this.#oidc
      ? JSON.parse(await abortable(flow(this.#oidc.beginAuthorization(c, this.#ports(), pairs(o.extraParams))), signal))
      : wasm(() => c.beginAuthorization(pairs(o.extraParams)));
    let pending;
    try {
      pending = JSON.stringify({ state: p.state, codeVerifier: p.codeVerifier, nonce: p.nonce ?? undefined, appState: o.appState });
    } catch (cause) {
      throw fail('invalid_parameter', 'appState must be plain JSON values', { cause });
    }
    await abortable(Promise.resolve(this.#pending.set(`${this.#key}:pending`, pending)), signal);
    if (signal?.aborted) throw signal.reason;
    if (o.navigate) globalThis.location.assign(p.url);
    return p.url;
  }

  /**
   * On the redirect URI: checks state, exchanges the code (no secret in a browser), stores the
   * TokenSet and returns `{ tokens, appState }` (`appState` as given to `authorize()`). Default
   * `href`: `location.href`; when the callback is the page's location, `code` and `state` are then
   * removed from the address bar (`cleanUrl: false` keeps them). A second call for the same URL
   * while the first runs shares its exchange; a settled callback is spent (`state_missing`).
   */
  async handleRedirect(href, opts) {
    const o = options(opts, 'options');
    const signal = abortSignal(o.signal);
    if (signal?.aborted) throw signal.reason; // nothing consumed: the callback can still be handled
    const url = String((href instanceof URL ? href.href : href) ?? globalThis.location?.href ?? '');
    const id = `${this.#key}\n${url}`;
    let run = callbacks.get(id);
    if (!run) {
      run = { promise: this.#redeem(url), cleanUrl: true };
      callbacks.set(id, run);
      const settled = () => {
        if (callbacks.get(id) === run) callbacks.delete(id);
        if (run.cleanUrl) cleanAddressBar(url);
      };
      run.promise.then(settled, settled);
    }
    if (o.cleanUrl === false) run.cleanUrl = false;
    return abortable(run.promise, signal);
  }

  /** `handleRedirect()`'s tokens alone: stores and returns the TokenSet. */
  async handleCallback(href, opts) {
    return (await this.handleRedirect(href, opts)).tokens;
  }

  async #redeem(url) {
    const cfg = await this.#cfg(); // before the one-shot pending state is spent
    const client = this.#handle;
    const key = `${this.#key}:pending`;
    const raw = await this.#pending.get(key);
    await this.#pending.remove(key); // one-shot: a callback is handled at most once
    let pending = null;
    try {
      pending = typeof raw === 'string' ? JSON.parse(raw) : null;
    } catch {
      // treated as missing
    }
    if (!pending || typeof pending.state !== 'string') {
      throw fail('state_missing', 'no authorization is pending in this browser session: call authorize() first');
    }
    // the flow hands the set over instead of storing it: an id_token is verified first
    const held = {};
    await flow(flowExchange(client, this.#ports({ held }), url, pending.state, pending.codeVerifier ?? undefined));
    const tokens = JSON.parse(held.text);
    const idToken = tokens.extra?.id_token;
    let verifiedClaims = null;
    // with a known issuer, an id_token is verified (and one is required when openid sent a nonce);
    // without one (the vendors, an endpoints-only config) it stays in `extra`, unverified, as before
    if (typeof cfg.issuer === 'string' && (typeof idToken === 'string' || typeof pending.nonce === 'string')) {
      if (typeof idToken !== 'string') throw fail('id_token_missing', 'openid was requested but the token response has no id_token');
      const opts = { nonce: pending.nonce, fetch: this.#appFetch, now: this.#now, leewaySecs: this.#leeway, requestTimeoutMs: this.#timeoutMs };
      verifiedClaims = await this.#withOidc().verifyIdToken(cfg, idToken, opts);
    }
    const claimsKey = `${this.#key}:claims`;
    if (verifiedClaims) await this.#storage.set(claimsKey, JSON.stringify(verifiedClaims));
    else await this.#storage.remove(claimsKey);
    await this.#storage.set(`${this.#key}:tokens`, held.text);
    this.#emit('tokens', false);
    return { tokens, appState: pending.appState, verifiedClaims };
  }

  /**
   * A valid access token: refreshes (once, across calls and tabs) when needed. Only a client's
   * own token (client credentials, LegalOn) is reacquired; a user's session that cannot be
   * refreshed ends in `login_required`, never in the client's token. `forceRefresh`: renew now
   * even if the stored token looks fresh — under the same lock and single flight, so concurrent
   * forced calls (and other tabs) still cause one refresh; a user's set without a refresh token
   * has nothing to renew with and is returned as it is.
   */
  async getAccessToken(opts) {
    const o = options(opts, 'options');
    const signal = abortSignal(o.signal);
    if (signal?.aborted) throw signal.reason;
    let stale;
    if (o.forceRefresh) {
      const t = await this.getTokens();
      if (t && typeof t.accessToken === 'string' && (t.refreshToken || t.grant === 'client_credentials')) stale = t.accessToken;
    }
    return (await abortable(this.#valid(stale), signal)).accessToken;
  }

  // A usable TokenSet from the shared flow. `stale`: an access token the API just refused (or the
  // app wants replaced).
  async #valid(stale) {
    const watch = { renewing: false, cleared: false };
    try {
      const client = await this.#client();
      const text = await flow(flowAccessToken(client, this.#ports({ watch }), stale, this.#leeway));
      return JSON.parse(text);
    } catch (e) {
      this.#failed(watch, e);
      throw e;
    }
  }

  // A flow failed: "refresh_failed" when it was renewing the tokens (a request to the token
  // endpoint whose set was never stored) or found them beyond renewal (and cleared them).
  #failed(watch, error) {
    if (watch.renewing || watch.cleared) this.#emit('refresh_failed', false, error);
  }

  /**
   * Forgets the session here and in other tabs. Where the server has a revocation endpoint (a
   * generic server's metadata or `revocationEndpoint`; LawVu, Logiless and LegalOn document none),
   * the refresh token (else the access token) is revoked first (RFC 7009). Resolves to
   * `{ revoked }`, with `error` when the revocation failed: the session is forgotten here anyway.
   */
  async logout() {
    const t = await this.getTokens();
    let revoked = false;
    let error;
    if (t) {
      try {
        const cfg = await this.#cfg();
        if (canRevoke(cfg)) revoked = await this.#revoke(this.#handle, t);
      } catch (e) {
        error = e;
      }
    }
    await this.#storage.remove(`${this.#key}:tokens`);
    await this.#storage.remove(`${this.#key}:claims`);
    await this.#pending.remove(`${this.#key}:pending`);
    await this.#ports().dpopForget?.(); // DPoP: a new key for the next sign-in (js/oidc.js)
    this.#emit('logout', false);
    return error ? { revoked, error } : { revoked };
  }

  // RFC 7009 §2.1: the refresh token (it ends the grant) or, without one, the access token.
  async #revoke(c, t) {
    const which =
      typeof t.refreshToken === 'string' ? { token: t.refreshToken, tokenTypeHint: 'refresh_token' } : { token: t.accessToken, tokenTypeHint: 'access_token' };
    if (typeof which.token !== 'string') return false;
    // sent from Rust (src/js/http.rs) as the token endpoint's requests are: no redirects (the token
    // must never reach a Location), no cookies, a time-out on the whole exchange
    await flow(flowRevoke(c, this.#ports(), which.token, which.tokenTypeHint));
    return true;
  }

  // ---- autoRefresh: renew ahead of expiry. Each tab schedules from the stored expiry; the renewal
  // is getAccessToken()'s flow (the refresh lock, then a re-read), so timers in several tabs still
  // cause one refresh. Rescheduled when tokens change here or in another tab and when the page
  // becomes visible again (timers are late or frozen while a computer sleeps); stopped by a
  // logout until new tokens are stored, and by close().

  #startAutoRefresh() {
    const a = { timer: null, runs: 0, failures: 0, onVisible: null };
    this.#auto = a;
    const doc = globalThis.document;
    if (typeof doc?.addEventListener === 'function') {
      a.onVisible = () => doc.visibilityState === 'visible' && this.#schedule();
      doc.addEventListener('visibilitychange', a.onVisible);
    }
    this.#schedule();
  }

  #stopAutoRefresh() {
    const a = this.#auto;
    if (!a) return;
    this.#auto = null;
    clearTimeout(a.timer);
    if (a.onVisible) globalThis.document.removeEventListener('visibilitychange', a.onVisible);
  }

  #unschedule() {
    const a = this.#auto;
    if (!a) return;
    clearTimeout(a.timer);
    a.timer = null;
    a.runs++; // a schedule still reading the storage is void
  }

  // Sets the timer for the stored tokens' renewal (the flow's own due time), at least `floorMs` away.
  async #schedule(floorMs = 0) {
    const a = this.#auto;
    if (!a) return;
    this.#unschedule();
    const run = a.runs;
    try {
      const raw = await this.#storage.get(`${this.#key}:tokens`);
      if (this.#auto !== a || a.runs !== run || typeof raw !== 'string' || !raw) return;
      const due = refreshDueInMs(raw, this.#now(), this.#leeway);
      if (due === undefined) return; // no expiry (or not a TokenSet): nothing to renew ahead of
      const timer = setTimeout(() => this.#renew(a), Math.min(MAX_TIMER_MS, Math.max(floorMs, due)));
      /** @type {any} */ (timer).unref?.(); // Node: never keep the process alive for it
      a.timer = timer;
    } catch {
      // the storage or the clock failed: the next tokens event or visibility change schedules again
    }
  }

  async #renew(a) {
    if (this.#auto !== a) return;
    a.timer = null;
    try {
      await this.#valid(undefined);
      a.failures = 0;
      // the next renewal: of the new tokens, or of these when the flow found them not due yet (a
      // timer a little early on this clock) — at least a second away, never a busy loop
      this.#schedule(1_000);
    } catch {
      // told as "refresh_failed"; a session that ended was cleared ("logout"): nothing to schedule
      a.failures++;
      this.#schedule(retryAfterFailure(a.failures));
    }
  }

  /**
   * `fetch` against the provider's API: `input` is a path under the API base (or a URL under it).
   * Adds the bearer token, refreshes and retries once on 401, waits out 429 (bounded), and
   * returns the Response; throws a TsunagiError when the core says to give up.
   */
  async fetch(input, init) {
    const i = options(init, 'init');
    const signal = abortSignal(i.signal);
    if (signal?.aborted) throw signal.reason;
    const path = input instanceof URL ? input.href : input;
    if (typeof path !== 'string') throw fail('invalid_parameter', 'input must be a path under the API base, or a URL under it');
    const jsonBody = typeof i.body === 'string' ? i.body : undefined;
    const method = i.method === undefined ? undefined : String(i.method);
    const watch = { renewing: false, cleared: false };
    const run = this.#client().then((c) => flow(flowFetch(c, this.#ports({ init: i, watch }), path, method, jsonBody, this.#policy, this.#leeway)));
    run.catch((e) => this.#failed(watch, e));
    return abortable(run, signal);
  }

  // What the shared flows run on in this page, for one call. `init`: the app's RequestInit of an
  // API call (headers, signal, a non-string body, other members), read by src/js/http.rs; `watch`:
  // told when the call renews tokens (a token endpoint request) and when it stores or clears them.
  /**
   * @param {{ init?: any, watch?: { renewing: boolean, cleared: boolean }, held?: { text?: string } }} [call]
   * @returns {import('./tsunagi_wasm.js').WasmPorts}
   */
  #ports({ init, watch, held } = {}) {
    const key = `${this.#key}:tokens`;
    return {
      load: async () => {
        const raw = await this.#storage.get(key);
        return typeof raw === 'string' && raw ? raw : null;
      },
      store: async (text) => {
        if (held) {
          held.text = text; // the caller checks, then stores
          return;
        }
        await this.#checkRefreshed(text); // a refresh's id_token: verified, else nothing is stored
        await this.#storage.set(key, text); // stored before anyone (in this tab or another) is answered
        if (watch) watch.renewing = false;
        this.#emit('tokens', false);
      },
      clear: async () => {
        if (watch) watch.cleared = true;
        await this.#storage.remove(key);
        await this.#storage.remove(`${this.#key}:claims`);
        this.#emit('logout', false);
      },
      // the refresh lock (src/js/page/lock.rs: one renewal at a time in this tab, then across tabs by
      // Web Locks or the localStorage lease); the wait for another tab's tokens is src/js/ports.rs'
      acquire: () => this.#lock.acquire(),
      now: () => this.#now(),
      sleep: (ms) => sleep(ms, init?.signal),
      // HTTP is sent from Rust (src/js/http.rs): through gloo-net, or the app's own fetch option
      fetch: this.#appFetch,
      init,
      timeoutMs: this.#timeoutMs,
      renewing: () => {
        if (watch) watch.renewing = true;
      },
      failure: (error, cause) => fromWasmError(error, cause),
      ...this.#oidc?.dpop(this.#key), // DPoP's key pair (js/oidc.js; none in tsunagi/lawvu)
    };
  }

  // A set a refresh returned, before it is stored: a new id_token in it is verified (OpenID Connect
  // Core §12.2: signature, claims, and the same iss, sub and aud as the session's original id_token;
  // auth_time not earlier) and its claims become the verified claims. Throws (nothing stored, the
  // old set kept) when it fails. Without a known issuer an id_token stays unverified, as at login.
  async #checkRefreshed(text) {
    let idToken;
    try {
      idToken = JSON.parse(text)?.extra?.id_token;
    } catch {
      return;
    }
    if (typeof idToken !== 'string') return;
    const cfg = await this.#cfg();
    if (typeof cfg.issuer !== 'string') return;
    const before = await this.getTokens();
    if (before?.extra?.id_token === idToken) return;
    let original = await this.getVerifiedClaims();
    if (!original && typeof before?.extra?.id_token === 'string') {
      try {
        original = decodeJwtClaims(before.extra.id_token); // verified when it was stored
      } catch {
        original = null;
      }
    }
    const opts = { fetch: this.#appFetch, now: this.#now, leewaySecs: this.#leeway, requestTimeoutMs: this.#timeoutMs, original: original ?? undefined };
    const claims = await this.#withOidc().verifyIdToken(cfg, idToken, opts);
    await this.#storage.set(`${this.#key}:claims`, JSON.stringify(claims));
  }
}
