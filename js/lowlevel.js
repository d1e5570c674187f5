// tsunagi — the low-level API: pure "build request / process response" functions.
//
// Every protocol decision is made by the Rust core compiled to wasm (src/js/lowlevel/, cargo
// feature `lowlevel`): this file only moves values across the boundary and turns the core's error
// into a TsunagiError. In `tsunagi` and the server's module, not in tsunagi/lawvu.
import { clientFor, fail, options, pairs, wasm } from './core.js';
import {
  createPkce as wasmCreatePkce,
  createState as wasmCreateState,
  parseCallback as wasmParseCallback,
  pkceChallenge as wasmPkceChallenge,
} from './tsunagi_wasm.js';

const utf8 = new TextEncoder();
// The body's UTF-8 is written into this reused buffer (`encodeInto`), then copied into wasm by the
// glue: `encode` allocates a new buffer per call, which cost more than the copy (`make bench`).
let scratch = new Uint8Array(4096);
const SCRATCH_MAX = 1 << 16;

/** @internal `text` as UTF-8 bytes, in the reused buffer when it fits (valid until the next call). */
function utf8Bytes(text) {
  const need = text.length * 3; // UTF-8 never needs more than 3 bytes per UTF-16 code unit
  if (need > SCRATCH_MAX) return utf8.encode(text);
  if (need > scratch.length) scratch = new Uint8Array(Math.max(need, scratch.length * 2));
  return scratch.subarray(0, utf8.encodeInto(text, scratch).written);
}

const str = (x) => (x instanceof URL ? x.href : x);

/** A fresh PKCE pair (S256, 256-bit verifier). */
export function createPkce() {
  return wasm(wasmCreatePkce);
}

/** `BASE64URL(SHA256(verifier))` (RFC 7636 §4.2). */
export function pkceChallenge(verifier) {
  return wasm(() => wasmPkceChallenge(verifier));
}

/** A fresh `state` value (256 bits, base64url). */
export function createState() {
  return wasm(wasmCreateState);
}

/**
 * The redirect URL back from the provider → `{ code }`; throws on `error=` or a state mismatch, and
 * with `{ issuer }` on an `iss` from another issuer (RFC 9207; `requireIss`: also on a missing one).
 */
export function parseCallback(url, expectedState, opts) {
  const o = options(opts, 'options');
  return { code: wasm(() => wasmParseCallback(str(url), expectedState, o.issuer, o.requireIss)) };
}

/** `{ method, url, headers, body }` for the token endpoint; `body` is `null` for GET (Logiless). */
export function buildTokenRequest(config, grant) {
  const c = clientFor(config);
  return wasm(() => c.tokenRequest(grant));
}

/** @internal The response's status and headers as the core wants them (the body goes beside). */
export function responseArgs(r) {
  const o = options(r, 'response');
  return { status: o.status, headers: pairs(o.headers) };
}

/** @internal The response body: a string, or absent. */
export function responseBody(r) {
  const body = options(r, 'response').body;
  if (body === undefined || body === null) return '';
  if (typeof body !== 'string') throw fail('invalid_parameter', 'response.body must be a string');
  // a lone surrogate would silently become U+FFFD on its way into wasm: refuse it instead
  if (body.isWellFormed?.() === false) throw fail('invalid_parameter', 'response.body is not well-formed text (lone surrogate)');
  return body;
}

/**
 * `{ status, headers, body }` from the token endpoint → a TokenSet (times in epoch ms). Pass the
 * request's `grantType`: it is recorded as the set's `grant` (`user` or `client_credentials`),
 * and only a client's own token is ever replaced by client credentials.
 */
export function parseTokenResponse(response, opts) {
  const o = options(opts, 'options');
  const now = o.now === undefined ? Date.now() : o.now;
  const r = responseArgs(response);
  const body = responseBody(response);
  const c = clientFor(o.config, true);
  const bytes = utf8Bytes(body); // native copies into wasm (a string argument is copied a character at a time)
  return wasm(() => c.parseTokenResponse(r.status, r.headers, bytes, now, o.previous, o.grantType));
}

/** An API request with the bearer token; `path` is relative to the API base (or a URL under it). */
export function buildApiRequest(config, tokens, path, opts) {
  const o = options(opts, 'options');
  const c = clientFor(config);
  return wasm(() => c.apiRequest(tokens, str(path), o.method, o.body));
}

/** The RFC 7009 revocation request for `token` (`tokenTypeHint`: "refresh_token", the default, or "access_token"). */
export function buildRevocationRequest(config, opts) {
  const o = options(opts, 'options');
  const c = clientFor(config);
  return wasm(() => c.revocationRequest(o.token, o.tokenTypeHint));
}

/** The revocation endpoint's answer to that request: returns when revoked (200), throws the error otherwise. */
export function parseRevocationResponse(config, opts, response) {
  const o = options(opts, 'options');
  const r = options(response, 'response');
  const body = r.body ?? '';
  const c = clientFor(config);
  wasm(() => c.parseRevocationResponse(o.token, o.tokenTypeHint, r.status, [...new Headers(r.headers ?? [])], body));
}
