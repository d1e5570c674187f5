// tsunagi — what every entry shares: the boundary's helpers (a WasmClient handle per config object,
// errors), buildAuthorizationUrl, beginAuthorization, nextStep and decodeJwtClaims. The other low-level functions are in
// lowlevel.js (tsunagi and the server's module only).
//
// Every protocol decision is made by the Rust core compiled to wasm: this file only moves
// values across the one typed boundary (src/js/handle.rs: a WasmClient handle built once per
// config object, plain functions for the rest; tsunagi_wasm.d.ts is generated) and turns the
// core's error into a TsunagiError. Nothing here logs; no message ever holds a secret, code or token.
import { TsunagiError, abortSignal, fail, options } from './errors.js';
import { WasmClient, jwtPayload } from './tsunagi_wasm.js';

export { TsunagiError, abortSignal, fail, options };

/**
 * @internal What a wasm export threw → a TsunagiError: the core's error JSON (src/js/error.rs),
 * else `internal_error`. `cause`: the failure behind it (a request's, src/js/http.rs).
 * @param {unknown} e
 * @param {unknown} [cause]
 */
export function fromWasmError(e, cause) {
  if (typeof e === 'string') {
    let d;
    try {
      d = JSON.parse(e);
    } catch {
      // not the core's error JSON: fall through
    }
    if (d && typeof d.code === 'string') {
      const where = [d.status ? `HTTP ${d.status}` : '', d.requestId ? `request id ${d.requestId}` : ''].filter(Boolean).join(', ');
      return fail(d.code, `${d.message}${d.description ? `: ${d.description}` : ''}${where ? ` (${where})` : ''}`, cause === undefined ? d : { ...d, cause });
    }
  }
  return fail('internal_error', 'the tsunagi wasm module failed unexpectedly', { cause: e });
}

/**
 * @internal Runs `f` (a call into the wasm module) and turns what it throws into a TsunagiError.
 * @template T
 * @param {() => T} f
 * @returns {T}
 */
export function wasm(f) {
  try {
    return f();
  } catch (e) {
    throw fromWasmError(e);
  }
}

// The handles built for config objects, by identity: a config is read and checked once, and again
// only when one of its own fields changed (compared with ===; a nested object changed in place is
// not seen: pass a new one).
/** @type {WeakMap<object, { fields: Record<string, unknown>, handle: WasmClient }>} */
const handles = new WeakMap();
/** @type {WasmClient | undefined} */
let genericReader;

/** @param {Record<string, unknown>} a @param {Record<string, unknown>} b */
function sameFields(a, b) {
  const keys = Object.keys(b);
  if (keys.length !== Object.keys(a).length) return false;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * @internal The WasmClient of `config` (built and validated once per config object); throws the
 * config's TsunagiError. `undefined` with `orGeneric`: the generic RFC 6749 reader.
 * @param {unknown} config
 * @param {boolean} [orGeneric]
 * @returns {WasmClient}
 */
export function clientFor(config, orGeneric) {
  if (config === null || typeof config !== 'object') {
    if (orGeneric && (config === undefined || config === null)) {
      // tsunagi/lawvu's module has no generic profile to read with
      if (typeof (/** @type {any} */ (WasmClient).genericReader) !== 'function') throw fail('invalid_parameter', 'options.config is required in tsunagi/lawvu');
      genericReader ??= wasm(() => /** @type {any} */ (WasmClient).genericReader());
      return genericReader;
    }
    return wasm(() => new WasmClient(config));
  }
  const hit = handles.get(config);
  if (hit && sameFields(hit.fields, /** @type {Record<string, unknown>} */ (config))) return hit.handle;
  const handle = wasm(() => new WasmClient(config));
  handles.set(config, { fields: { ...config }, handle });
  return handle;
}

/**
 * @internal Awaits one of the wasm flows (src/js/flow.rs): a core error becomes a TsunagiError;
 * anything the page's own code threw (an aborted fetch) is rethrown as it was.
 * @template T
 * @param {Promise<T>} promise
 * @returns {Promise<T>}
 */
export async function flow(promise) {
  try {
    return await promise;
  } catch (e) {
    throw typeof e === 'string' ? fromWasmError(e) : e;
  }
}

/** @internal `[name, value]` pairs from a plain object, `Headers`, `URLSearchParams` or pairs. */
export function pairs(x) {
  if (x === undefined || x === null || Array.isArray(x)) return x;
  if (typeof x === 'object') {
    return typeof x[Symbol.iterator] === 'function' ? Array.from(x) : Object.entries(x);
  }
  return x; // the core rejects it with a typed error
}

/** `config` → the authorization URL (LawVu's hash route included). */
export function buildAuthorizationUrl(config, opts) {
  const o = options(opts, 'options');
  const c = clientFor(config);
  return wasm(() => c.authorizationUrl(o.state, o.codeChallenge, pairs(o.extraParams)));
}

/** Fresh state and (when the provider uses PKCE) verifier, and the URL that carries them. */
export function beginAuthorization(config, opts) {
  const o = options(opts, 'options');
  const c = clientFor(config);
  return wasm(() => c.beginAuthorization(pairs(o.extraParams)));
}

/** What to do with the stored tokens now: use, refresh, reacquire (client credentials) or reauthorize. */
export function nextStep(config, tokens, opts) {
  const o = options(opts, 'options');
  const c = clientFor(config);
  return wasm(() => c.nextStep(tokens, o.now === undefined ? Date.now() : o.now, o.leewaySecs));
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const NON_ASCII = /[\u0080-\uffff]/; // a search, not an anchored match: V8 runs it far faster
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * @internal The payload text of a well-formed compact JWT, decoded with the engine's native base64
 * (`atob`), or `undefined` when the token is anything else: then the core decides, and names
 * the error. Accepts only what the core accepts (unpadded base64url, three segments, non-empty
 * header); `tests/js/jwt_fast_path.test.mjs` checks the two agree on random and hostile tokens.
 *
 * The payload is checked without a regular expression over it (that scan cost more than the
 * decoding, `make bench`): `atob` rejects every character outside the base64 alphabet and ASCII
 * whitespace; `+` and `/` (standard base64, not base64url) are looked for; whitespace and `=`
 * padding, which `atob` skips, show as fewer bytes than an unpadded segment of this length decodes to.
 */
export function jwtPayloadFast(jwt) {
  const dot1 = jwt.indexOf('.');
  const dot2 = jwt.indexOf('.', dot1 + 1);
  if (dot1 < 1 || dot2 < 0 || jwt.indexOf('.', dot2 + 1) >= 0) return undefined;
  const payload = jwt.slice(dot1 + 1, dot2);
  const n = payload.length;
  if (n === 0 || n % 4 === 1 || payload.indexOf('+') >= 0 || payload.indexOf('/') >= 0 || !B64URL.test(jwt.slice(0, dot1))) {
    return undefined;
  }
  let bytes;
  try {
    bytes = atob(payload.replaceAll('-', '+').replaceAll('_', '/'));
  } catch {
    return undefined;
  }
  if (bytes.length !== (n * 3) >> 2) return undefined; // whitespace or padding was skipped
  if (!NON_ASCII.test(bytes)) return bytes; // a binary string of ASCII bytes is its own UTF-8 decoding
  try {
    return utf8.decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/**
 * The claims of a JWT, **unverified** (for display and scheduling only). The common case is
 * decoded on this side of the boundary (no copy into wasm and back); any token the fast path
 * does not take goes to the core, which returns the payload or the precise error.
 */
export function decodeJwtClaims(jwt) {
  if (typeof jwt !== 'string') throw fail('jwt_malformed', 'a JWT is a string');
  const text = jwtPayloadFast(jwt) ?? wasm(() => jwtPayload(jwt));
  let claims;
  try {
    claims = JSON.parse(text);
  } catch {
    throw fail('jwt_invalid_json', 'the JWT payload is not JSON');
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw fail('jwt_not_object', 'the JWT payload is not a JSON object');
  }
  return claims;
}

/**
 * @internal `promise`, or the signal's reason as soon as it aborts. The work behind `promise` goes
 * on: a refresh or code exchange already sent is finished and its tokens stored, so an abort loses
 * nothing (a single-use refresh token spent without its successor stored would end the session);
 * `promise` is always observed, so its later failure is never an unhandled rejection.
 */
export function abortable(promise, signal) {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** @internal Whether the configuration has a revocation endpoint (configured, or in its metadata). */
export const canRevoke = (config) => typeof (config?.revocationEndpoint ?? config?.metadata?.revocation_endpoint) === 'string';
