//! The OpenID Connect and metadata readers never panic on outside data: an id_token (parse, then
//! the claim checks), a JWKS (key choice), a metadata document (the issuer check), and a callback
//! with an issuer to compare `iss` with — a code accepted for one issuer is refused for any other.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tsunagi_core::discovery::parse_metadata;
use tsunagi_core::id_token::{IdToken, IdTokenExpectations, JwsAlgorithm};
use tsunagi_core::issuer::AuthServer;
use tsunagi_core::{jwks, parse_callback_from, HttpResponse, Nonce, State, Timestamp};

const ISSUER: &str = "https://as.example";

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(t) = IdToken::parse(&s) {
        let nonce = Nonce::new("fuzz-nonce").ok();
        let _ = t.check_claims(&IdTokenExpectations {
            issuer: ISSUER,
            client_id: "cid",
            nonce: nonce.as_ref(),
            now: Timestamp::from_secs(1_800_000_000),
            leeway_secs: 60,
        });
    }
    for alg in [JwsAlgorithm::Rs256, JwsAlgorithm::Es256, JwsAlgorithm::EdDsa] {
        if let Ok(Some(jwk)) = jwks::select_jwk(&s, alg, Some("k")) {
            assert!(!jwk.contains("\"d\""), "a private member reached the JWK for WebCrypto");
        }
    }
    if let Ok(meta) = parse_metadata(ISSUER, &HttpResponse::new(200, vec![], s.to_string())) {
        assert_eq!(meta.issuer, ISSUER);
    }
    let server = AuthServer { issuer: Some(ISSUER.into()), require_iss: true, ..AuthServer::default() };
    let Ok(expected) = State::new("fuzz-state") else { return };
    let url = format!("https://a.example/cb?{s}");
    if parse_callback_from(&url, Some(&expected), &server).is_ok() {
        // accepted for this issuer: its iss was this issuer, so any other issuer refuses it
        let other = AuthServer { issuer: Some("https://other.example".into()), ..AuthServer::default() };
        assert!(parse_callback_from(&url, Some(&expected), &other).is_err(), "a code whose iss matched two issuers");
    }
});
