// tsunagi — a generic server's metadata (RFC 8414 / OpenID Connect Discovery), the id_token's
// signature verified with WebCrypto, and token revocation (RFC 7009).
//
// The core decides (where the documents are, whether the metadata's issuer is exactly the configured
// one, which JWKS key fits, the id_token's claim checks, what a revocation answer means); this file
// fetches and caches. Caches are in this page's (or process's) memory only, never in storage: at
// most 16 issuers' metadata and 16 JWKS, each kept for an hour; a JWKS without the id_token's key
// is fetched again once (the server rotated its keys), then the verification fails.
import { TsunagiError, call, options } from './core.js';

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

const fetchOf = (f) => {
  const g = f ?? globalThis.fetch;
  if (typeof g !== 'function') throw fail('invalid_config', 'no fetch function is available: pass options.fetch');
  return (...a) => g.apply(globalThis, a);
};

// A GET for a public JSON document: no cookies, no redirects followed.
async function getJson(fetchFn, url) {
  let r;
  try {
    r = await fetchFn(url, { method: 'GET', headers: { accept: 'application/json' }, redirect: 'error', credentials: 'omit' });
  } catch (cause) {
    throw fail('transport', `${new URL(url).origin} could not be reached`, { cause });
  }
  return { status: r.status, headers: [...r.headers], body: await r.text() };
}

/**
 * The checked metadata of `issuer` (RFC 8414 §3.1's location first, then OpenID Connect
 * Discovery's; the first 200 answer is taken), cached. Throws `metadata_issuer_mismatch` when the
 * document names another issuer, `metadata_invalid` when it cannot be used or none was found.
 */
export async function discover(issuer, opts) {
  const o = options(opts, 'options');
  const fetchFn = fetchOf(o.fetch);
  if (typeof issuer !== 'string') throw fail('invalid_config', 'issuer must be a string');
  const urls = JSON.parse(call('metadata_urls', { issuer }));
  return cached(
    metadataCache,
    issuer,
    async () => {
      for (const [i, url] of urls.entries()) {
        const r = await getJson(fetchFn, url);
        if (r.status !== 200 && i < urls.length - 1) continue;
        call('parse_metadata', { issuer, response: { status: r.status, headers: r.headers } }, undefined, r.body); // throws unless usable
        return JSON.parse(r.body);
      }
    },
    o.cache === false,
  );
}

/**
 * `config` ready for the core: a generic config that names its `issuer` but no `tokenEndpoint` (or,
 * with `always`, no `metadata`) gets the discovered `metadata`. Other configs are returned as they are.
 */
export async function withMetadata(config, fetchFn, always = false) {
  if (!(always ? config?.provider === 'generic' && typeof config.issuer === 'string' && !config.metadata : needsMetadata(config))) return config;
  return { ...config, metadata: await discover(config.issuer, { fetch: fetchFn }) };
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

/**
 * Verifies an id_token (OpenID Connect Core §3.1.3.7) and returns its **verified** claims: the
 * signature with WebCrypto against the issuer's JWKS (RS256, PS256, ES256, EdDSA where the runtime
 * has Ed25519; one refetch on an unknown `kid`), then `iss`, `aud`, `azp`, `exp`/`iat` (with
 * `leewaySecs`), `sub` and, when given, `nonce`. `config` is a generic config with `issuer` and
 * `clientId` (metadata discovered when missing).
 */
export async function verifyIdToken(config, idToken, opts) {
  const o = options(opts, 'options');
  const fetchFn = fetchOf(o.fetch);
  if (typeof idToken !== 'string') throw fail('id_token_invalid', 'the id_token is not a string');
  const cfg = await withMetadata(config, fetchFn, !config?.jwksUri);
  const parts = JSON.parse(call('id_token_parts', { idToken })); // a well-formed JWS with an accepted alg
  const [importAlgorithm, verifyAlgorithm] = WEBCRYPTO[parts.alg];
  const signingInput = idToken.slice(0, idToken.lastIndexOf('.'));
  const signature = idToken.slice(idToken.lastIndexOf('.') + 1);
  const jwksUri = cfg?.jwksUri ?? cfg?.metadata?.jwks_uri;
  if (typeof jwksUri !== 'string') throw fail('invalid_config', 'verifying an id_token needs the issuer’s jwks_uri (metadata) or config.jwksUri');
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw fail('unsupported_algorithm', 'WebCrypto (crypto.subtle) is not available here: a secure context is needed');
  const jwks = (refresh) => cached(jwksCache, jwksUri, () => getJson(fetchFn, jwksUri).then((r) => jwksBody(r)), refresh);
  const pick = (text) => call('select_jwk', { alg: parts.alg, kid: parts.kid }, undefined, text);
  let jwk = pick(await jwks(false));
  if (!jwk) jwk = pick(await jwks(true)); // the server may have rotated its keys: once
  if (!jwk) throw fail('jwk_not_found', 'no key of the issuer’s JWKS fits the id_token (kid, key type, alg), even after refetching it');
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
  return JSON.parse(call('check_id_token', { idToken, nonce: o.nonce ?? undefined, now, leewaySecs: o.leewaySecs }, cfg));
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
