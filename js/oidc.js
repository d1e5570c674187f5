// tsunagi — a generic server's metadata (RFC 8414 / OpenID Connect Discovery), the id_token's
// signature verified with WebCrypto, and token revocation (RFC 7009).
//
// The core decides (where the documents are, whether the metadata's issuer is exactly the configured
// one, which JWKS key fits, the id_token's claim checks, what a revocation answer means); this file
// fetches and caches. Caches are in this page's (or process's) memory only, never in storage: at
// most 16 issuers' metadata and 16 JWKS, each kept for an hour. A JWKS without the id_token's key
// is fetched again (the server rotated its keys) at most once per 30 s per JWKS, that one refetch
// shared by concurrent callers; otherwise the verification fails without a request. Every request
// honours `requestTimeoutMs` and the caller's `AbortSignal`.
import { TsunagiError, abortSignal, call, fetchWithin, options } from './core.js';

const fail = (code, message, details) => new TsunagiError(code, `${code}: ${message}`, details);

/** How many issuers' metadata, and how many JWKS, stay cached; and for how long. */
const MAX_CACHED = 16;
const CACHE_MS = 3_600_000;
const metadataCache = new Map();
const jwksCache = new Map();

// The cached promise under `key` if younger than CACHE_MS, else a new one from `make()`; the least
// recently used entry goes when there are more than MAX_CACHED. A failed fetch is not kept.
function cached(cache, key, make, refresh = false) {
  const hit = cache.get(key);
  cache.delete(key);
  if (hit && !refresh && Date.now() - hit.at < CACHE_MS) {
    cache.set(key, hit);
    return hit.value;
  }
  const entry = { at: Date.now(), value: make() };
  entry.value.catch(() => cache.get(key) === entry && cache.delete(key));
  cache.set(key, entry);
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value);
  return entry.value;
}

/** The RFC 8414 §2 members tsunagi uses (index.d.ts `ServerMetadata`). */
const METADATA_MEMBERS = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'revocation_endpoint',
  'scopes_supported',
  'token_endpoint_auth_methods_supported',
  'code_challenge_methods_supported',
  'authorization_response_iss_parameter_supported',
  'id_token_signing_alg_values_supported',
];

const fetchOf = (f) => {
  const g = f ?? globalThis.fetch;
  if (typeof g !== 'function') throw fail('invalid_config', 'no fetch function is available: pass options.fetch');
  return (...a) => g.apply(globalThis, a);
};

// A GET for a public JSON document: no cookies, no redirects followed, within `timeoutMs` (the
// body read included). A shared (cached) fetch gets no caller's signal: each caller's wait is
// abortable instead (`abortable`), and the fetch goes on for the others.
async function getJson(fetchFn, url, timeoutMs, what) {
  const init = { method: 'GET', headers: { accept: 'application/json' }, redirect: 'error', credentials: 'omit' };
  const { response, done } = await fetchWithin(fetchFn, url, init, { timeoutMs, what, whole: true });
  try {
    return { status: response.status, headers: [...response.headers], body: await response.text() };
  } catch (cause) {
    throw fail('transport', `${what} could not be read`, { cause });
  } finally {
    done();
  }
}

/** `promise`, or the signal's reason as soon as it aborts (the work behind it goes on). */
export function abortable(promise, signal) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
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
  const urls = JSON.parse(call('metadata_urls', { issuer }));
  const timeoutMs = timeoutOf(o);
  const run = () => within(timeoutMs, `the metadata of ${issuer}`, (left) => fetchMetadata(fetchFn, issuer, urls, left));
  return abortable(cached(metadataCache, issuer, run, o.cache === false), signal);
}

// `work(msLeft)`, failing with `timeout` once `timeoutMs` has passed since it started.
async function within(timeoutMs, what, work) {
  const deadline = Date.now() + timeoutMs;
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(fail('timeout', `${what} did not arrive within ${timeoutMs} ms`)), timeoutMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([work(() => Math.max(1, deadline - Date.now())), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function fetchMetadata(fetchFn, issuer, urls, left) {
  const tried = [];
  let answered = false;
  for (const url of urls) {
    let r;
    try {
      r = await getJson(fetchFn, url, left(), url);
    } catch (e) {
      if (e?.code === 'timeout') throw e;
      tried.push(`${url} (no answer)`);
      continue;
    }
    answered = true;
    if (r.status !== 200) {
      tried.push(`${url} (HTTP ${r.status})`);
      continue;
    }
    call('parse_metadata', { issuer, response: { status: r.status, headers: r.headers } }, undefined, r.body); // throws unless usable
    // only what tsunagi reads: the config carrying it crosses into wasm on every call
    const doc = JSON.parse(r.body);
    return Object.fromEntries(METADATA_MEMBERS.filter((k) => doc[k] !== undefined).map((k) => [k, doc[k]]));
  }
  const where = `tried ${tried.join(', ')}`;
  if (!answered) throw fail('transport', `no server metadata location of ${issuer} could be reached: ${where}`);
  throw fail('metadata_invalid', `no server metadata was found for ${issuer}: ${where}`);
}

/**
 * `config` ready for the core: a generic config that names its `issuer` but no `tokenEndpoint` (or,
 * with `always`, no `metadata`) gets the discovered `metadata`. Other configs are returned as they
 * are. `opts`: `{ requestTimeoutMs, signal }` for the discovery.
 */
export async function withMetadata(config, fetchFn, always = false, opts = {}) {
  if (!(always ? config?.provider === 'generic' && typeof config.issuer === 'string' && !config.metadata : needsMetadata(config))) return config;
  return { ...config, metadata: await discover(config.issuer, { fetch: fetchFn, requestTimeoutMs: opts.requestTimeoutMs, signal: opts.signal }) };
}

/** Whether a configuration needs its metadata fetched before the core can build its client. */
export const needsMetadata = (config) => config?.provider === 'generic' && typeof config.issuer === 'string' && !config.metadata && !config.tokenEndpoint;

const b64urlBytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

// WebCrypto's importKey and verify algorithms for each JWS alg the core accepts (RFC 7518 §3.3-3.5,
// RFC 8037: PS256's salt is the hash length; ES256's signature is r || s, as WebCrypto takes it).
const WEBCRYPTO = {
  RS256: [{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, { name: 'RSASSA-PKCS1-v1_5' }],
  PS256: [
    { name: 'RSA-PSS', hash: 'SHA-256' },
    { name: 'RSA-PSS', saltLength: 32 },
  ],
  ES256: [
    { name: 'ECDSA', namedCurve: 'P-256' },
    { name: 'ECDSA', hash: 'SHA-256' },
  ],
  EdDSA: [{ name: 'Ed25519' }, { name: 'Ed25519' }],
};

// The last refetch of each JWKS for an unknown kid (ms since the epoch), at most MAX_CACHED of them.
const REFETCH_COOLDOWN_MS = 30_000;
const refetchedAt = new Map();

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
  const timeoutMs = timeoutOf(o);
  const cfg = await withMetadata(config, fetchFn, !config?.jwksUri, { requestTimeoutMs: timeoutMs, signal });
  const parts = JSON.parse(call('id_token_parts', { idToken })); // a well-formed JWS with an accepted alg
  const [importAlgorithm, verifyAlgorithm] = WEBCRYPTO[parts.alg];
  const signingInput = idToken.slice(0, idToken.lastIndexOf('.'));
  const signature = idToken.slice(idToken.lastIndexOf('.') + 1);
  const jwksUri = cfg?.jwksUri ?? cfg?.metadata?.jwks_uri;
  if (typeof jwksUri !== 'string') throw fail('invalid_config', 'verifying an id_token needs the issuer’s jwks_uri (metadata) or config.jwksUri');
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw fail('unsupported_algorithm', 'WebCrypto (crypto.subtle) is not available here: a secure context is needed');
  const jwks = (refresh) =>
    abortable(
      cached(jwksCache, jwksUri, () => getJson(fetchFn, jwksUri, timeoutMs, 'the issuer’s JWKS').then((r) => jwksBody(r)), refresh),
      signal,
    );
  const pick = (text) => call('select_jwk', { alg: parts.alg, kid: parts.kid }, undefined, text);
  let jwk = pick(await jwks(false));
  if (!jwk) {
    // the server may have rotated its keys: refetch, unless this JWKS was refetched less than 30 s
    // ago — then the JWKS cached now is that refetch's (still in flight, or done)
    const last = refetchedAt.get(jwksUri);
    const refetch = last === undefined || Date.now() - last >= REFETCH_COOLDOWN_MS;
    if (refetch) {
      refetchedAt.delete(jwksUri);
      refetchedAt.set(jwksUri, Date.now());
      while (refetchedAt.size > MAX_CACHED) refetchedAt.delete(refetchedAt.keys().next().value);
    }
    jwk = pick(await jwks(refetch));
  }
  if (!jwk) throw fail('jwk_not_found', 'no key of the issuer’s JWKS fits the id_token (kid, key type, alg), even after refetching it (at most once per 30 s)');
  let valid;
  try {
    const key = await subtle.importKey('jwk', JSON.parse(jwk), importAlgorithm, false, ['verify']);
    valid = await subtle.verify(verifyAlgorithm, key, b64urlBytes(signature), new TextEncoder().encode(signingInput));
  } catch (cause) {
    if (cause?.name === 'NotSupportedError') throw fail('unsupported_algorithm', `this runtime’s WebCrypto cannot verify ${parts.alg}`, { cause });
    throw fail('id_token_signature_invalid', 'the id_token’s key or signature could not be used', { cause });
  }
  if (!valid) throw fail('id_token_signature_invalid', 'the id_token’s signature does not verify with the issuer’s key');
  const now = typeof o.now === 'function' ? o.now() : (o.now ?? Date.now());
  const original = o.original === undefined ? undefined : JSON.stringify(o.original);
  return JSON.parse(call('check_id_token', { idToken, nonce: o.nonce ?? undefined, original, now, leewaySecs: o.leewaySecs }, cfg));
}

function jwksBody(r) {
  if (r.status !== 200) throw fail('jwks_invalid', `the JWKS answered HTTP ${r.status}`, { status: r.status });
  return r.body;
}

/** The RFC 7009 revocation request for `token` (`tokenTypeHint`: "refresh_token", the default, or "access_token"). */
export function buildRevocationRequest(config, opts) {
  const o = options(opts, 'options');
  return JSON.parse(call('revocation_request', { token: o.token, tokenTypeHint: o.tokenTypeHint }, config));
}

/** The revocation endpoint's answer to that request: returns when revoked (200), throws the error otherwise. */
export function parseRevocationResponse(config, opts, response) {
  const o = options(opts, 'options');
  const r = options(response, 'response');
  const body = r.body ?? '';
  call(
    'parse_revocation_response',
    { token: o.token, tokenTypeHint: o.tokenTypeHint, response: { status: r.status, headers: [...new Headers(r.headers ?? [])] } },
    config,
    body,
  );
}

/** Whether the configuration has a revocation endpoint (configured, or in its metadata). */
export const canRevoke = (config) => typeof (config?.revocationEndpoint ?? config?.metadata?.revocation_endpoint) === 'string';
