// tsunagi — OpenID Connect in the browser: discovery (RFC 8414, OIDC Discovery) and the id_token
// verifier, and the OAuthClient that uses them. Only the `tsunagi` entry (and node/workerd) loads
// this file: `tsunagi/lawvu` has neither this file nor the wasm code behind it.
import { OAuthClient as BaseClient } from './client.js';
import { abortable, abortSignal, fail, flow, options } from './core.js';
import { discoverMetadata, flowBeginAuthorization, verifyIdTokenWith } from './tsunagi_wasm.js';

function json(value, what) {
  try {
    return JSON.stringify(value);
  } catch (cause) {
    throw fail('invalid_parameter', `${what} must be plain JSON values`, { cause });
  }
}

// The shared Rust verifier (crates/tsunagi-flows, the Worker runs the same) decides, caches and
// checks — metadata locations and their fallback, the JWKS cache with its bounded refetch, the
// signature through WebCrypto (web-sys), the claims — and fetches the documents itself
// (src/js/http.rs: gloo-net, or the app's `fetch` option; no cookies, no redirects followed).

/**
 * @internal The `fetch` option for the Rust side: the app's, called with `globalThis` as `this`, or
 * `undefined` (the requests go through gloo-net, the global `fetch`).
 */
function fetchOf(f) {
  if (typeof (f ?? globalThis.fetch) !== 'function') throw fail('invalid_config', 'no fetch function is available: pass options.fetch');
  return f == null ? undefined : (...a) => f.apply(globalThis, a);
}

/** The `requestTimeoutMs` option (default 30 s). */
const timeoutOf = (o) => (Number.isFinite(o.requestTimeoutMs) && o.requestTimeoutMs > 0 ? o.requestTimeoutMs : 30_000);

/**
 * The checked metadata of `issuer`, cached. The locations are tried in order — RFC 8414 §3.1's,
 * then OpenID Connect Discovery §4's — and a location that fails (any status but 200, or no answer:
 * a browser reports a 404 without CORS headers as a network failure) moves on to the next; the
 * first 200 is taken. Throws `metadata_issuer_mismatch` when that document names another issuer,
 * `metadata_invalid` when it cannot be used or when no location answered 200 (`transport` when
 * none answered at all), naming every location tried; `timeout` after `requestTimeoutMs` (default
 * 30 s, for the whole discovery); the `signal`'s reason when it aborts.
 */
export async function discover(issuer, opts) {
  const o = options(opts, 'options');
  const fetchFn = fetchOf(o.fetch);
  const signal = abortSignal(o.signal);
  if (typeof issuer !== 'string') throw fail('invalid_config', 'issuer must be a string');
  const text = await abortable(flow(discoverMetadata(issuer, fetchFn, o.cache === false, timeoutOf(o))), signal);
  return JSON.parse(text);
}

/**
 * @internal Whether a configuration needs its metadata fetched before the core can build its client:
 * no `tokenEndpoint`, or `par: true` (the PAR endpoint is only in the metadata, RFC 9126 §5).
 */
export const needsMetadata = (config) =>
  config?.provider === 'generic' && typeof config.issuer === 'string' && !config.metadata && (!config.tokenEndpoint || config.par === true);

/**
 * @internal `config` ready for the core: a generic config that names its `issuer` but no
 * `tokenEndpoint` (or, with `always`, no `metadata`) gets the discovered `metadata`. Other configs
 * are returned as they are. `opts`: `{ requestTimeoutMs, signal }` for the discovery.
 */
export async function withMetadata(config, fetchFn, always = false, opts = {}) {
  if (!(always ? config?.provider === 'generic' && typeof config.issuer === 'string' && !config.metadata : needsMetadata(config))) return config;
  return { ...config, metadata: await discover(config.issuer, { fetch: fetchFn, requestTimeoutMs: opts.requestTimeoutMs, signal: opts.signal }) };
}

/**
 * Verifies an id_token (OpenID Connect Core §3.1.3.7) and returns its **verified** claims: the
 * signature with WebCrypto against the issuer's JWKS (RS256, PS256, ES256, EdDSA where the runtime
 * has Ed25519; on an unknown `kid`, one refetch per 30 s per JWKS, shared by concurrent calls), then
 * `iss`, `aud`, `azp`, `exp`/`iat` (with `leewaySecs`), `sub` and, when given, `nonce`. With
 * `original` (the verified claims of the id_token the session started with) the token is one a
 * refresh returned (OpenID Connect Core §12.2): the same `iss`, `sub` and `aud` as the original,
 * `auth_time` not earlier, `nonce` absent or the original's. `config` is a generic config with
 * `issuer` and `clientId` (metadata discovered when missing). Requests honour `requestTimeoutMs`
 * (default 30 s) and `signal`.
 */
export async function verifyIdToken(config, idToken, opts) {
  const o = options(opts, 'options');
  const fetchFn = fetchOf(o.fetch);
  const signal = abortSignal(o.signal);
  if (typeof idToken !== 'string') throw fail('id_token_invalid', 'the id_token is not a string');
  if (o.original !== undefined && (o.original === null || typeof o.original !== 'object'))
    throw fail('invalid_parameter', 'original must be the original id_token’s claims');
  if (o.nonce !== undefined && o.nonce !== null && typeof o.nonce !== 'string') throw fail('invalid_parameter', 'nonce must be a string');
  const timeoutMs = timeoutOf(o);
  const cfg = await withMetadata(config, o.fetch, !config?.jwksUri, { requestTimeoutMs: timeoutMs, signal });
  const now = typeof o.now === 'function' ? o.now() : (o.now ?? Date.now());
  if (!Number.isFinite(now)) throw fail('invalid_parameter', 'now must be a time in ms');
  const original = o.original === undefined ? undefined : JSON.stringify(o.original);
  const leeway = o.leewaySecs ?? undefined;
  if (leeway !== undefined && !(Number.isInteger(leeway) && leeway >= 0)) throw fail('invalid_parameter', 'leewaySecs must be a whole number of seconds');
  const run = verifyIdTokenWith(json(cfg, 'config'), idToken, fetchFn, o.nonce ?? undefined, original, now, leeway, timeoutMs);
  return JSON.parse(await abortable(flow(run), signal));
}

/**
 * The browser client with OpenID Connect: a generic config that names only its `issuer` is
 * discovered on first use, an `openid` login's id_token verified before anything is stored, and a
 * refreshed one checked against the original (js/client.js says what the client does).
 */
// DPoP (RFC 9449): each client's key pair, which src/js/dpop.rs makes with WebCrypto, ECDSA P-256,
// non-extractable. Kept by structured clone in IndexedDB (database "tsunagi-dpop", under the
// client's storage key; IndexedDB is per origin), so it survives reloads; in memory where there is
// no IndexedDB or it fails (Node: one key per client key and process). Forgotten at logout: the next
// sign-in gets a new key.
const memoryKeys = new Map();

/** Runs `op` on the key store in one transaction; its request's result. */
function inIdb(op) {
  return new Promise((ok, ko) => {
    const open = globalThis.indexedDB.open('tsunagi-dpop', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('keys');
    open.onerror = () => ko(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('keys', 'readwrite');
      const req = op(tx.objectStore('keys'));
      tx.oncomplete = () => {
        db.close();
        ok(req.result);
      };
      tx.onerror = tx.onabort = () => {
        db.close();
        ko(tx.error);
      };
    };
  });
}

/** `op` on IndexedDB when there is one and it works, else `memory()`. */
async function keyStore(op, memory) {
  if (globalThis.indexedDB) {
    try {
      return await inIdb(op);
    } catch {
      /* private modes, quotas: the key lives in memory for this page */
    }
  }
  return memory();
}

/** @internal The ports of the DPoP key pair of the client whose storage key is `id` (src/js/ports.rs). */
const dpop = (id) => ({
  dpopKey: async () =>
    (await keyStore(
      (s) => s.get(id),
      () => memoryKeys.get(id),
    )) ?? null,
  // keeps `pair` unless a pair is kept already (another tab made one at the same moment: IndexedDB
  // runs the two transactions one after the other), and answers that one for the caller to use
  dpopKeep: async (pair) =>
    (await keyStore(
      (s) => {
        const kept = s.get(id);
        kept.onsuccess = () => {
          if (kept.result === undefined) s.add(pair, id);
        };
        return kept;
      },
      () => {
        if (!memoryKeys.has(id)) memoryKeys.set(id, pair);
        return memoryKeys.get(id) === pair ? undefined : memoryKeys.get(id);
      },
    )) ?? null,
  dpopForget: () =>
    keyStore(
      (s) => s.delete(id),
      () => memoryKeys.delete(id),
    ),
});

export class OAuthClient extends BaseClient {
  /** @internal What OAuthClient needs of OpenID Connect. */
  static oidc = { needsMetadata, withMetadata, verifyIdToken, beginAuthorization: flowBeginAuthorization, dpop };
}
