//! Choosing the key that verifies an id_token from the issuer's JWKS (RFC 7517 §5): by `kid`,
//! key type and curve for the algorithm, `use`/`key_ops`/`alg` when present. When none fits, the
//! runtime refetches the JWKS once (the server may have rotated its keys) and then gives up.

use crate::id_token::JwsAlgorithm;
use crate::json_fields::{self as json, Object};
use crate::{Error, ErrorCode, Result};

/// The public JWK (JSON text: only `kty` and the public members of its type, so WebCrypto's
/// `importKey` sees no private, `use`, `alg` or `key_ops` member) of the first key in `jwks_json`
/// that can verify an `alg` signature under `kid`; `Ok(None)` when none can (refetch once, then
/// [`no_key`]). [`ErrorCode::JwksInvalid`] when the document is not `{"keys": [...]}`.
pub fn select_jwk(jwks_json: &str, alg: JwsAlgorithm, kid: Option<&str>) -> Result<Option<String>> {
    let doc = json::object(jwks_json).ok_or_else(|| Error::new(ErrorCode::JwksInvalid, "the JWKS is not a JSON object"))?;
    let keys = json::objects(&doc, "keys").ok_or_else(|| Error::new(ErrorCode::JwksInvalid, "the JWKS has no keys array (RFC 7517 §5)"))?;
    Ok(keys.into_iter().find(|k| fits(k, alg, kid)).map(|k| {
        let members: &[&str] = match alg.key_type().0 {
            "RSA" => &["kty", "n", "e"],
            "EC" => &["kty", "crv", "x", "y"],
            _ => &["kty", "crv", "x"],
        };
        json::pick_strings(k, members)
    }))
}

fn fits(key: &Object, alg: JwsAlgorithm, kid: Option<&str>) -> bool {
    let s = |name: &str| json::string(key, name).ok().flatten();
    let (kty, crv) = alg.key_type();
    s("kty") == Some(kty)
        && crv.is_none_or(|c| s("crv") == Some(c))
        && kid.is_none_or(|want| s("kid") == Some(want))
        && s("use").is_none_or(|u| u == "sig")
        && s("alg").is_none_or(|a| alg.named(a))
        && json::strings(key, "key_ops", false).is_ok_and(|ops| ops.is_empty() || ops.iter().any(|o| o == "verify"))
}

/// The error when no key fits, after the one refetch.
pub fn no_key() -> Error {
    Error::new(ErrorCode::JwkNotFound, "no key of the issuer's JWKS fits the id_token (kid, key type, alg), even after refetching it")
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWKS: &str = r#"{"keys":[
        {"kty":"RSA","kid":"r1","use":"sig","alg":"RS256","n":"AQAB-n","e":"AQAB","d":"PRIVATE"},
        {"kty":"RSA","kid":"p1","alg":"PS256","n":"n2","e":"AQAB"},
        {"kty":"EC","kid":"e1","crv":"P-256","x":"ex","y":"ey"},
        {"kty":"OKP","kid":"o1","crv":"Ed25519","x":"ox","key_ops":["verify"]},
        {"kty":"RSA","kid":"enc","use":"enc","n":"n3","e":"AQAB"}
    ]}"#;

    fn pick(alg: JwsAlgorithm, kid: Option<&str>) -> Option<String> {
        select_jwk(JWKS, alg, kid).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn selection() {
        assert_eq!(pick(JwsAlgorithm::Rs256, Some("r1")).as_deref(), Some(r#"{"e":"AQAB","kty":"RSA","n":"AQAB-n"}"#), "public members only");
        assert_eq!(pick(JwsAlgorithm::Ps256, Some("r1")), None, "the key's alg is RS256");
        assert!(pick(JwsAlgorithm::Ps256, Some("p1")).is_some());
        assert!(pick(JwsAlgorithm::Es256, None).is_some_and(|k| k.contains("\"y\":\"ey\"")));
        assert!(pick(JwsAlgorithm::EdDsa, Some("o1")).is_some());
        assert_eq!(pick(JwsAlgorithm::Rs256, Some("enc")), None, "an encryption key");
        assert_eq!(pick(JwsAlgorithm::Rs256, Some("rotated")), None);
        assert_eq!(pick(JwsAlgorithm::Es256, Some("r1")), None, "wrong key type");
        assert_eq!(select_jwk("[]", JwsAlgorithm::Rs256, None).map_err(|e| e.code()), Err(ErrorCode::JwksInvalid));
        assert_eq!(select_jwk("{}", JwsAlgorithm::Rs256, None).map_err(|e| e.code()), Err(ErrorCode::JwksInvalid));
    }
}
