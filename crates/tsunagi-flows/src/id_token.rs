//! An id_token verified, for the browser and the Worker alike (OpenID Connect Core §3.1.3.7 at
//! sign-in, §12.2 after a refresh): parsed by the core, its key picked from the issuer's JWKS
//! (cached, with the bounded refetch on an unknown `kid`), the signature checked through the
//! runtime's [`SignatureCheck`], then the core's claim checks.

use crate::documents::DocumentCache;
use crate::ports::{Answer, Clock, SignatureCheck, Sleep, Transport};
use tsunagi_core::id_token::{IdToken, IdTokenExpectations, JwsAlgorithm};
use tsunagi_core::{jwks, Error, ErrorCode, HttpRequest, Method, Result};

/// How many JWKS a runtime keeps, and for how long (ms).
pub const JWKS_CACHED: usize = 16;
/// How long a JWKS is kept (one hour).
pub const JWKS_KEEP_MS: u64 = 3_600_000;
/// A JWKS without the id_token's `kid` is fetched again at most this often (issue 21 item 3): a
/// token naming a key the server never had costs the server one request per 30 s, not one per
/// verification.
pub const REFETCH_COOLDOWN_MS: u64 = 30_000;

/// A cache for the issuers' JWKS with the bounds above; a runtime keeps one per isolate or page.
pub const fn jwks_cache() -> DocumentCache {
    DocumentCache::new(JWKS_CACHED, JWKS_KEEP_MS)
}

/// What the verified id_token must say: the core's claim expectations, and for a refresh the
/// id_token the session started with.
pub struct Expected<'a> {
    /// The issuer, client id, nonce, time and leeway the claims are checked against (the core's).
    pub claims: IdTokenExpectations<'a>,
    /// For a refresh's id_token: the claims JSON of the id_token the session started with
    /// (OpenID Connect Core §12.2: the same `iss`, `sub`, `aud`; `auth_time` not earlier).
    pub original: Option<&'a str>,
}

/// What a verification runs with (borrowed; cheap to build per call).
pub struct IdTokenVerifier<'a, T, C, S, V> {
    /// Fetches the JWKS.
    pub transport: &'a T,
    /// Tells the time (the cache's ages, the refetch cool-down).
    pub clock: &'a C,
    /// Waits while another caller fetches the same JWKS.
    pub sleep: &'a S,
    /// Checks the signature.
    pub signature: &'a V,
    /// The runtime's JWKS cache ([`jwks_cache`]).
    pub jwks: &'a DocumentCache,
    /// How long a caller waits for another caller's fetch before fetching itself (the runtime's
    /// request time-out).
    pub wait_ms: u64,
}

impl<T: Transport, C: Clock, S: Sleep, V: SignatureCheck> IdTokenVerifier<'_, T, C, S, V> {
    /// Verifies `id_token` against the JWKS at `jwks_uri` and `expected`, and returns it parsed
    /// (its claims now verified). Errors: the core's parse and claim errors (`id_token_invalid`,
    /// ...), `jwks_invalid`, `jwk_not_found`, `id_token_signature_invalid`, `unsupported_algorithm`,
    /// the transport's.
    pub async fn verify(&self, id_token: &str, jwks_uri: &str, expected: &Expected<'_>) -> Result<IdToken> {
        let t = IdToken::parse(id_token)?;
        let jwk = self.key(jwks_uri, t.alg(), t.kid()).await?;
        if !self.signature.verify(t.alg(), &jwk, t.signing_input(), t.signature()).await? {
            return Err(Error::new(ErrorCode::IdTokenSignatureInvalid, "the id_token's signature does not verify with the issuer's key"));
        }
        match expected.original {
            Some(original) => t.check_refreshed(original, &expected.claims)?,
            None => t.check_claims(&expected.claims)?,
        }
        Ok(t)
    }

    /// The public JWK (JSON text) for an `alg` signature under `kid`, from the JWKS at `jwks_uri`:
    /// the cached document, else fetched; when no key fits, fetched again unless a refetch of that
    /// JWKS was claimed less than [`REFETCH_COOLDOWN_MS`] ago (then the document that refetch
    /// brings, or the cached one). [`ErrorCode::JwkNotFound`] when still no key fits.
    pub async fn key(&self, jwks_uri: &str, alg: JwsAlgorithm, kid: Option<&str>) -> Result<String> {
        let text = self.document(jwks_uri, false).await?;
        if let Some(k) = jwks::select_jwk(&text, alg, kid)? {
            return Ok(k);
        }
        // the server may have rotated its keys
        let refetch = self.jwks.claim_refetch(jwks_uri, self.clock.now().as_millis(), REFETCH_COOLDOWN_MS);
        let text = self.document(jwks_uri, refetch).await?;
        jwks::select_jwk(&text, alg, kid)?.ok_or_else(jwks::no_key)
    }

    async fn document(&self, uri: &str, refresh: bool) -> Result<std::rc::Rc<str>> {
        self.jwks.get(uri, self.clock, self.sleep, self.wait_ms, refresh, || fetch_jwks(self.transport, uri)).await
    }
}

/// One GET of the JWKS: 200 and a `{"keys": [...]}` document, else `jwks_invalid`.
async fn fetch_jwks<T: Transport>(transport: &T, uri: &str) -> Result<String> {
    let request = HttpRequest { method: Method::Get, url: uri.to_owned(), headers: vec![("accept".into(), "application/json".into())], body: None };
    let answer = transport.send(&request).await?.read().await?;
    if answer.status != 200 {
        return Err(Error::new(ErrorCode::JwksInvalid, format!("the issuer's JWKS answered HTTP {}", answer.status)).with_status(answer.status));
    }
    jwks::select_jwk(&answer.body, JwsAlgorithm::Rs256, None)?; // a JWKS at all, else jwks_invalid (nothing kept)
    Ok(answer.body)
}
