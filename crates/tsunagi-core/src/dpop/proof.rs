//! A DPoP proof JWT (RFC 9449 §4.2) built around a signature the runtime makes: the header
//! (`typ: dpop+jwt`, `alg: ES256`, the public `jwk`), the claims (`jti`, `htm`, `htu`, `iat`, and
//! `nonce`, `ath` when they apply), the JWS signing input (RFC 7515 §5.1), and the compact proof
//! once the runtime hands back its raw `r || s` signature (RFC 7518 §3.4).

use super::key::PublicJwk;
use super::nonce::DpopNonce;
use crate::http::Method;
use crate::json::ObjectWriter;
use crate::secret::AccessToken;
use crate::time::Timestamp;
use crate::{base64url, uri, Error, ErrorCode, Result};
use sha2::{Digest, Sha256};
use std::fmt;

/// The only proof algorithm tsunagi signs with: ECDSA P-256 with SHA-256 (RFC 7518 §3.4),
/// the one every WebCrypto runtime offers for a non-extractable key.
pub const ALG: &str = "ES256";

/// The claims of one proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofClaims {
    /// `jti`: unique per proof (§4.2; servers refuse a replayed one, §11.1).
    pub jti: String,
    /// `htm`: the request's method.
    pub htm: Method,
    /// `htu`: the request's target URI without query and fragment ([`htu`]).
    pub htu: String,
    /// `iat`: when the proof was made, seconds since the epoch.
    pub iat: u64,
    /// `nonce`: the server's latest `DPoP-Nonce` for this origin, when it gave one (§8, §9).
    pub nonce: Option<DpopNonce>,
    /// `ath`: base64url(SHA-256(access token)), on requests to a resource server (§4.2, §7.1).
    pub ath: Option<String>,
}

/// `url` as the `htu` claim carries it (RFC 9449 §4.2): the target URI without its query and
/// fragment parts. `invalid_url` when `url` is not an absolute URL.
pub fn htu(url: &str) -> Result<String> {
    uri::split(url).ok_or_else(|| Error::new(ErrorCode::InvalidUrl, "a DPoP proof's target is an absolute URL (RFC 9449 §4.2)"))?;
    let end = url.find(['?', '#']).unwrap_or(url.len());
    Ok(url.get(..end).unwrap_or(url).to_owned())
}

/// The `ath` claim for `token` (RFC 9449 §4.2): base64url of the SHA-256 of its ASCII value.
pub fn ath(token: &AccessToken) -> String {
    base64url::encode(&Sha256::digest(token.secret().as_bytes()))
}

impl ProofClaims {
    /// The claims of a proof for `method` on `url` at `now`; `jti_entropy` (16 random bytes,
    /// from the platform's CSPRNG) becomes its `jti`.
    pub fn new(method: Method, url: &str, now: Timestamp, jti_entropy: &[u8; 16]) -> Result<Self> {
        Ok(ProofClaims { jti: base64url::encode(jti_entropy), htm: method, htu: htu(url)?, iat: now.as_secs(), nonce: None, ath: None })
    }

    /// With the server's `nonce` (§8.1, §9.1).
    pub fn with_nonce(mut self, nonce: Option<DpopNonce>) -> Self {
        self.nonce = nonce;
        self
    }

    /// With `ath` for the access token the request presents (§7.1).
    pub fn with_access_token(mut self, token: &AccessToken) -> Self {
        self.ath = Some(ath(token));
        self
    }

    fn to_json(&self) -> String {
        let mut w = ObjectWriter::with_capacity(256);
        w.str("jti", &self.jti).str("htm", self.htm.as_str()).str("htu", &self.htu).u64("iat", self.iat);
        w.opt_str("nonce", self.nonce.as_ref().map(DpopNonce::as_str)).opt_str("ath", self.ath.as_deref());
        w.finish()
    }
}

/// A proof before its signature: the JWS signing input `BASE64URL(header) "." BASE64URL(claims)`
/// (RFC 7515 §5.1) the runtime signs with the key's private half.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsignedProof {
    signing_input: String,
}

/// The length of an ES256 signature as JWS carries it: `r || s`, 32 bytes each (RFC 7518 §3.4).
/// WebCrypto's ECDSA `sign` returns exactly this form (not DER).
pub const SIGNATURE_LEN: usize = 64;

impl UnsignedProof {
    /// The proof of `claims` by `key`: header `{"typ":"dpop+jwt","alg":"ES256","jwk":{…}}`.
    pub fn new(key: &PublicJwk, claims: &ProofClaims) -> Self {
        let mut header = ObjectWriter::with_capacity(200);
        header.str("typ", "dpop+jwt").str("alg", ALG);
        let header = format!("{},\"jwk\":{}}}", header.finish().trim_end_matches('}'), key.to_json());
        let signing_input = format!("{}.{}", base64url::encode(header.as_bytes()), base64url::encode(claims.to_json().as_bytes()));
        UnsignedProof { signing_input }
    }

    /// The bytes to sign.
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }

    /// The compact proof with `signature`, which must be the raw 64-byte `r || s`
    /// ([`SIGNATURE_LEN`]); anything else (a DER signature) is `invalid_parameter`.
    pub fn finish(self, signature: &[u8]) -> Result<DpopProof> {
        if signature.len() != SIGNATURE_LEN {
            return Err(Error::new(ErrorCode::InvalidParameter, "an ES256 signature is 64 bytes, r || s (RFC 7518 §3.4)"));
        }
        Ok(DpopProof(format!("{}.{}", self.signing_input, base64url::encode(signature))))
    }
}

/// A signed proof, the value of the `DPoP` request header. Single use, tied to one request; its
/// `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct DpopProof(String);

impl DpopProof {
    /// The compact JWS.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DpopProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DpopProof([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{self, Json};

    const X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    fn segment(input: &str, i: usize) -> Json {
        let part = input.split('.').nth(i).unwrap_or_else(|| panic!("segment {i}"));
        let text = String::from_utf8(base64url::decode(part).unwrap_or_else(|_| panic!("base64"))).unwrap_or_else(|_| panic!("utf8"));
        json::parse(&text).unwrap_or_else(|_| panic!("json: {text}"))
    }

    #[test]
    fn htu_drops_query_and_fragment_only() {
        let h = |u: &str| htu(u).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(h("https://as.example/token?x=1#f"), "https://as.example/token");
        assert_eq!(h("https://rs.example:8443/api/v1/me#frag"), "https://rs.example:8443/api/v1/me");
        assert_eq!(h("http://127.0.0.1:3000/userinfo"), "http://127.0.0.1:3000/userinfo");
        assert_eq!(htu("/relative").map_err(|e| e.code()), Err(ErrorCode::InvalidUrl));
        assert_eq!(htu("https://bad host/").map_err(|e| e.code()), Err(ErrorCode::InvalidUrl));
    }

    #[test]
    fn ath_is_rfc9449_base64url_sha256() {
        // RFC 9449 §7.1's example: the token "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU" and its ath
        let t = AccessToken::new("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU");
        assert_eq!(ath(&t), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    }

    #[test]
    fn header_and_claims_are_exactly_rfc9449_s() {
        let key = PublicJwk::new(X, Y).unwrap_or_else(|e| panic!("{e}"));
        let claims = ProofClaims::new(Method::Post, "https://as.example/token?a=b#c", Timestamp::from_secs(1_562_262_616), &[7; 16])
            .unwrap_or_else(|e| panic!("{e}"))
            .with_nonce(Some(DpopNonce::new("eyJ7S_zG.eyJH0-Z.HX4w-7v").unwrap_or_else(|e| panic!("{e}"))))
            .with_access_token(&AccessToken::new("at"));
        let unsigned = UnsignedProof::new(&key, &claims);
        let input = std::str::from_utf8(unsigned.signing_input()).unwrap_or_else(|_| panic!("ascii"));
        let header = segment(input, 0);
        let header = header.as_object().unwrap_or_else(|| panic!("object"));
        assert_eq!((header.get_str("typ"), header.get_str("alg")), (Some("dpop+jwt"), Some("ES256")));
        let jwk = header.get("jwk").and_then(Json::as_object).unwrap_or_else(|| panic!("jwk"));
        assert_eq!(jwk.keys().collect::<Vec<_>>(), ["crv", "kty", "x", "y"]);
        let c = segment(input, 1);
        let c = c.as_object().unwrap_or_else(|| panic!("object"));
        assert_eq!(c.get_str("htm"), Some("POST"));
        assert_eq!(c.get_str("htu"), Some("https://as.example/token"));
        assert_eq!(c.get("iat").and_then(Json::as_u64), Some(1_562_262_616));
        assert_eq!(c.get_str("jti"), Some(base64url::encode(&[7; 16]).as_str()));
        assert_eq!(c.get_str("nonce"), Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"));
        assert_eq!(c.get_str("ath"), Some(ath(&AccessToken::new("at")).as_str()));
        // no nonce, no ath: the members are absent, not null
        let bare = ProofClaims::new(Method::Get, "https://rs.example/", Timestamp::from_secs(1), &[1; 16]).unwrap_or_else(|e| panic!("{e}"));
        let bare = UnsignedProof::new(&key, &bare);
        let c = segment(std::str::from_utf8(bare.signing_input()).unwrap_or_else(|_| panic!("ascii")), 1);
        assert!(c.as_object().is_some_and(|o| !o.contains_key("nonce") && !o.contains_key("ath")));
    }

    #[test]
    fn finish_takes_only_a_raw_64_byte_signature() {
        let key = PublicJwk::new(X, Y).unwrap_or_else(|e| panic!("{e}"));
        let claims = ProofClaims::new(Method::Get, "https://rs.example/", Timestamp::from_secs(1), &[1; 16]).unwrap_or_else(|e| panic!("{e}"));
        let unsigned = UnsignedProof::new(&key, &claims);
        assert_eq!(unsigned.clone().finish(&[0; 70]).map_err(|e| e.code()), Err(ErrorCode::InvalidParameter));
        let proof = unsigned.clone().finish(&[9; 64]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(proof.as_str().split('.').count(), 3);
        assert!(proof.as_str().starts_with(std::str::from_utf8(unsigned.signing_input()).unwrap_or_default()));
        assert_eq!(format!("{proof:?}"), "DpopProof([redacted])");
    }
}
