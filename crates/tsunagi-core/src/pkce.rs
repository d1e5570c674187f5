//! PKCE (RFC 7636) with the S256 method only, as RFC 9700 §2.1.1 requires.
//!
//! The verifier is made from caller-supplied entropy (sans-IO) or, with the `getrandom` feature,
//! from the platform CSPRNG.

use crate::{base64url, Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// A PKCE code verifier (RFC 7636 §4.1): 43–128 characters of `[A-Za-z0-9-._~]`. Secret until
/// the token exchange; `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PkceVerifier(String);

/// A PKCE code challenge (RFC 7636 §4.2), `BASE64URL(SHA256(verifier))`; public.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkceChallenge(String);

impl PkceVerifier {
    /// A verifier from 32 bytes of entropy: 43 base64url characters (256 bits, RFC 7636 §4.1).
    pub fn from_entropy(entropy: &[u8; 32]) -> Self {
        PkceVerifier(base64url::encode(entropy))
    }

    /// A verifier from the platform CSPRNG.
    #[cfg(feature = "getrandom")]
    pub fn generate() -> Result<Self> {
        Ok(Self::from_entropy(&crate::state::random_32()?))
    }

    /// Accepts an existing verifier (e.g. read back from storage), checking RFC 7636 §4.1 syntax.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        let ok_len = (43..=128).contains(&value.len());
        let ok_chars = value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        if ok_len && ok_chars {
            Ok(PkceVerifier(value))
        } else {
            Err(Error::new(ErrorCode::InvalidParameter, "a PKCE code verifier is 43-128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)"))
        }
    }

    /// The verifier itself, sent once in the token request. Never log it.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The S256 challenge for this verifier.
    pub fn challenge(&self) -> PkceChallenge {
        PkceChallenge::s256(self.0.as_str())
    }
}

impl TryFrom<String> for PkceVerifier {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        PkceVerifier::new(value)
    }
}

impl From<PkceVerifier> for String {
    fn from(v: PkceVerifier) -> String {
        v.0
    }
}

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier([redacted])")
    }
}

impl PkceChallenge {
    /// `BASE64URL-ENCODE(SHA256(ASCII(verifier)))` (RFC 7636 §4.2). Works for any string so
    /// the JS `pkceChallenge(verifier)` can hash what it is given.
    pub fn s256(verifier: &str) -> Self {
        PkceChallenge(base64url::encode(&Sha256::digest(verifier.as_bytes())))
    }
    /// A challenge computed elsewhere (e.g. passed in by the JS `buildAuthorizationUrl`): an S256
    /// challenge is exactly 43 base64url characters (RFC 7636 §4.2); anything else is
    /// `invalid_parameter`.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        if value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            Ok(PkceChallenge(value))
        } else {
            Err(Error::new(ErrorCode::InvalidParameter, "an S256 code challenge is 43 base64url characters (RFC 7636 §4.2)"))
        }
    }
    /// The challenge value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The method name sent as `code_challenge_method`.
    pub const METHOD: &'static str = "S256";
}

/// First `n` lowercase hex digits of SHA-256 of `data` (for non-reversible fingerprints).
pub(crate) fn sha256_hex_prefix(data: &[u8], n: usize) -> String {
    let digest = Sha256::digest(data);
    let mut out = String::with_capacity(n);
    for b in digest.iter() {
        if out.len() >= n {
            break;
        }
        out.push_str(&format!("{b:02x}"));
    }
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let v = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").map_err(|e| e.to_string());
        let v = v.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.challenge().as_str(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        // Appendix B's octets produce that very verifier
        let octets: [u8; 32] =
            [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121];
        assert_eq!(PkceVerifier::from_entropy(&octets).secret(), v.secret());
    }

    #[test]
    fn challenge_from_string_is_checked() {
        let c = PkceChallenge::new("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM").map(|c| c.as_str().to_owned());
        assert_eq!(c.ok().as_deref(), Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert_eq!(PkceChallenge::new("short").map_err(|e| e.code()), Err(ErrorCode::InvalidParameter));
        assert!(PkceChallenge::new(format!("{}=", "a".repeat(42))).is_err());
        assert!(PkceChallenge::new("a".repeat(44)).is_err());
    }

    #[test]
    fn verifier_syntax_is_checked() {
        assert!(PkceVerifier::new("short").is_err());
        assert!(PkceVerifier::new("a".repeat(129)).is_err());
        assert!(PkceVerifier::new(format!("{}!", "a".repeat(43))).is_err());
        assert!(PkceVerifier::new("a".repeat(43)).is_ok());
        assert_eq!(format!("{:?}", PkceVerifier::from_entropy(&[7; 32])), "PkceVerifier([redacted])");
    }

    #[cfg(feature = "getrandom")]
    #[test]
    fn generated_verifiers_differ() {
        let a = PkceVerifier::generate().map(|v| v.secret().to_owned());
        let b = PkceVerifier::generate().map(|v| v.secret().to_owned());
        assert!(a.is_ok() && a != b);
    }
}
