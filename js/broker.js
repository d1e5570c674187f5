// tsunagi — BrokerClient: the page's side of the tsunagi Worker (the backend-for-frontend).
// The page never holds a token: the Worker keeps them and the browser only carries its HttpOnly
// session cookie. This class only builds the Worker's URLs, adds the `X-Tsunagi: 1` header its
// API, token and POST routes require, and turns the Worker's own JSON errors (marked with
// `X-Tsunagi-Error`) into TsunagiErrors. No protocol logic lives here.
import { TsunagiError, abortSignal, options } from './errors.js';

// `tsunagi/broker` is this file: the error class comes with it (the same one `tsunagi` exports).
export { TsunagiError };

const ERROR_HEADER = 'x-tsunagi-error';
const PROVIDER = /^[a-z][a-z0-9_-]*$/;

function provider(p) {
  if (typeof p !== 'string' || !PROVIDER.test(p)) throw new TsunagiError('invalid_parameter', 'provider must be a provider name such as "lawvu"');
  return p;
}

/** The Worker's JSON error answer → a TsunagiError (code, message, status, request id, retry hint). */
async function workerError(res) {
  let body = {};
  try {
    body = await res.json();
  } catch {
    // not the Worker's JSON: keep the header's code
  }
  const code = typeof body.error === 'string' ? body.error : res.headers.get(ERROR_HEADER) || 'http_error';
  const message = typeof body.message === 'string' ? body.message : `the Worker answered HTTP ${res.status}`;
  return new TsunagiError(code, message, {
    status: body.upstream_status ?? res.status,
    requestId: body.request_id ?? res.headers.get('x-request-id') ?? undefined,
    description: body.description,
    retryAfterMs: body.retry_after_ms,
    requiresReauthorization: body.requires_reauthorization === true,
  });
}

/**
 * The tsunagi Worker, from the page: sign-in redirects, the session view, API calls proxied with
 * the Worker's tokens, refresh and logout. `baseUrl` is the Worker's origin ('' = this origin,
 * which the Worker always allows; another origin must be listed in the Worker's ALLOWED_ORIGINS).
 */
export class BrokerClient {
  #base;
  #fetch;
  #credentials;

  constructor(opts) {
    const o = options(opts, 'options');
    const base = o.baseUrl ?? '';
    if (typeof base !== 'string') throw new TsunagiError('invalid_config', 'baseUrl must be a string (the Worker origin, or "" for this origin)');
    this.#base = base.replace(/\/+$/, '');
    this.#credentials = this.#base ? 'include' : 'same-origin';
    const f = o.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TsunagiError('invalid_config', 'no fetch function is available: pass options.fetch');
    this.#fetch = f === globalThis.fetch ? f.bind(globalThis) : f;
  }

  async #send(path, { method = 'GET', headers, body, signal } = {}) {
    const h = new Headers(headers);
    h.set('x-tsunagi', '1');
    let res;
    try {
      res = await this.#fetch(`${this.#base}${path}`, { method, headers: h, body, credentials: this.#credentials, signal });
    } catch (cause) {
      if (signal?.aborted) throw cause; // the caller's abort, as fetch rejected with it (the signal's reason)
      throw new TsunagiError('transport', 'the Worker could not be reached', { cause });
    }
    if (res.headers.has(ERROR_HEADER)) throw await workerError(res);
    return res;
  }

  /** Where to send the user to connect `provider`; the Worker brings them back to `returnTo` (a path on its origin). */
  loginUrl(name, opts) {
    const o = options(opts, 'options');
    const returnTo = o.returnTo ?? '/';
    if (typeof returnTo !== 'string') throw new TsunagiError('invalid_parameter', 'returnTo must be a path such as "/"');
    return `${this.#base}/auth/${provider(name)}/login?return_to=${encodeURIComponent(returnTo)}`;
  }

  /** Navigates to the provider's consent page through the Worker. */
  login(name, opts) {
    globalThis.location.assign(this.loginUrl(name, opts));
  }

  /**
   * Who is signed in to which providers (claims, expiries, fingerprints; never a token). Signed
   * out: `{ signed_in: false, providers: {} }`. `signal` aborts the request.
   */
  async session(opts) {
    const signal = abortSignal(options(opts, 'options').signal);
    try {
      return await (await this.#send('/session', { signal })).json();
    } catch (e) {
      if (e instanceof TsunagiError && e.code === 'session_missing') return { signed_in: false, providers: {} };
      throw e;
    }
  }

  /**
   * Calls `provider`'s API through the Worker (`path` relative to the API base, e.g.
   * "/account-apis/v1/users"). Returns the provider's answer as it came — a 404 from the API is a
   * Response — and throws a TsunagiError only for the Worker's own refusals and failures
   * (`session_missing`, `rate_limited` past the wait, `upstream_error`, …). `init.signal` aborts
   * it: the call rejects with the signal's reason.
   */
  async fetch(name, path, init) {
    const i = options(init, 'init');
    if (typeof path !== 'string' || !path.startsWith('/')) throw new TsunagiError('invalid_parameter', 'path must start with "/"');
    const signal = abortSignal(i.signal);
    return this.#send(`/api/${provider(name)}${path}`, { method: i.method, headers: i.headers, body: i.body, signal });
  }

  /**
   * Rotates `provider`'s refresh token now: `{ old_refresh_fingerprint, new_refresh_fingerprint, session }`.
   * An abort only stops waiting: the Worker finishes a rotation it started and keeps the tokens.
   */
  async refresh(name, opts) {
    const signal = abortSignal(options(opts, 'options').signal);
    return (await this.#send(`/auth/${provider(name)}/refresh`, { method: 'POST', signal })).json();
  }

  /** Forgets one provider's tokens, or (no argument) ends the whole session. */
  async logout(name, opts) {
    const signal = abortSignal(options(opts, 'options').signal);
    await this.#send(name === undefined ? '/auth/logout' : `/auth/${provider(name)}/logout`, { method: 'POST', signal });
  }
}
