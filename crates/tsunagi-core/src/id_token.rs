//! The OpenID Connect id_token (OIDC Core §3.1.3.7), sans-IO: the compact JWS split into what a
//! runtime's WebCrypto verifies (algorithm, key id, signing input, signature bytes) and the claim
//! checks done after the signature verified — `iss`, `aud`, `azp`, `exp`/`iat` with the leeway,
//! `sub`, and the `nonce` stored with the request's `state`.

use crate::json_fields::{self as json, Object};
use crate::nonce::Nonce;
use crate::time::Timestamp;
use crate::{base64url, Error, ErrorCode, Result};

/// The JWS algorithms tsunagi verifies (RFC 7518 §3.3, §3.4, §3.5; RFC 8037 §3.1 EdDSA with
/// Ed25519). `none` and the HMAC algorithms are never accepted (OIDC Core §3.1.3.7 items 6-8: a
/// public client has no secret to check an HMAC with, and `none` proves nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PSS with SHA-256 and MGF1-SHA-256, 32-byte salt.
    Ps256,
    /// ECDSA on P-256 with SHA-256 (signature: `r || s`, 64 bytes, as WebCrypto takes it).
    Es256,
    /// EdDSA with Ed25519 (`alg` `EdDSA`, or `Ed25519`, RFC 9864).
    EdDsa,
}

impl JwsAlgorithm {
    /// The algorithm named by a JOSE header's `alg`, or [`ErrorCode::UnsupportedAlgorithm`].
    pub fn parse(alg: &str) -> Result<Self> {
        Ok(match alg {
            "RS256" => JwsAlgorithm::Rs256,
            "PS256" => JwsAlgorithm::Ps256,
            "ES256" => JwsAlgorithm::Es256,
            "EdDSA" | "Ed25519" => JwsAlgorithm::EdDsa,
            _ => {
                return Err(Error::new(
                    ErrorCode::UnsupportedAlgorithm,
                    "the id_token's alg is not RS256, PS256, ES256 or EdDSA (none and HMAC are never accepted)",
                ))
            }
        })
    }

    /// The JWK `kty` (and `crv`) a key for this algorithm has (RFC 7518 §6, RFC 8037 §2).
    pub const fn key_type(self) -> (&'static str, Option<&'static str>) {
        match self {
            JwsAlgorithm::Rs256 | JwsAlgorithm::Ps256 => ("RSA", None),
            JwsAlgorithm::Es256 => ("EC", Some("P-256")),
            JwsAlgorithm::EdDsa => ("OKP", Some("Ed25519")),
        }
    }

    /// WebCrypto's `importKey` algorithm for a JWK of this algorithm, as JSON (for a Rust runtime;
    /// the npm package keeps the same table on its JS side, `js/oidc.js`, which costs no wasm).
    pub const fn webcrypto_import(self) -> &'static str {
        match self {
            JwsAlgorithm::Rs256 => r#"{"name":"RSASSA-PKCS1-v1_5","hash":"SHA-256"}"#,
            JwsAlgorithm::Ps256 => r#"{"name":"RSA-PSS","hash":"SHA-256"}"#,
            JwsAlgorithm::Es256 => r#"{"name":"ECDSA","namedCurve":"P-256"}"#,
            JwsAlgorithm::EdDsa => r#"{"name":"Ed25519"}"#,
        }
    }

    /// WebCrypto's `verify` algorithm, as JSON (PS256: salt of the hash length, RFC 7518 §3.5).
    pub const fn webcrypto_verify(self) -> &'static str {
        match self {
            JwsAlgorithm::Rs256 => r#"{"name":"RSASSA-PKCS1-v1_5"}"#,
            JwsAlgorithm::Ps256 => r#"{"name":"RSA-PSS","saltLength":32}"#,
            JwsAlgorithm::Es256 => r#"{"name":"ECDSA","hash":"SHA-256"}"#,
            JwsAlgorithm::EdDsa => r#"{"name":"Ed25519"}"#,
        }
    }

    /// Whether a JWK's `alg` member names this algorithm.
    pub(crate) fn named(self, alg: &str) -> bool {
        JwsAlgorithm::parse(alg).is_ok_and(|a| a == self)
    }
}

/// A parsed, **not yet verified** id_token.
#[derive(Clone, PartialEq)]
pub struct IdToken {
    alg: JwsAlgorithm,
    kid: Option<String>,
    signing_input: String,
    signature: Vec<u8>,
    claims: Object,
    payload_json: String,
}

impl std::fmt::Debug for IdToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdToken").field("alg", &self.alg).field("kid", &self.kid).finish_non_exhaustive()
    }
}

fn invalid(why: &'static str) -> Error {
    Error::new(ErrorCode::IdTokenInvalid, why)
}

const WRONG_TYPE: &str = "the id_token has a claim of the wrong type (OIDC Core §2)";

impl IdToken {
    /// Splits a compact JWS (RFC 7515 §7.1): three base64url segments, a JSON header whose `alg`
    /// is a [`JwsAlgorithm`] (`crit` refused, RFC 7515 §4.1.11), a JSON object payload, a
    /// non-empty signature. [`ErrorCode::IdTokenInvalid`] or [`ErrorCode::UnsupportedAlgorithm`].
    pub fn parse(jwt: &str) -> Result<Self> {
        let mut parts = jwt.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(invalid("the id_token is not a compact JWS of three segments"));
        };
        let decode = |s: &str| base64url::decode(s).ok().filter(|_| !s.contains('='));
        let header_obj = decode(header)
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| json::object(&t))
            .ok_or_else(|| invalid("the id_token header is not a JSON object"))?;
        if json::has(&header_obj, "crit") {
            return Err(invalid("the id_token header has crit extensions, which are not understood"));
        }
        let alg = JwsAlgorithm::parse(json::string(&header_obj, "alg").ok().flatten().unwrap_or_default())?;
        let kid = json::string(&header_obj, "kid").map_err(|_| invalid("the id_token header has a kid that is not a string"))?.map(str::to_owned);
        let payload_json = decode(payload).and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| invalid("the id_token payload is not base64url UTF-8"))?;
        let claims = json::object(&payload_json).ok_or_else(|| invalid("the id_token payload is not a JSON object"))?;
        let signature = decode(signature).filter(|s| !s.is_empty()).ok_or_else(|| invalid("the id_token has no signature"))?;
        let signing_input = jwt.get(..header.len() + 1 + payload.len()).unwrap_or_default().to_owned();
        Ok(IdToken { alg, kid, signing_input, signature, claims, payload_json })
    }

    /// The header's algorithm.
    pub fn alg(&self) -> JwsAlgorithm {
        self.alg
    }
    /// The header's `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }
    /// The JWS signing input, `BASE64URL(header) '.' BASE64URL(payload)` (RFC 7515 §5.2), as
    /// ASCII bytes to verify the signature over.
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }
    /// The signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
    /// The payload's JSON text — the claims. **Unverified** until the runtime verified the
    /// signature and [`IdToken::check_claims`] passed.
    pub fn claims_json_unverified(&self) -> &str {
        &self.payload_json
    }

    /// The claim checks of OIDC Core §3.1.3.7 (items 2-4, 9, 10, 11), to run once the signature
    /// verified: `iss` exactly the issuer; `aud` (a string or a list) contains the client id; `azp`,
    /// when present, is the client id, and is required when there are several audiences; `exp`
    /// not passed and `iat` not in the future, both beyond `leeway_secs`
    /// ([`ErrorCode::IdTokenExpired`] for `exp`); a non-empty `sub`; and with an expected nonce,
    /// `nonce` equal to it in constant time ([`ErrorCode::NonceMismatch`], also when absent).
    /// Every other failure is [`ErrorCode::IdTokenInvalid`].
    pub fn check_claims(&self, expected: &IdTokenExpectations<'_>) -> Result<()> {
        let c = &self.claims;
        let text = |key: &str| json::string(c, key).map_err(|()| invalid(WRONG_TYPE));
        if text("iss")? != Some(expected.issuer) {
            return Err(invalid("the id_token was issued by another issuer (iss)"));
        }
        if text("sub")?.is_none_or(str::is_empty) {
            return Err(invalid("the id_token has no sub"));
        }
        let aud = json::strings(c, "aud", true).map_err(|_| invalid("the id_token has an aud that is not a string or a list of strings"))?;
        if !aud.iter().any(|a| a == expected.client_id) {
            return Err(invalid("the id_token is not for this client (aud)"));
        }
        match text("azp")? {
            Some(azp) if azp != expected.client_id => return Err(invalid("the id_token was issued to another party (azp)")),
            None if aud.len() > 1 => return Err(invalid("the id_token has several audiences and no azp")),
            _ => {}
        }
        let time = |key: &str| json::seconds(c, key).ok().flatten().ok_or_else(|| invalid("the id_token's exp or iat is missing or not a number"));
        let now = i64::try_from(expected.now.as_secs()).unwrap_or(i64::MAX);
        let leeway = i64::try_from(expected.leeway_secs).unwrap_or(i64::MAX);
        if now.saturating_sub(leeway) >= time("exp")? {
            return Err(Error::new(ErrorCode::IdTokenExpired, "the id_token has expired (exp)"));
        }
        if time("iat")? > now.saturating_add(leeway) {
            return Err(invalid("the id_token was issued in the future (iat)"));
        }
        if let Some(nonce) = expected.nonce {
            if !text("nonce")?.is_some_and(|got| nonce.matches(got)) {
                return Err(Error::new(ErrorCode::NonceMismatch, "the id_token's nonce is not the one sent with this authorization request"));
            }
        }
        Ok(())
    }

    /// The checks of an id_token returned by a refresh (OIDC Core §12.2), to run once the
    /// signature verified: every check of [`IdToken::check_claims`] except the nonce, then against
    /// `original_claims` (the claims JSON of the id_token the session started with): the same
    /// `iss` and `sub`, the same `aud` (as a set); `auth_time`, when both have it, not earlier than
    /// the original's; a `nonce`, when present, equal to the original's. Any difference is
    /// [`ErrorCode::IdTokenInvalid`]: the set is for another user or session and must not be kept.
    pub fn check_refreshed(&self, original_claims: &str, expected: &IdTokenExpectations<'_>) -> Result<()> {
        self.check_claims(&IdTokenExpectations { nonce: None, ..*expected })?;
        let original = json::object(original_claims).ok_or_else(|| invalid("the session's original id_token claims are not a JSON object"))?;
        let (new, old) = (&self.claims, &original);
        let text = |o: &Object, key: &str| json::string(o, key).ok().flatten().map(str::to_owned);
        if text(new, "iss") != text(old, "iss") {
            return Err(invalid("the refreshed id_token was issued by another issuer than the original (iss, OIDC Core §12.2)"));
        }
        if text(new, "sub").is_none() || text(new, "sub") != text(old, "sub") {
            return Err(invalid("the refreshed id_token is for another user than the original (sub, OIDC Core §12.2)"));
        }
        let audiences = |o: &Object| {
            let mut a = json::strings(o, "aud", true).unwrap_or_default();
            crate::short_sort::sort_short(&mut a);
            a.dedup();
            a
        };
        if audiences(new) != audiences(old) {
            return Err(invalid("the refreshed id_token has another audience than the original (aud, OIDC Core §12.2)"));
        }
        let auth_time = |o: &Object| json::seconds(o, "auth_time");
        match (auth_time(new), auth_time(old)) {
            (Err(()), _) => return Err(invalid(WRONG_TYPE)),
            (Ok(Some(n)), Ok(Some(o))) if n < o => {
                return Err(invalid("the refreshed id_token's auth_time is earlier than the original's (OIDC Core §12.2)"));
            }
            _ => {}
        }
        match (json::string(new, "nonce"), text(old, "nonce")) {
            (Err(()), _) => Err(invalid(WRONG_TYPE)),
            (Ok(Some(n)), o) if o.as_deref() != Some(n) => Err(invalid("the refreshed id_token carries another nonce than the original (OIDC Core §12.2)")),
            _ => Ok(()),
        }
    }
}

/// What an id_token must match.
#[derive(Clone, Copy, Debug)]
pub struct IdTokenExpectations<'a> {
    /// The issuer identifier (exact).
    pub issuer: &'a str,
    /// This client's id.
    pub client_id: &'a str,
    /// The nonce stored with the `state` (at login); `None` after a refresh (OIDC Core §12.2).
    pub nonce: Option<&'a Nonce>,
    /// The time now.
    pub now: Timestamp,
    /// Clock skew allowed on `exp` and `iat`, in seconds.
    pub leeway_secs: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn token(header: &str, claims: &str) -> String {
        format!("{}.{}.{}", base64url::encode(header.as_bytes()), base64url::encode(claims.as_bytes()), base64url::encode(b"sig"))
    }
    fn claims(extra: &str) -> String {
        format!(r#"{{"iss":"https://as.example","sub":"u1","aud":"cid","exp":{},"iat":{}{extra}}}"#, NOW + 300, NOW - 5)
    }
    fn check(jwt: &str, nonce: Option<&Nonce>) -> std::result::Result<(), ErrorCode> {
        let t = IdToken::parse(jwt).map_err(|e| e.code())?;
        t.check_claims(&IdTokenExpectations { issuer: "https://as.example", client_id: "cid", nonce, now: Timestamp::from_secs(NOW), leeway_secs: 60 })
            .map_err(|e| e.code())
    }
    const RS: &str = r#"{"alg":"RS256","kid":"k1"}"#;

    #[test]
    fn parts_for_webcrypto() {
        let jwt = token(RS, &claims(""));
        let t = IdToken::parse(&jwt).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.alg(), t.kid()), (JwsAlgorithm::Rs256, Some("k1")));
        assert_eq!(t.signature(), b"sig");
        assert_eq!(t.signing_input(), jwt.rsplit_once('.').map(|(a, _)| a.as_bytes()).unwrap_or_default());
        assert!(t.claims_json_unverified().contains("\"sub\":\"u1\""));
        assert!(!format!("{t:?}").contains("u1"));
    }

    #[test]
    fn algorithms() {
        for (alg, ok) in
            [("RS256", true), ("PS256", true), ("ES256", true), ("EdDSA", true), ("Ed25519", true), ("none", false), ("HS256", false), ("RS512", false)]
        {
            let got = IdToken::parse(&token(&format!(r#"{{"alg":"{alg}"}}"#), &claims(""))).map(|_| ()).map_err(|e| e.code());
            assert_eq!(got.is_ok(), ok, "{alg}");
            if !ok {
                assert_eq!(got, Err(ErrorCode::UnsupportedAlgorithm));
            }
        }
        assert_eq!(IdToken::parse(&token(r#"{"alg":"RS256","crit":["x"]}"#, &claims(""))).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::IdTokenInvalid));
        let unsigned = format!("{}.", token(RS, &claims("")).rsplit_once('.').map(|(a, _)| a).unwrap_or_default());
        assert_eq!(IdToken::parse(&unsigned).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::IdTokenInvalid));
    }

    #[test]
    fn claim_checks() {
        let n = Nonce::new("n-1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(check(&token(RS, &claims(r#","nonce":"n-1""#)), Some(&n)), Ok(()));
        assert_eq!(check(&token(RS, &claims(r#","nonce":"n-2""#)), Some(&n)), Err(ErrorCode::NonceMismatch));
        assert_eq!(check(&token(RS, &claims("")), Some(&n)), Err(ErrorCode::NonceMismatch));
        assert_eq!(check(&token(RS, &claims("")), None), Ok(()));
        let c = |s: &str| check(&token(RS, s), None);
        let exp = NOW + 300;
        let iat = NOW - 5;
        assert_eq!(c(&format!(r#"{{"iss":"https://as.example/","sub":"u","aud":"cid","exp":{exp},"iat":{iat}}}"#)), Err(ErrorCode::IdTokenInvalid));
        assert_eq!(c(&format!(r#"{{"iss":"https://as.example","sub":"u","aud":"other","exp":{exp},"iat":{iat}}}"#)), Err(ErrorCode::IdTokenInvalid));
        assert_eq!(c(&format!(r#"{{"iss":"https://as.example","sub":"u","aud":["other","cid"],"exp":{exp},"iat":{iat}}}"#)), Err(ErrorCode::IdTokenInvalid));
        assert_eq!(c(&format!(r#"{{"iss":"https://as.example","sub":"u","aud":["other","cid"],"azp":"cid","exp":{exp},"iat":{iat}}}"#)), Ok(()));
        assert_eq!(c(&format!(r#"{{"iss":"https://as.example","sub":"u","aud":"cid","azp":"x","exp":{exp},"iat":{iat}}}"#)), Err(ErrorCode::IdTokenInvalid));
        assert_eq!(c(&format!(r#"{{"iss":"https://as.example","aud":"cid","exp":{exp},"iat":{iat}}}"#)), Err(ErrorCode::IdTokenInvalid));
        // exp with the leeway: 59 s past is fine, 60 s past is expired
        assert_eq!(c(&format!(r#"{{"iss":"https://as.example","sub":"u","aud":"cid","exp":{},"iat":{iat}}}"#, NOW - 59)), Ok(()));
        assert_eq!(c(&format!(r#"{{"iss":"https://as.example","sub":"u","aud":"cid","exp":{},"iat":{iat}}}"#, NOW - 60)), Err(ErrorCode::IdTokenExpired));
        assert_eq!(c(&format!(r#"{{"iss":"https://as.example","sub":"u","aud":"cid","exp":{exp},"iat":{}}}"#, NOW + 61)), Err(ErrorCode::IdTokenInvalid));
        assert_eq!(c(&format!(r#"{{"iss":"https://as.example","sub":"u","aud":"cid","iat":{iat}}}"#)), Err(ErrorCode::IdTokenInvalid));
        assert_eq!(c(&format!(r#"{{"iss":"https://as.example","sub":"u","aud":"cid","exp":"{exp}","iat":{iat}}}"#)), Err(ErrorCode::IdTokenInvalid));
    }

    // OIDC Core §12.2: a refreshed id_token has the original's iss, sub and aud; auth_time does
    // not move backwards; nonce need not be present, and when present is the original's.
    #[test]
    fn refreshed_id_token() {
        let original = claims(r#","auth_time":1799990000,"nonce":"n-1""#);
        let refreshed = |extra: &str, body: Option<String>| {
            let jwt = token(RS, &body.unwrap_or_else(|| claims(extra)));
            let t = IdToken::parse(&jwt).map_err(|e| e.code())?;
            let e = IdTokenExpectations { issuer: "https://as.example", client_id: "cid", nonce: None, now: Timestamp::from_secs(NOW), leeway_secs: 60 };
            t.check_refreshed(&original, &e).map_err(|e| e.code())
        };
        assert_eq!(refreshed("", None), Ok(()), "no nonce, no auth_time: fine");
        assert_eq!(refreshed(r#","auth_time":1799990000,"nonce":"n-1""#, None), Ok(()));
        assert_eq!(refreshed(r#","auth_time":1799999000"#, None), Ok(()), "a later auth_time (the user signed in again)");
        assert_eq!(refreshed(r#","auth_time":1799989999"#, None), Err(ErrorCode::IdTokenInvalid), "auth_time moved backwards");
        assert_eq!(refreshed(r#","nonce":"n-2""#, None), Err(ErrorCode::IdTokenInvalid), "another nonce");
        assert_eq!(refreshed(r#","auth_time":"x""#, None), Err(ErrorCode::IdTokenInvalid));
        let with = |sub: &str, aud: &str| {
            Some(format!(r#"{{"iss":"https://as.example","sub":"{sub}","aud":{aud},"azp":"cid","exp":{},"iat":{}}}"#, NOW + 300, NOW - 5))
        };
        assert_eq!(refreshed("", with("u2", r#""cid""#)), Err(ErrorCode::IdTokenInvalid), "another user");
        assert_eq!(refreshed("", with("u1", r#"["cid","other"]"#)), Err(ErrorCode::IdTokenInvalid), "another audience");
        assert_eq!(refreshed("", with("u1", r#"["cid"]"#)), Ok(()), "the same audience, as a list");
        // the usual checks still apply: expired, another issuer
        let expired = format!(r#"{{"iss":"https://as.example","sub":"u1","aud":"cid","exp":{},"iat":{}}}"#, NOW - 100, NOW - 500);
        assert_eq!(refreshed("", Some(expired)), Err(ErrorCode::IdTokenExpired));
        let t = IdToken::parse(&token(RS, &claims(""))).unwrap_or_else(|e| panic!("{e}"));
        let e = IdTokenExpectations { issuer: "https://as.example", client_id: "cid", nonce: None, now: Timestamp::from_secs(NOW), leeway_secs: 60 };
        let other_issuer = original.replace("https://as.example", "https://other.example");
        assert_eq!(t.check_refreshed(&other_issuer, &e).map_err(|e| e.code()), Err(ErrorCode::IdTokenInvalid));
        assert_eq!(t.check_refreshed("[]", &e).map_err(|e| e.code()), Err(ErrorCode::IdTokenInvalid));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = IdToken::parse(&s);
            let _ = check(&token(RS, &s), None);
        }
    }
}
