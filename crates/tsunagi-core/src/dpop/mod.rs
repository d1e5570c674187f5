//! DPoP, sender-constrained tokens (RFC 9449), sans-IO: the proof JWT's header, claims and
//! signing input for a key the runtime holds and signs with ([`proof`]), the public key's JWK
//! ([`key`]), and the server nonces read from answers ([`nonce`]).
//!
//! The runtime generates an ES256 key pair it cannot export (WebCrypto, `extractable: false`),
//! hands [`key::PublicJwk`] and the raw `r || s` signature back here, and sends the proof in the
//! `DPoP` header of token, refresh and API requests (RFC 9449 §4.1, §7.1).

pub mod key;
pub mod nonce;
pub mod proof;

pub use key::{PrivateJwk, PublicJwk};
pub use nonce::{DpopNonce, NonceBook};
pub use proof::{DpopProof, ProofClaims, UnsignedProof};

/// The request header that carries a proof (RFC 9449 §4.1), lowercase as requests hold headers.
pub const DPOP_HEADER: &str = "dpop";

pub use proof::ALG;

/// Whether a client uses DPoP (the `dpop` setting).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DpopMode {
    /// Bearer tokens (RFC 6750): the default.
    #[default]
    Off,
    /// Always: a proof on every token and API request.
    On,
    /// When the server's metadata lists `ES256` in `dpop_signing_alg_values_supported`
    /// (RFC 9449 §5.1), else off.
    Auto,
}

impl DpopMode {
    /// `auto` resolved with the server's algorithms (`None`: no metadata known, so off).
    pub fn resolve(self, metadata_algs: Option<&[String]>) -> bool {
        match self {
            DpopMode::Off => false,
            DpopMode::On => true,
            DpopMode::Auto => metadata_algs.is_some_and(server_supports),
        }
    }
}

impl crate::Client {
    /// This client with DPoP on or off: on, the runtime sends a proof with each of its token and
    /// API requests, and a `token_type` of `DPoP` is taken from its token endpoint (RFC 9449 §5).
    pub fn with_dpop(mut self, on: bool) -> Self {
        self.dpop = on;
        self
    }

    /// Whether DPoP is on for this client ([`crate::Client::with_dpop`]).
    pub fn uses_dpop(&self) -> bool {
        self.dpop
    }
}

/// Whether `token_type` is `DPoP` (RFC 9449 §5: the token is bound to the proof key and is sent
/// as `Authorization: DPoP …`, §7.1). Token types are case-insensitive (RFC 6749 §5.1).
pub fn is_dpop_token_type(token_type: &str) -> bool {
    token_type.eq_ignore_ascii_case("dpop")
}

/// Whether `metadata_algs` (an authorization server's `dpop_signing_alg_values_supported`,
/// RFC 9449 §5.1) lets tsunagi use DPoP there: it names [`ALG`].
pub fn server_supports(metadata_algs: &[String]) -> bool {
    metadata_algs.iter().any(|a| a == ALG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_metadata() {
        let es = ["ES256".to_owned()];
        assert!(DpopMode::On.resolve(None) && !DpopMode::Off.resolve(Some(&es)));
        assert!(DpopMode::Auto.resolve(Some(&es)) && !DpopMode::Auto.resolve(None) && !DpopMode::Auto.resolve(Some(&["RS256".to_owned()])));
    }

    #[test]
    fn token_type_is_case_insensitive_and_algs_must_name_es256() {
        assert!(is_dpop_token_type("DPoP") && is_dpop_token_type("dpop") && is_dpop_token_type("DPOP"));
        assert!(!is_dpop_token_type("Bearer") && !is_dpop_token_type("dpop "));
        assert!(server_supports(&["EdDSA".into(), "ES256".into()]));
        assert!(!server_supports(&["RS256".into()]) && !server_supports(&[]));
    }

    #[test]
    #[cfg(feature = "oidc")]
    fn metadata_lists_the_dpop_algorithms() {
        use crate::discovery::parse_metadata;
        use crate::http::HttpResponse;
        let doc = |algs: &str| {
            let body = format!(r#"{{"issuer":"https://as.example","token_endpoint":"https://as.example/token"{algs}}}"#);
            parse_metadata("https://as.example", &HttpResponse::new(200, vec![], body))
        };
        let m = doc(r#","dpop_signing_alg_values_supported":["ES256","EdDSA"]"#).unwrap_or_else(|e| panic!("{e}"));
        assert!(server_supports(&m.dpop_signing_alg_values_supported));
        let none = doc("").unwrap_or_else(|e| panic!("{e}"));
        assert!(!server_supports(&none.dpop_signing_alg_values_supported));
        assert_eq!(doc(r#","dpop_signing_alg_values_supported":"ES256""#).map(|_| ()).map_err(|e| e.code()), Err(crate::ErrorCode::MetadataInvalid));
    }

    #[cfg(feature = "generic")]
    mod with_a_client {
        use crate::http::{HttpRequest, HttpResponse, Method};
        use crate::providers::generic::GenericConfig;
        use crate::secret::RefreshToken;
        use crate::{Client, ErrorCode, Timestamp};

        fn client() -> Client {
            let mut cfg = GenericConfig::new(None, "https://as.example/token", "cid");
            cfg.api_base = Some("https://rs.example/api".into());
            cfg.client().unwrap_or_else(|e| panic!("{e}"))
        }

        fn answer(token_type: &str) -> HttpResponse {
            let body = format!(r#"{{"access_token":"at-1","token_type":"{token_type}","expires_in":60,"refresh_token":"rt-2"}}"#);
            HttpResponse::new(200, vec![("content-type".into(), "application/json".into())], body)
        }

        fn refresh(with_proof: bool) -> HttpRequest {
            let mut r = client().refresh_request(&RefreshToken::new("rt-1")).unwrap_or_else(|e| panic!("{e}"));
            if with_proof {
                r.headers.push((super::super::DPOP_HEADER.into(), "proof".into()));
            }
            r
        }

        #[test]
        fn a_dpop_token_type_is_kept_only_in_answer_to_a_proof() {
            let c = client();
            let now = Timestamp::from_secs(1_000);
            for spelling in ["DPoP", "dpop"] {
                let set = c.parse_token_response_to(&refresh(true), &answer(spelling), now, None).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(set.token_type, spelling);
            }
            // RFC 9449 §5: a bound token the client did not ask for (no proof sent) is refused
            let refused = c.parse_token_response_to(&refresh(false), &answer("DPoP"), now, None).map(|_| ()).map_err(|e| e.code());
            assert_eq!(refused, Err(ErrorCode::UnsupportedTokenType));
            assert_eq!(c.parse_token_response(&answer("DPoP"), now, None).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::UnsupportedTokenType));
            // a client with DPoP on takes it (its runtime's transport adds the proof after the
            // request is built, so the request the core sees may not carry it)
            let on = client().with_dpop(true);
            assert!(on.uses_dpop() && !c.uses_dpop());
            assert!(on.parse_token_response_to(&refresh(false), &answer("DPoP"), now, None).is_ok());
            assert!(on.parse_token_response(&answer("DPoP"), now, None).is_ok());
            // a server without DPoP may answer Bearer to a request with a proof (§5): taken
            assert!(c.parse_token_response_to(&refresh(true), &answer("Bearer"), now, None).is_ok());
            assert_eq!(
                c.parse_token_response_to(&refresh(true), &answer("mac"), now, None).map(|_| ()).map_err(|e| e.code()),
                Err(ErrorCode::UnsupportedTokenType)
            );
        }

        #[test]
        #[cfg(feature = "oidc")]
        fn auto_is_on_when_the_metadata_lists_es256() {
            use crate::discovery::ServerMetadata;
            let meta = |algs: &[&str]| ServerMetadata {
                issuer: "https://as.example".into(),
                token_endpoint: "https://as.example/token".into(),
                dpop_signing_alg_values_supported: algs.iter().map(|a| (*a).to_owned()).collect(),
                ..ServerMetadata::default()
            };
            let uses = |mode, algs: &[&str]| {
                let mut cfg = GenericConfig::from_metadata(&meta(algs), "cid");
                cfg.dpop = mode;
                cfg.client().map(|c| c.uses_dpop()).unwrap_or_else(|e| panic!("{e}"))
            };
            use super::super::DpopMode::{Auto, Off, On};
            assert!(uses(Auto, &["ES256", "EdDSA"]) && !uses(Auto, &["EdDSA"]) && !uses(Auto, &[]));
            assert!(uses(On, &[]) && !uses(Off, &["ES256"]));
        }

        #[test]
        fn api_requests_say_dpop_for_a_bound_token_and_bearer_otherwise() {
            let c = client();
            let now = Timestamp::from_secs(1_000);
            let bound = c.parse_token_response_to(&refresh(true), &answer("DPoP"), now, None).unwrap_or_else(|e| panic!("{e}"));
            let req = c.api_request(&bound, Method::Get, "/me", None).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(req.header("authorization"), Some("DPoP at-1"));
            let bearer = c.parse_token_response_to(&refresh(false), &answer("bearer"), now, None).unwrap_or_else(|e| panic!("{e}"));
            let req = c.api_request(&bearer, Method::Get, "/me", None).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(req.header("authorization"), Some("Bearer at-1"));
        }
    }
}
