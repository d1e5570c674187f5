// tsunagi — the low-level API: pure "build request / process response" functions.
//
// Every protocol decision is made by the Rust core compiled to wasm: this file only moves
// values across the boundary (one JSON text in, one text out) and turns the core's error JSON
// into a TsunagiError. Nothing here logs; no message ever holds a secret, code or token.
import { call as wasmCall } from './tsunagi_wasm.js';

/** Every failure of the package: `code` is one of the core's stable strings (README). */
export class TsunagiError extends Error {
  constructor(code, message, details) {
    const d = details || {};
    super(message, d.cause === undefined ? undefined : { cause: d.cause });
    this.name = 'TsunagiError';
    this.code = code;
    this.status = d.status;
    this.requestId = d.requestId;
    this.oauthError = d.oauthError;
    this.description = d.description;
    this.errorUri = d.errorUri;
    this.bodyExcerpt = d.bodyExcerpt;
    this.refreshExpiredAt = d.refreshExpiredAt;
    this.retryAfterMs = d.retryAfterMs;
    this.requiresReauthorization = d.requiresReauthorization === true;
  }
}

const fail = (code, message, details) => new TsunagiError(code, message, details);

function fromWasmError(e) {
  if (typeof e === 'string') {
    let d;
    try {
      d = JSON.parse(e);
    } catch {
      // not the core's error JSON: fall through
    }
    if (d && typeof d.code === 'string') {
      const where = [d.status ? `HTTP ${d.status}` : '', d.requestId ? `request id ${d.requestId}` : ''].filter(Boolean).join(', ');
      return fail(d.code, `${d.code}: ${d.message}${d.description ? `: ${d.description}` : ''}${where ? ` (${where})` : ''}`, d);
    }
  }
  return fail('internal_error', 'the tsunagi wasm module failed unexpectedly', { cause: e });
}

/** @internal Runs core operation `op`; `args` is an object (sent as JSON) or a raw string. */
export function call(op, args) {
  let text = args;
  if (typeof args !== 'string') {
    try {
      text = JSON.stringify(args === undefined ? {} : args);
    } catch (cause) {
      throw fail('invalid_parameter', 'invalid_parameter: the arguments must be plain JSON values', { cause });
    }
  }
  try {
    return wasmCall(op, text);
  } catch (e) {
    throw fromWasmError(e);
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

/** @internal An options object: `undefined`/`null` → `{}`; anything else must be an object. */
export function options(x, what) {
  if (x === undefined || x === null) return {};
  if (typeof x !== 'object') throw fail('invalid_parameter', `invalid_parameter: ${what} must be an object`);
  return x;
}

const str = (x) => (x instanceof URL ? x.href : x);

/** `config` → the authorization URL (LawVu's hash route included). */
export function buildAuthorizationUrl(config, opts) {
  const o = options(opts, 'options');
  return call('authorization_url', { config, state: o.state, codeChallenge: o.codeChallenge, extraParams: pairs(o.extraParams) });
}

/** Fresh state and (when the provider uses PKCE) verifier, and the URL that carries them. */
export function beginAuthorization(config, opts) {
  const o = options(opts, 'options');
  return JSON.parse(call('begin_authorization', { config, extraParams: pairs(o.extraParams) }));
}

/** A fresh PKCE pair (S256, 256-bit verifier). */
export function createPkce() {
  return JSON.parse(call('create_pkce', '{}'));
}

/** `BASE64URL(SHA256(verifier))` (RFC 7636 §4.2). */
export function pkceChallenge(verifier) {
  return call('pkce_challenge', { verifier });
}

/** A fresh `state` value (256 bits, base64url). */
export function createState() {
  return call('create_state', '{}');
}

/** The redirect URL back from the provider → `{ code }`; throws on `error=` or a state mismatch. */
export function parseCallback(url, expectedState) {
  return { code: call('parse_callback', { url: str(url), expectedState }) };
}

/** `{ method, url, headers, body }` for the token endpoint; `body` is `null` for GET (Logiless). */
export function buildTokenRequest(config, grant) {
  return JSON.parse(call('token_request', { config, grant }));
}

/** @internal The response as the core wants it. */
export function responseArgs(r, withBody) {
  const o = options(r, 'response');
  return { status: o.status, headers: pairs(o.headers), body: withBody ? o.body : undefined };
}

/** `{ status, headers, body }` from the token endpoint → a TokenSet (times in epoch ms). */
export function parseTokenResponse(response, opts) {
  const o = options(opts, 'options');
  return JSON.parse(
    call('parse_token_response', {
      config: o.config,
      response: responseArgs(response, true),
      now: o.now === undefined ? Date.now() : o.now,
      previous: o.previous,
    }),
  );
}

/** What to do with the stored tokens now: use, refresh, reacquire (client credentials) or reauthorize. */
export function nextStep(config, tokens, opts) {
  const o = options(opts, 'options');
  return call('next_step', { config, tokens, now: o.now === undefined ? Date.now() : o.now, leewaySecs: o.leewaySecs });
}

/** An API request with the bearer token; `path` is relative to the API base (or a URL under it). */
export function buildApiRequest(config, tokens, path, opts) {
  const o = options(opts, 'options');
  return JSON.parse(call('api_request', { config, tokens, path: str(path), method: o.method, body: o.body }));
}

/** The claims of a JWT, **unverified** (for display and scheduling only). */
export function decodeJwtClaims(jwt) {
  if (typeof jwt !== 'string') throw fail('jwt_malformed', 'jwt_malformed: a JWT is a string');
  const text = call('jwt_payload', jwt);
  let claims;
  try {
    claims = JSON.parse(text);
  } catch {
    throw fail('jwt_invalid_json', 'jwt_invalid_json: the JWT payload is not JSON');
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw fail('jwt_not_object', 'jwt_not_object: the JWT payload is not a JSON object');
  }
  return claims;
}
