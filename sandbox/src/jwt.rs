//! HS256 JSON Web Tokens for LawVu access tokens: signing with the sandbox
//! key and strict verification (header `alg`, signature, `exp` against the
//! sandbox clock). No external JWT crate: just HMAC-SHA256 and base64url.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The claims a LawVu access token carries (as in the vendor document), plus
/// `jti` and `client_id` the sandbox uses to track issued tokens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub name: String,
    #[serde(rename = "organisationId")]
    pub organisation_id: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
}

/// Why a token was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    Malformed,
    BadSignature,
    Expired,
}

impl JwtError {
    /// Human-readable description for error bodies.
    pub fn describe(&self) -> &'static str {
        match self {
            JwtError::Malformed => "The access token is malformed",
            JwtError::BadSignature => "The access token signature is invalid",
            JwtError::Expired => "The access token expired",
        }
    }
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so the fallback is never taken.
    <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()))
}

/// HMAC-SHA256 of `data` under `key` (also used for LegalOn page tokens).
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = mac(key);
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// Signs claims as a compact HS256 JWT.
pub fn sign(key: &[u8], claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let mut m = mac(key);
    m.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    format!("{signing_input}.{sig}")
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Verifies signature and `alg`, then `exp` strictly after `now`.
pub fn verify(key: &[u8], token: &str, now: i64) -> Result<Claims, JwtError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(JwtError::Malformed);
    };
    let header_bytes = URL_SAFE_NO_PAD.decode(h).map_err(|_| JwtError::Malformed)?;
    let header: Header = serde_json::from_slice(&header_bytes).map_err(|_| JwtError::Malformed)?;
    if header.alg != "HS256" {
        return Err(JwtError::BadSignature);
    }
    let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    let mut m = mac(key);
    m.update(h.as_bytes());
    m.update(b".");
    m.update(p.as_bytes());
    m.verify_slice(&sig).map_err(|_| JwtError::BadSignature)?;
    let payload = URL_SAFE_NO_PAD.decode(p).map_err(|_| JwtError::Malformed)?;
    let claims: Claims = serde_json::from_slice(&payload).map_err(|_| JwtError::Malformed)?;
    if claims.exp <= now {
        return Err(JwtError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: "user-id-123".into(),
            name: "Jane Smith".into(),
            organisation_id: "org-id-456".into(),
            exp,
            iat: exp - 3600,
            jti: "j".into(),
            client_id: "c".into(),
        }
    }

    #[test]
    fn round_trip_and_failures() {
        let key = b"0123456789abcdef0123";
        let t = sign(key, &claims(2000));
        assert_eq!(verify(key, &t, 1000), Ok(claims(2000)));
        assert_eq!(verify(key, &t, 2000), Err(JwtError::Expired));
        assert_eq!(verify(b"another-key-123456", &t, 1000), Err(JwtError::BadSignature));
        assert_eq!(verify(key, "a.b", 1000), Err(JwtError::Malformed));
        let mut tampered = t.clone();
        tampered.push('A');
        assert!(verify(key, &tampered, 1000).is_err());
    }
}
