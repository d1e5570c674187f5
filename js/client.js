// tsunagi — OAuthClient: the browser-only public-client flow (LawVu's 1-day mode), with
// race-free refresh of single-use refresh tokens across calls and tabs.
//
// JS-only concerns live here (storage, fetch, timers, navigator.locks, BroadcastChannel); every
// protocol decision (URLs, requests, responses, next step, 401/429 handling) comes from the core.
import { TsunagiError, call, pairs, options, responseArgs, buildTokenRequest, parseCallback, parseTokenResponse } from './core.js';

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
  #inflight = null;
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

  async #save(tokens) {
    await this.#storage.set(`${this.#key}:tokens`, JSON.stringify(tokens));
  }

  async #clear() {
    await this.#storage.remove(`${this.#key}:tokens`);
  }

  #step(tokens) {
    return call('next_step', { tokens: tokens ?? undefined, now: this.#now(), leewaySecs: this.#leeway }, this.#config);
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
    const { code } = parseCallback(url, pending.state);
    const grant = { grantType: 'authorization_code', code, codeVerifier: pending.codeVerifier ?? undefined };
    const tokens = await this.#exchange(buildTokenRequest(this.#config, grant), grant.grantType, undefined);
    await this.#save(tokens);
    this.#emit('tokens', false);
    return tokens;
  }

  /**
   * A valid access token: refreshes (once, across calls and tabs) when needed. Only a client's
   * own token (client credentials, LegalOn) is reacquired; a user's session that cannot be
   * refreshed ends in `login_required`, never in the client's token.
   */
  async getAccessToken() {
    return (await this.#valid(undefined)).accessToken;
  }

  /** Forgets the session here and in other tabs (LawVu documents no revocation endpoint). */
  async logout() {
    await this.#clear();
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
    const body = i.body;
    const jsonBody = typeof body === 'string' ? body : undefined;
    const attempt = { reauthenticated: false, rateLimitRetries: 0 };
    let tokens = await this.#valid(undefined);
    for (;;) {
      const req = JSON.parse(call('api_request', { tokens, path, method: i.method, body: jsonBody }, this.#config));
      const headers = new Headers(i.headers);
      for (const [k, v] of Object.entries(req.headers)) if (k === 'authorization' || !headers.has(k)) headers.set(k, v);
      let resp;
      try {
        resp = await this.#fetch(req.url, { ...i, method: req.method, headers, body: req.body ?? body });
      } catch (cause) {
        if (i.signal?.aborted) throw cause;
        throw fail('transport', 'the API could not be reached', { cause });
      }
      const d = JSON.parse(call('api_decide', { response: responseArgs(resp), now: this.#now(), attempt, policy: this.#policy }, this.#config));
      if (d.action === 'deliver') return resp;
      if (d.action === 'fail') {
        const text = await resp.text().catch(() => '');
        call('api_error', { response: responseArgs(resp), now: this.#now() }, this.#config, text);
        throw fail('http_error', `the API answered HTTP ${resp.status}`, { status: resp.status }); // not reached: api_error throws
      }
      await resp.body?.cancel().catch(() => {});
      if (d.action === 'reauthenticate') {
        attempt.reauthenticated = true;
        tokens = await this.#valid(tokens.accessToken);
      } else {
        attempt.rateLimitRetries += 1;
        await sleep(d.delayMs, i.signal);
      }
    }
  }

  // A usable TokenSet. `stale` is an access token the API rejected: never hand it out again.
  async #valid(stale, retried = false) {
    const t = await this.getTokens();
    if (t && t.accessToken !== stale && this.#step(t) === 'use_access_token') return t;
    if (!this.#inflight) {
      this.#inflight = this.#withLock((waited) => this.#renew(stale, waited)).finally(() => {
        this.#inflight = null;
      });
    }
    const renewed = await this.#inflight;
    // We joined a renewal started before `stale` was rejected: run our own, once.
    if (renewed.accessToken === stale && !retried) return this.#valid(stale, true);
    return renewed;
  }

  // Runs under the cross-tab lock: re-read (another tab may have refreshed), then refresh once.
  async #renew(stale, waited) {
    let t = await this.getTokens();
    const usable = (x) => x && x.accessToken !== stale && this.#step(x) === 'use_access_token';
    if (waited && t && !usable(t)) {
      // Another tab held the lock, most likely refreshing. Its write to shared storage can reach
      // this tab after the lock does (Chromium propagates localStorage between renderers
      // asynchronously): wait, bounded, for the stored tokens to change before spending ours.
      const seen = `${t.accessToken}|${t.refreshToken}`;
      for (const until = Date.now() + 2_000; Date.now() < until; ) {
        await sleep(15);
        const u = await this.getTokens();
        if (!u || `${u.accessToken}|${u.refreshToken}` !== seen) {
          t = u;
          break;
        }
      }
    }
    const step = t ? this.#step(stale !== undefined && t.accessToken === stale ? { ...t, expiresAt: 0 } : t) : this.#step(null);
    if (step === 'use_access_token') return t;
    let grant;
    if (step === 'refresh') {
      grant = { grantType: 'refresh_token', refreshToken: t.refreshToken };
    } else if (step === 'reacquire') {
      // the core answers this only for the client's own token (or none): never a user's
      grant = { grantType: 'client_credentials' };
      t = undefined;
    } else {
      if (t) {
        await this.#clear();
        this.#emit('logout', false);
      }
      throw fail('login_required', 'no usable tokens: send the user through authorize() again', { requiresReauthorization: true });
    }
    let fresh;
    try {
      fresh = await this.#exchange(buildTokenRequest(this.#config, grant), grant.grantType, t ?? undefined);
    } catch (e) {
      if (e instanceof TsunagiError && e.requiresReauthorization) {
        await this.#clear();
        this.#emit('logout', false);
      }
      throw e;
    }
    await this.#save(fresh); // stored before anyone (in this tab or another) is answered
    this.#emit('tokens', false);
    return fresh;
  }

  // `grantType` is recorded in the set (`grant`): whose tokens they are decides what replaces them.
  async #exchange(req, grantType, previous) {
    let resp;
    let text;
    try {
      const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(this.#timeoutMs) : undefined;
      resp = await this.#fetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body ?? undefined,
        redirect: 'error',
        credentials: 'omit',
        signal,
      });
      text = await resp.text();
    } catch (cause) {
      if (cause?.name === 'TimeoutError') throw fail('timeout', 'the token endpoint took too long', { cause });
      throw fail('transport', 'the token endpoint could not be reached', { cause });
    }
    return parseTokenResponse({ status: resp.status, headers: resp.headers, body: text }, { config: this.#config, previous, grantType, now: this.#now() });
  }

  #withLock(fn) {
    const name = `${this.#key}:refresh`;
    const locks = globalThis.navigator?.locks;
    if (this.#locks !== 'lease' && this.#locks !== 'none' && typeof locks?.request === 'function') {
      // First without waiting, to learn whether another tab holds it (then it is likely refreshing).
      const busy = Symbol('busy');
      return locks
        .request(name, { ifAvailable: true }, (lock) => (lock ? fn(false) : busy))
        .then((r) => (r === busy ? locks.request(name, () => fn(true)) : r));
    }
    const ls = this.#locks !== 'none' && webStorage('localStorage');
    return ls ? leaseLock(ls, `${name}:lease`, this.#timeoutMs + 5_000, fn) : fn(false);
  }
}

// Fallback where the Web Locks API is missing: a localStorage lease with an expiry (as
// auth0-spa-js PR #1530). Not atomic, so it writes, waits for the write to settle across tabs and
// re-checks ownership; a holder that dies frees the lease when it expires.
async function leaseLock(ls, key, ttlMs, fn) {
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
  try {
    return await fn(waited);
  } finally {
    if (read()?.id === me) ls.remove(key);
  }
}
