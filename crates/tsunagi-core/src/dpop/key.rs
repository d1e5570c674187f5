//! The public half of a DPoP key as the proof's `jwk` header carries it (RFC 9449 §4.2): an EC
//! P-256 key (RFC 7518 §6.2.1) with only `kty`, `crv`, `x`, `y` — never private members.

use crate::json::{self, Json};
use crate::{base64url, Error, ErrorCode, Result};
use sha2::{Digest, Sha256};

/// A P-256 public key: its two 32-byte coordinates, base64url without padding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicJwk {
    x: String,
    y: String,
}

fn bad(why: &'static str) -> Error {
    Error::new(ErrorCode::InvalidParameter, why)
}

/// A coordinate: base64url of exactly 32 bytes.
fn coordinate(v: &str) -> Result<String> {
    match base64url::decode(v) {
        Ok(bytes) if bytes.len() == 32 => Ok(base64url::encode(&bytes)),
        _ => Err(bad("a DPoP key's x and y are base64url of 32 bytes (RFC 7518 §6.2.1.2)")),
    }
}

impl PublicJwk {
    /// The key from its coordinates (base64url of 32 bytes each).
    pub fn new(x: &str, y: &str) -> Result<Self> {
        Ok(PublicJwk { x: coordinate(x)?, y: coordinate(y)? })
    }

    /// The key from a public JWK's JSON text, as WebCrypto's `exportKey("jwk", publicKey)` gives
    /// it: `kty` `EC`, `crv` `P-256`, `x`, `y`; other members (`key_ops`, `ext`) are dropped. A
    /// JWK that carries `d` (a private key) is refused: it must never travel in a proof.
    pub fn from_jwk_json(text: &str) -> Result<Self> {
        let Ok(Json::Object(obj)) = json::parse(text) else {
            return Err(bad("a DPoP public key is a JWK object"));
        };
        if obj.get_str("kty") != Some("EC") || obj.get_str("crv") != Some("P-256") {
            return Err(bad("a DPoP key is an EC P-256 key (ES256, RFC 9449 §4.2)"));
        }
        if obj.contains_key("d") {
            return Err(bad("a DPoP proof carries only the public key: this JWK holds a private key (RFC 9449 §4.2)"));
        }
        match (obj.get_str("x"), obj.get_str("y")) {
            (Some(x), Some(y)) => PublicJwk::new(x, y),
            _ => Err(bad("a DPoP public key has x and y")),
        }
    }

    /// The JWK as JSON text, members in lexicographic order without whitespace — the form
    /// RFC 7638 §3 hashes, and the `jwk` header member of a proof (RFC 9449 §4.2).
    pub fn to_json(&self) -> String {
        let mut w = json::ObjectWriter::with_capacity(140);
        w.str("crv", "P-256").str("kty", "EC").str("x", &self.x).str("y", &self.y);
        w.finish()
    }

    /// The JWK SHA-256 thumbprint (RFC 7638 §3), base64url: what a server binds a token to
    /// (`cnf.jkt`, RFC 9449 §6.1) and the `dpop_jkt` authorization parameter (§10).
    pub fn thumbprint(&self) -> String {
        base64url::encode(&Sha256::digest(self.to_json().as_bytes()))
    }
}

/// A DPoP key's private JWK (RFC 7517 §4: EC `d` with `x`, `y`), as a runtime that must keep its
/// key across restarts exports it once to seal it at rest, and moves it (the Worker: object to
/// object). Never logged, sent to a browser or put in an error: its `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateJwk(String);

impl PrivateJwk {
    /// The JWK's JSON text.
    pub fn new(json: impl Into<String>) -> Self {
        PrivateJwk(json.into())
    }

    /// The JSON text: to seal or to import, nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PrivateJwk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateJwk([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7515 Appendix A.3's P-256 key.
    const X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    #[test]
    fn webcrypto_export_is_reduced_to_the_four_members() {
        let exported = format!(r#"{{"key_ops":["verify"],"ext":true,"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"}}"#);
        let k = PublicJwk::from_jwk_json(&exported).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(k.to_json(), format!(r#"{{"crv":"P-256","kty":"EC","x":"{X}","y":"{Y}"}}"#));
        assert_eq!(k, PublicJwk::new(X, Y).unwrap_or_else(|e| panic!("{e}")));
    }

    #[test]
    fn thumbprint_is_rfc7638_over_the_ordered_members() {
        let k = PublicJwk::new(X, Y).unwrap_or_else(|e| panic!("{e}"));
        let expected = base64url::encode(&Sha256::digest(format!(r#"{{"crv":"P-256","kty":"EC","x":"{X}","y":"{Y}"}}"#).as_bytes()));
        assert_eq!(k.thumbprint(), expected);
        assert_eq!(k.thumbprint().len(), 43);
    }

    #[test]
    fn the_private_jwk_never_shows_in_debug() {
        assert_eq!(format!("{:?}", PrivateJwk::new(r#"{"d":"secret"}"#)), "PrivateJwk([redacted])");
    }

    #[test]
    fn refuses_private_other_curves_and_bad_coordinates() {
        let code = |t: &str| PublicJwk::from_jwk_json(t).map(|_| ()).map_err(|e| e.code());
        let with_d = format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}}"#);
        assert_eq!(code(&with_d), Err(ErrorCode::InvalidParameter));
        assert_eq!(code(&format!(r#"{{"kty":"EC","crv":"P-384","x":"{X}","y":"{Y}"}}"#)), Err(ErrorCode::InvalidParameter));
        assert_eq!(code(r#"{"kty":"RSA","n":"x","e":"AQAB"}"#), Err(ErrorCode::InvalidParameter));
        assert_eq!(code(&format!(r#"{{"kty":"EC","crv":"P-256","x":"AAAA","y":"{Y}"}}"#)), Err(ErrorCode::InvalidParameter));
        assert_eq!(code("not json"), Err(ErrorCode::InvalidParameter));
        assert_eq!(code(&format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}"}}"#)), Err(ErrorCode::InvalidParameter));
    }
}
