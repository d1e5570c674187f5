// tsunagi — OAuthClient: the browser-only public-client flow (LawVu's 1-day mode), with
// race-free refresh of single-use refresh tokens across calls and tabs.
//
// The flows — the code exchange, a usable token with single-flight refresh, the 401/429 API loop —
// are the shared Rust ones (crates/tsunagi-flows, the same the Worker runs), called through
// src/js/flow.rs. This file implements what they run on in a page (`#ports`): the storage, the
// refresh lock across tabs (Web Locks, or a localStorage lease), `fetch`, the clock, timers, and
// the events to other tabs (BroadcastChannel).
import { TsunagiError, call, flow, options, pairs } from './core.js';
import { flowAccessToken, flowExchange, flowFetch } from './tsunagi_wasm.js';

const fail = (code, message, details) => new TsunagiError(code, `${code}: ${message}`, details);
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

function webStorage(name) {
  let s;
  try {
    s = globalThis[name];
    if (!s) return undefined;
    s.getItem('tsunagi:probe');
  } catch {
    return undefined; // blocked (sandboxed iframe, privacy settings)
  }
  return { get: (k) => s.getItem(k), set: (k, v) => s.setItem(k, v), remove: (k) => s.removeItem(k) };
}

/** Storage in this page's memory only (the default): lost on reload, invisible to other tabs. */
export function memoryStorage() {
  const m = new Map();
  return { get: (k) => (m.has(k) ? m.get(k) : null), set: (k, v) => void m.set(k, v), remove: (k) => void m.delete(k) };
}

function resolveStorage(s) {
  if (s === undefined || s === null || s === 'memory') return memoryStorage();
  if (s === 'session' || s === 'local') {
    const w = webStorage(s === 'local' ? 'localStorage' : 'sessionStorage');
    if (!w) throw fail('invalid_config', `${s}Storage is not available here`);
    return w;
  }
  if (typeof s === 'object' && ['get', 'set', 'remove'].every((f) => typeof s[f] === 'function')) return s;
  throw fail('invalid_config', 'storage must be "memory", "session", "local" or an object with get(key), set(key, value) and remove(key)');
}

const inBrowser = () => typeof window !== 'undefined' && typeof document !== 'undefined';

export class OAuthClient {
  #config;
  #storage;
  #pending;
  #key;
  #fetch;
  #now;
  #leeway;
  #policy;
  #timeoutMs;
  #locks;
  #tabQueue = Promise.resolve();
  #channel = null;
  #listeners = new Set();

  /**
   * @param config a provider config (see index.d.ts); in a browser it must not hold a secret.
   * @param opts `{ storage, key, fetch, now, leewaySecs, retryPolicy, requestTimeoutMs, locks }`
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
    this.#now = typeof o.now === 'function' ? o.now : Date.now;
    call('next_step', { now: this.#now() }, this.#config); // validates the config now
    this.#storage = resolveStorage(o.storage);
    this.#pending = webStorage('sessionStorage') || this.#storage;
    const id = `${config.provider}:${config.clientId ?? ''}`;
    this.#key = typeof o.key === 'string' && o.key ? o.key : `tsunagi:${id}`;
    const f = o.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw fail('invalid_config', 'no fetch function is available: pass options.fetch');
    this.#fetch = (...a) => f.apply(globalThis, a);
    this.#leeway = o.leewaySecs;
    this.#policy = o.retryPolicy;
    this.#timeoutMs = o.requestTimeoutMs ?? 30_000;
    this.#locks = o.locks ?? 'auto';
    if (typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(`${this.#key}:events`);
      this.#channel.onmessage = (ev) => this.#emit(ev.data?.type, true);
      this.#channel.unref?.(); // Node: never keep the process alive for it
    }
  }

  /** Calls `listener(type, { remote })` on "tokens" (new tokens stored) and "logout"; returns an unsubscribe function. */
  onChange(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(type, remote) {
    if (type !== 'tokens' && type !== 'logout') return;
    if (!remote) this.#channel?.postMessage({ type }); // a notification only: tokens never cross the channel
    for (const l of this.#listeners) {
      try {
        l(type, { remote });
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** Stops listening to other tabs (closes the BroadcastChannel). */
  close() {
    this.#channel?.close();
    this.#channel = null;
    this.#listeners.clear();
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

  /** Starts authorization: stores state (and PKCE verifier) in sessionStorage and returns the URL; `{ navigate: true }` also goes there. */
  async authorize(opts) {
    const o = options(opts, 'options');
    const p = JSON.parse(call('begin_authorization', { extraParams: pairs(o.extraParams) }, this.#config));
    await this.#pending.set(`${this.#key}:pending`, JSON.stringify({ state: p.state, codeVerifier: p.codeVerifier }));
    if (o.navigate) globalThis.location.assign(p.url);
    return p.url;
  }

  /** On the redirect URI: checks state, exchanges the code (no secret in a browser), stores and returns the TokenSet. */
  async handleCallback(href) {
    const url = href ?? globalThis.location?.href;
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
    const text = await flow(flowExchange(JSON.stringify(this.#config), this.#ports(), String(url ?? ''), pending.state, pending.codeVerifier ?? undefined));
    return JSON.parse(text);
  }

  /**
   * A valid access token: refreshes (once, across calls and tabs) when needed. Only a client's
   * own token (client credentials, LegalOn) is reacquired; a user's session that cannot be
   * refreshed ends in `login_required`, never in the client's token.
   */
  async getAccessToken() {
    return (await this.#valid(undefined)).accessToken;
  }

  // A usable TokenSet from the shared flow. `stale`: an access token the API just refused.
  async #valid(stale) {
    const text = await flow(flowAccessToken(JSON.stringify(this.#config), this.#ports({ stale }), stale, this.#leeway));
    return JSON.parse(text);
  }

  /** Forgets the session here and in other tabs (LawVu documents no revocation endpoint). */
  async logout() {
    await this.#storage.remove(`${this.#key}:tokens`);
    await this.#pending.remove(`${this.#key}:pending`);
    this.#emit('logout', false);
  }

  /**
   * `fetch` against the provider's API: `input` is a path under the API base (or a URL under it).
   * Adds the bearer token, refreshes and retries once on 401, waits out 429 (bounded), and
   * returns the Response; throws a TsunagiError when the core says to give up.
   */
  async fetch(input, init) {
    const i = options(init, 'init');
    const path = input instanceof URL ? input.href : input;
    if (typeof path !== 'string') throw fail('invalid_parameter', 'input must be a path under the API base, or a URL under it');
    const jsonBody = typeof i.body === 'string' ? i.body : undefined;
    const method = i.method === undefined ? undefined : String(i.method);
    const policy = this.#policy === undefined ? '' : JSON.stringify(this.#policy);
    return flow(flowFetch(JSON.stringify(this.#config), this.#ports({ init: i }), path, method, jsonBody, policy, this.#leeway));
  }

  // What the shared flows run on in this page, for one call. `init`: the app's RequestInit of an
  // API call (headers, signal, a non-string body); `stale`: a token the API just refused.
  #ports({ init, stale } = {}) {
    const key = `${this.#key}:tokens`;
    return {
      load: async () => {
        const raw = await this.#storage.get(key);
        return typeof raw === 'string' && raw ? raw : null;
      },
      store: async (text) => {
        await this.#storage.set(key, text); // stored before anyone (in this tab or another) is answered
        this.#emit('tokens', false);
      },
      clear: async () => {
        await this.#storage.remove(key);
        this.#emit('logout', false);
      },
      acquire: () => this.#acquire(stale),
      send: (url, method, headers, body, api) => (api ? this.#sendApi(url, method, headers, body, init ?? {}) : this.#sendToken(url, method, headers, body)),
      text: (response) => response.text(),
      discard: (response) => void response.body?.cancel().catch(() => {}),
      now: () => this.#now(),
      sleep: (ms) => sleep(ms, init?.signal),
    };
  }

  // A token endpoint request: no redirects (its secrets must never reach a Location), no
  // cookies, a time-out on the whole exchange.
  async #sendToken(url, method, headers, body) {
    try {
      const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(this.#timeoutMs) : undefined;
      const response = await this.#fetch(url, { method, headers, body: body ?? undefined, redirect: 'error', credentials: 'omit', signal });
      return { status: response.status, headers: [...response.headers], response };
    } catch (cause) {
      if (cause?.name === 'TimeoutError') throw fail('timeout', 'the token endpoint took too long', { cause });
      throw fail('transport', 'the token endpoint could not be reached', { cause });
    }
  }

  // An API request: the app's RequestInit, with the core's headers (the bearer token wins) and
  // body (a JSON text re-encoded where the provider needs it; any other body as the app gave it).
  async #sendApi(url, method, coreHeaders, coreBody, init) {
    const headers = new Headers(init.headers);
    for (const [k, v] of coreHeaders) if (k === 'authorization' || !headers.has(k)) headers.set(k, v);
    try {
      const response = await this.#fetch(url, { ...init, method, headers, body: coreBody ?? init.body });
      return { status: response.status, headers: [...response.headers], response };
    } catch (cause) {
      if (init.signal?.aborted) throw cause;
      throw fail('transport', 'the API could not be reached', { cause });
    }
  }

  // The refresh lock: one renewal at a time in this tab, then across tabs (Web Locks, or the
  // localStorage lease). Resolves to the function that releases both.
  async #acquire(stale) {
    let releaseTab;
    const before = this.#tabQueue;
    this.#tabQueue = new Promise((resolve) => {
      releaseTab = resolve;
    });
    await before;
    try {
      const { release, waited } = await this.#crossTabLock();
      if (waited) await this.#settle(stale);
      return () => {
        release();
        releaseTab();
      };
    } catch (e) {
      releaseTab();
      throw e;
    }
  }

  #crossTabLock() {
    const name = `${this.#key}:refresh`;
    const locks = globalThis.navigator?.locks;
    if (this.#locks !== 'lease' && this.#locks !== 'none' && typeof locks?.request === 'function') {
      // held until the returned function is called; first without waiting, to learn whether
      // another tab holds it (then it is likely refreshing)
      const take = (opts) =>
        new Promise((resolve, reject) => {
          locks.request(name, opts, (lock) => (lock ? new Promise((release) => resolve(release)) : resolve(null))).catch(reject);
        });
      return take({ ifAvailable: true }).then((release) => (release ? { release, waited: false } : take({}).then((r) => ({ release: r, waited: true }))));
    }
    const ls = this.#locks !== 'none' && webStorage('localStorage');
    return ls ? leaseLock(ls, `${name}:lease`, this.#timeoutMs + 5_000) : Promise.resolve({ release: () => {}, waited: false });
  }

  // Another tab held the lock, most likely refreshing. Its write to shared storage can reach this
  // tab after the lock does (Chromium propagates localStorage between renderers asynchronously):
  // when what this tab sees is not usable, wait, bounded, for the stored tokens to change.
  async #settle(stale) {
    const t = await this.getTokens();
    const usable = (x) =>
      x && x.accessToken !== stale && call('next_step', { tokens: x, now: this.#now(), leewaySecs: this.#leeway }, this.#config) === 'use_access_token';
    if (!t || usable(t)) return;
    const seen = `${t.accessToken}|${t.refreshToken}`;
    for (const until = Date.now() + 2_000; Date.now() < until; ) {
      await sleep(15);
      const u = await this.getTokens();
      if (!u || `${u.accessToken}|${u.refreshToken}` !== seen) return;
    }
  }
}

// Fallback where the Web Locks API is missing: a localStorage lease with an expiry (as
// auth0-spa-js PR #1530). Not atomic, so it writes, waits for the write to settle across tabs and
// re-checks ownership; a holder that dies frees the lease when it expires. Resolves to
// `{ release, waited }`.
async function leaseLock(ls, key, ttlMs) {
  const me = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const read = () => {
    try {
      return JSON.parse(ls.get(key) || 'null');
    } catch {
      return null;
    }
  };
  const giveUpAt = Date.now() + ttlMs * 2;
  let waited = false;
  for (;;) {
    const free = (c) => !c || !(c.exp > Date.now());
    if (free(read())) {
      await sleep(Math.random() * 40); // de-synchronise tabs that saw it free at the same moment
      if (free(read())) {
        ls.set(key, JSON.stringify({ id: me, exp: Date.now() + ttlMs }));
        // Let competing writes reach this tab (localStorage propagates asynchronously), twice.
        await sleep(100);
        if (read()?.id === me) {
          await sleep(50);
          if (read()?.id === me) break;
        }
      }
    } else if (Date.now() > giveUpAt) {
      break;
    }
    waited = true;
    await sleep(25 + Math.random() * 50);
  }
  const release = () => {
    if (read()?.id === me) ls.remove(key);
  };
  return { release, waited };
}
