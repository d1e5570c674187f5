//! Reading JWT claims **without verifying the signature** (hence the `_unverified` names): for
//! display and scheduling only, never for authorization decisions. LawVu access tokens are JWTs
//! with `sub`, `name`, `organisationId`, `exp`, `iat` ("Decoding access tokens").

use crate::json::{self, Json, JsonObject};
use crate::{base64url, Error, ErrorCode, Result};

/// Claims of a JWT payload: the typed LawVu claims plus every claim as sent.
#[derive(Clone, Debug, PartialEq)]
pub struct JwtClaims {
    /// `sub`: the user id.
    pub sub: Option<String>,
    /// `name`: the user's display name.
    pub name: Option<String>,
    /// `organisationId` (LawVu's spelling).
    pub organisation_id: Option<String>,
    /// `exp`, epoch seconds.
    pub exp: Option<i64>,
    /// `iat`, epoch seconds.
    pub iat: Option<i64>,
    /// Every claim.
    pub raw: JsonObject,
}

/// The payload segment's JSON text, after checking the compact form (three segments), base64url
/// (padding optional) and UTF-8. Does not parse the JSON: the JS package hands this text to
/// `JSON.parse` on its side of the boundary, which is faster than crossing with a parsed value.
pub fn payload_json_unverified(jwt: &str) -> Result<String> {
    let mut segments = jwt.trim().split('.');
    let (Some(header), Some(payload), Some(_signature), None) = (segments.next(), segments.next(), segments.next(), segments.next()) else {
        return Err(Error::new(ErrorCode::JwtMalformed, "a JWT has three dot-separated segments (RFC 7519 §7.2)"));
    };
    if header.is_empty() || payload.is_empty() {
        return Err(Error::new(ErrorCode::JwtMalformed, "a JWT's header and payload segments are not empty"));
    }
    let bytes = base64url::decode(payload).map_err(|_| Error::new(ErrorCode::JwtInvalidBase64, "the JWT payload is not base64url"))?;
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorCode::JwtInvalidUtf8, "the JWT payload is not UTF-8"))
}

fn int_claim(v: Option<&Json>) -> Option<i64> {
    v?.as_number().map(json::Number::to_i64_saturating)
}

fn str_claim(map: &JsonObject, key: &str) -> Option<String> {
    map.get_str(key).map(str::to_owned)
}

/// Decodes the claims of `jwt` without verifying it. Distinct errors for each way it can be
/// malformed: segment count, base64, UTF-8, JSON, not an object.
pub fn decode_claims_unverified(jwt: &str) -> Result<JwtClaims> {
    let json = payload_json_unverified(jwt)?;
    let value = json::parse(&json).map_err(|_| Error::new(ErrorCode::JwtInvalidJson, "the JWT payload is not JSON"))?;
    let Json::Object(raw) = value else {
        return Err(Error::new(ErrorCode::JwtNotObject, "the JWT payload is not a JSON object"));
    };
    Ok(JwtClaims {
        sub: str_claim(&raw, "sub"),
        name: str_claim(&raw, "name"),
        organisation_id: str_claim(&raw, "organisationId"),
        exp: int_claim(raw.get("exp")),
        iat: int_claim(raw.get("iat")),
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn jwt(payload: &str) -> String {
        format!("{}.{}.sig", base64url::encode(br#"{"alg":"HS256","typ":"JWT"}"#), base64url::encode(payload.as_bytes()))
    }

    #[test]
    fn lawvu_document_claims() {
        let token = jwt(r#"{"sub":"user-id-123","name":"Jane Smith","organisationId":"org-id-456","exp":1740000000,"iat":1739996400}"#);
        let c = decode_claims_unverified(&token).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.sub.as_deref(), Some("user-id-123"));
        assert_eq!(c.name.as_deref(), Some("Jane Smith"));
        assert_eq!(c.organisation_id.as_deref(), Some("org-id-456"));
        assert_eq!((c.exp, c.iat), (Some(1740000000), Some(1739996400)));
        assert_eq!(c.raw.len(), 5);
    }

    #[test]
    fn padding_and_unicode() {
        let encoded = base64url::encode(r#"{"name":"山田 太郎"}"#.as_bytes());
        let padded = format!("{encoded}{}", "=".repeat((4 - encoded.len() % 4) % 4));
        for payload in [encoded, padded] {
            let c = decode_claims_unverified(&format!("h.{payload}.s")).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(c.name.as_deref(), Some("山田 太郎"));
        }
    }

    #[test]
    fn distinct_errors() {
        let code = |t: &str| decode_claims_unverified(t).map(|_| ()).map_err(|e| e.code());
        assert_eq!(code("a.b"), Err(ErrorCode::JwtMalformed));
        assert_eq!(code("a.b.c.d"), Err(ErrorCode::JwtMalformed));
        assert_eq!(code(".b.c"), Err(ErrorCode::JwtMalformed));
        assert_eq!(code("a.@@@.c"), Err(ErrorCode::JwtInvalidBase64));
        assert_eq!(code(&format!("a.{}.c", base64url::encode(&[0xff, 0xfe]))), Err(ErrorCode::JwtInvalidUtf8));
        assert_eq!(code(&jwt("not json")), Err(ErrorCode::JwtInvalidJson));
        assert_eq!(code(&jwt("[1,2]")), Err(ErrorCode::JwtNotObject));
        assert_eq!(code(&jwt("{}")), Ok(()));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = decode_claims_unverified(&s);
            let _ = decode_claims_unverified(&jwt(&s));
        }

        #[test]
        fn string_claims_round_trip(sub in ".{0,40}", exp in any::<i64>()) {
            let payload = serde_json::json!({"sub": sub, "exp": exp}).to_string();
            let c = decode_claims_unverified(&jwt(&payload)).unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(c.sub, Some(sub));
            prop_assert_eq!(c.exp, Some(exp));
        }
    }
}
