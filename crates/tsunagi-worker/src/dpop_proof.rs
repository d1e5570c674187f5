//! What a Durable Object signs with its DPoP key for the isolate (RFC 9449 §4.2): the isolate
//! runs the API loop and asks the key's object for each proof's signature, and the object signs
//! only a DPoP proof of its own key — so it is no general signing oracle for whoever can send it
//! an operation. Plain functions, tested natively.

use tsunagi_core::dpop::{PublicJwk, ALG};
use tsunagi_core::json::{self, Escape, Json, JsonObject};
use tsunagi_core::{base64url, Error, ErrorCode, Method, Result, Timestamp};

/// How far a proof's `iat` may be from the object's clock, seconds (the isolate made it a moment
/// ago; RFC 9449 §11.1 leaves the window to the server, which checks it again).
pub const MAX_IAT_SKEW_SECS: u64 = 60;

/// The longest signing input signed: a proof's header and claims are a few hundred bytes.
pub const MAX_SIGNING_INPUT: usize = 4096;

/// Refuses to hand out `connection`'s token when it is DPoP-bound (`token_type` `DPoP`, RFC 9449
/// §5): without its key's proofs it is of no use, and the key never leaves the object that holds
/// it — [`ErrorCode::TokenBound`], naming what to call `instead` (the Worker signs its proofs).
pub fn refuse_bound(connection: &str, token_type: &str, instead: &str) -> Result<()> {
    if tsunagi_core::dpop::is_dpop_token_type(token_type) {
        return Err(Error::new(
            ErrorCode::TokenBound,
            format!("connection '{connection}': its tokens are DPoP-bound to a key that never leaves the Worker: call {instead}"),
        ));
    }
    Ok(())
}

fn refused(why: &str) -> Error {
    Error::new(ErrorCode::InvalidParameter, format!("not a DPoP proof of this connection's key: {why}"))
}

fn part(text: &str) -> Option<JsonObject> {
    let bytes = base64url::decode(text).ok()?;
    match json::parse(std::str::from_utf8(&bytes).ok()?).ok()? {
        Json::Object(o) => Some(o),
        _ => None,
    }
}

/// Checks that `input` (the JWS signing input `BASE64URL(header).BASE64URL(claims)`) is a DPoP
/// proof by `key` made about `now`: header `typ` `dpop+jwt`, `alg` `ES256`, `jwk` equal to `key`;
/// claims `htm` (a method), `htu` (an absolute http(s) URL), `iat` within
/// [`MAX_IAT_SKEW_SECS`] of `now`, and a non-empty `jti` (RFC 9449 §4.2). Anything else is
/// [`ErrorCode::InvalidParameter`] and is not signed.
pub fn check_signing_input(input: &str, key: &PublicJwk, now: Timestamp) -> Result<()> {
    if input.len() > MAX_SIGNING_INPUT {
        return Err(refused("too long"));
    }
    let (header, claims) = input.split_once('.').ok_or_else(|| refused("not a JWS signing input"))?;
    let (header, claims) = (part(header).ok_or_else(|| refused("header"))?, part(claims).ok_or_else(|| refused("claims"))?);
    if header.get_str("typ") != Some("dpop+jwt") || header.get_str("alg") != Some(ALG) {
        return Err(refused("typ must be dpop+jwt and alg ES256"));
    }
    let jwk = header.get("jwk").filter(|j| j.as_object().is_some()).ok_or_else(|| refused("no jwk"))?;
    if PublicJwk::from_jwk_json(&jwk.to_json(Escape::Minimal)).ok().as_ref() != Some(key) {
        return Err(refused("the jwk is another key"));
    }
    claims.get_str("htm").and_then(Method::parse).ok_or_else(|| refused("htm"))?;
    let htu = claims.get_str("htu").ok_or_else(|| refused("htu"))?;
    if !(htu.starts_with("https://") || htu.starts_with("http://")) {
        return Err(refused("htu"));
    }
    let iat = claims.get("iat").and_then(Json::as_u64).ok_or_else(|| refused("iat"))?;
    if iat.abs_diff(now.as_secs()) > MAX_IAT_SKEW_SECS {
        return Err(refused("iat is not now"));
    }
    if claims.get_str("jti").is_none_or(str::is_empty) {
        return Err(refused("jti"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsunagi_core::dpop::{ProofClaims, UnsignedProof};

    const X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    fn key() -> PublicJwk {
        PublicJwk::new(X, Y).unwrap_or_else(|e| panic!("{e}"))
    }

    fn proof(k: &PublicJwk, iat: u64) -> String {
        let claims = ProofClaims::new(Method::Get, "https://rs.example/me?x=1", Timestamp::from_secs(iat), &[7; 16]).unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8(UnsignedProof::new(k, &claims).signing_input().to_vec()).unwrap_or_default()
    }

    fn b64(s: &str) -> String {
        base64url::encode(s.as_bytes())
    }

    #[test]
    fn a_bound_token_is_refused_and_a_bearer_one_passes() {
        let e = refuse_bound("idp", "DPoP", "fetchApi").err();
        assert_eq!(e.as_ref().map(Error::code), Some(ErrorCode::TokenBound));
        assert!(e.is_some_and(|e| e.message().contains("idp") && e.message().ends_with("call fetchApi")));
        assert!(refuse_bound("idp", "Bearer", "fetchApi").is_ok());
    }

    #[test]
    fn a_proof_of_its_own_key_made_now_is_signed() {
        let now = Timestamp::from_secs(1_000_000);
        assert!(check_signing_input(&proof(&key(), 1_000_000), &key(), now).is_ok());
        assert!(check_signing_input(&proof(&key(), 1_000_030), &key(), now).is_ok());
    }

    #[test]
    fn anything_else_is_refused() {
        let now = Timestamp::from_secs(1_000_000);
        let other = PublicJwk::new(Y, X).unwrap_or_else(|e| panic!("{e}"));
        let header = |h: &str| format!("{}.{}", b64(h), b64(r#"{"jti":"a","htm":"GET","htu":"https://rs.example/","iat":1000000}"#));
        let jwk = key().to_json();
        let cases = [
            proof(&other, 1_000_000),
            proof(&key(), 1_000_000 - 3600),
            proof(&key(), 1_000_000 + 3600),
            header(&format!(r#"{{"typ":"JWT","alg":"ES256","jwk":{jwk}}}"#)),
            header(&format!(r#"{{"typ":"dpop+jwt","alg":"RS256","jwk":{jwk}}}"#)),
            header(r#"{"typ":"dpop+jwt","alg":"ES256"}"#),
            format!("{}.{}", b64(&format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{jwk}}}"#)), b64(r#"{"sub":"an id_token","iat":1000000}"#)),
            format!(
                "{}.{}",
                b64(&format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{jwk}}}"#)),
                b64(r#"{"jti":"","htm":"GET","htu":"https://rs.example/","iat":1000000}"#)
            ),
            format!(
                "{}.{}",
                b64(&format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{jwk}}}"#)),
                b64(r#"{"jti":"a","htm":"GET","htu":"ftp://x/","iat":1000000}"#)
            ),
            "just text".to_owned(),
            "a".repeat(MAX_SIGNING_INPUT + 1),
        ];
        for input in cases {
            let e = check_signing_input(&input, &key(), now).err().map(|e| e.code());
            assert_eq!(e, Some(ErrorCode::InvalidParameter), "{input}");
        }
    }
}
