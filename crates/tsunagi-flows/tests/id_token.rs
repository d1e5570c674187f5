//! The id_token verifier (the one the browser and the Worker run) against a scripted issuer, in
//! memory, on a single-threaded executor: the JWKS fetched once for any number of concurrent
//! verifications, an unknown `kid` refetching it at most once per 30 s, a rotated key found by that
//! refetch, the claim checks of a sign-in and of a refresh, and discovery's location fallback.
//! The signature check is scripted (WebCrypto runs in the browser and Worker tests): a signature
//! verifies when it names the key's `x`.

use futures_executor::block_on;
use futures_util::future::join_all;
use std::cell::{Cell, RefCell};
use tsunagi_core::base64url;
use tsunagi_core::id_token::{IdTokenExpectations, JwsAlgorithm};
use tsunagi_core::{Error, ErrorCode, HttpRequest, HttpResponse, Nonce, Result, Timestamp};
use tsunagi_flows::discovery::discover;
use tsunagi_flows::id_token::{jwks_cache, Expected, IdTokenVerifier};
use tsunagi_flows::memory::{yield_now, ManualClock};
use tsunagi_flows::{SignatureCheck, Sleep, Transport};

const ISSUER: &str = "https://as.example";
const JWKS_URI: &str = "https://as.example/jwks";
const T0: Timestamp = Timestamp::from_secs(1_800_000_000);

/// An issuer publishing P-256 keys by `kid` (each key's `x` is `x-<kid>`), counting requests.
struct Issuer {
    kids: RefCell<Vec<&'static str>>,
    jwks_fetches: Cell<u64>,
    /// Status of each metadata location (RFC 8414's, then OIDC Discovery's); `None`: no answer.
    metadata: RefCell<Vec<(String, Option<u16>)>>,
}

impl Issuer {
    fn with(kids: &[&'static str]) -> Self {
        Issuer { kids: RefCell::new(kids.to_vec()), jwks_fetches: Cell::new(0), metadata: RefCell::new(Vec::new()) }
    }
    fn jwks(&self) -> String {
        let keys: Vec<String> =
            self.kids.borrow().iter().map(|k| format!(r#"{{"kty":"EC","crv":"P-256","kid":"{k}","x":"x-{k}","y":"y","use":"sig"}}"#)).collect();
        format!(r#"{{"keys":[{}]}}"#, keys.join(","))
    }
}

impl Transport for Issuer {
    type Answer = HttpResponse;
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse> {
        // the answer takes a while: every concurrent caller gets its turn meanwhile
        for _ in 0..5 {
            yield_now().await;
        }
        if request.url == JWKS_URI {
            self.jwks_fetches.set(self.jwks_fetches.get() + 1);
            return Ok(HttpResponse::new(200, vec![], self.jwks()));
        }
        match self.metadata.borrow().iter().find(|(url, _)| *url == request.url) {
            Some((_, Some(200))) => Ok(HttpResponse::new(
                200,
                vec![],
                format!(r#"{{"issuer":"{ISSUER}/realm","token_endpoint":"{ISSUER}/token","jwks_uri":"{JWKS_URI}","x-other":1}}"#),
            )),
            Some((_, Some(status))) => Ok(HttpResponse::new(*status, vec![], "")),
            _ => Err(Error::new(ErrorCode::Transport, "could not be reached")),
        }
    }
}

/// Verifies when the signature is `signed-by:<x of the key>`.
struct Scripted;

impl SignatureCheck for Scripted {
    async fn verify(&self, alg: JwsAlgorithm, jwk: &str, _signing_input: &[u8], signature: &[u8]) -> Result<bool> {
        yield_now().await;
        assert_eq!(alg, JwsAlgorithm::Es256);
        let x = jwk.split(r#""x":""#).nth(1).and_then(|r| r.split('"').next()).unwrap_or_default();
        Ok(signature == format!("signed-by:{x}").as_bytes())
    }
}

fn jwt(kid: &str, signed_by: &str, claims: &str) -> String {
    let header = format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#);
    format!(
        "{}.{}.{}",
        base64url::encode(header.as_bytes()),
        base64url::encode(claims.as_bytes()),
        base64url::encode(format!("signed-by:x-{signed_by}").as_bytes())
    )
}

fn claims(sub: &str, extra: &str) -> String {
    let now = T0.as_secs();
    format!(r#"{{"iss":"{ISSUER}","sub":"{sub}","aud":"cid","iat":{},"exp":{}{extra}}}"#, now - 5, now + 300)
}

fn expected<'a>(nonce: Option<&'a Nonce>, original: Option<&'a str>) -> Expected<'a> {
    Expected { claims: IdTokenExpectations { issuer: ISSUER, client_id: "cid", nonce, now: T0, leeway_secs: 60 }, original }
}

/// Waits by giving the other callers a turn (the clock stands still, as workerd's does during a
/// request).
struct Yielding;

impl Sleep for Yielding {
    async fn sleep(&self, _ms: u64) {
        yield_now().await;
    }
}

/// Runs `f` with a verifier over `issuer`, a fresh JWKS cache and a clock at T0.
fn with_verifier<T>(issuer: &Issuer, f: impl FnOnce(&IdTokenVerifier<'_, Issuer, ManualClock, Yielding, Scripted>, &ManualClock) -> T) -> T {
    let clock = ManualClock::at(T0);
    let cache = jwks_cache();
    let v = IdTokenVerifier { transport: issuer, clock: &clock, sleep: &Yielding, signature: &Scripted, jwks: &cache, wait_ms: 10_000 };
    f(&v, &clock)
}

fn code<T>(r: Result<T>) -> std::result::Result<T, ErrorCode> {
    r.map_err(|e| e.code())
}

#[test]
fn a_sign_in_s_id_token_is_verified_signature_then_claims() {
    let issuer = Issuer::with(&["k1"]);
    with_verifier(&issuer, |v, _| {
        let nonce = Nonce::new("n-1").unwrap_or_else(|e| panic!("{e}"));
        let good = jwt("k1", "k1", &claims("u1", r#","nonce":"n-1""#));
        let t = code(block_on(v.verify(&good, JWKS_URI, &expected(Some(&nonce), None)))).unwrap_or_else(|c| panic!("{c:?}"));
        assert!(t.claims_json_unverified().contains(r#""sub":"u1""#));
        let forged = jwt("k1", "someone-else", &claims("u1", r#","nonce":"n-1""#));
        assert_eq!(code(block_on(v.verify(&forged, JWKS_URI, &expected(Some(&nonce), None)))).err(), Some(ErrorCode::IdTokenSignatureInvalid));
        let replayed = jwt("k1", "k1", &claims("u1", r#","nonce":"n-0""#));
        assert_eq!(code(block_on(v.verify(&replayed, JWKS_URI, &expected(Some(&nonce), None)))).err(), Some(ErrorCode::NonceMismatch));
        let other_client = jwt("k1", "k1", &claims("u1", "").replace(r#""aud":"cid""#, r#""aud":"other""#));
        assert_eq!(code(block_on(v.verify(&other_client, JWKS_URI, &expected(None, None)))).err(), Some(ErrorCode::IdTokenInvalid));
    });
    assert_eq!(issuer.jwks_fetches.get(), 1, "the JWKS is kept between verifications");
}

#[test]
fn a_refresh_s_id_token_must_be_the_original_user_s() {
    let issuer = Issuer::with(&["k1"]);
    with_verifier(&issuer, |v, _| {
        let original = claims("u1", "");
        let same = jwt("k1", "k1", &claims("u1", ""));
        assert!(block_on(v.verify(&same, JWKS_URI, &expected(None, Some(&original)))).is_ok());
        let other_user = jwt("k1", "k1", &claims("u2", ""));
        assert_eq!(code(block_on(v.verify(&other_user, JWKS_URI, &expected(None, Some(&original))))).err(), Some(ErrorCode::IdTokenInvalid));
    });
}

#[test]
fn concurrent_verifications_with_an_unknown_kid_cause_one_fetch_and_one_refetch_per_30_s() {
    let issuer = Issuer::with(&["k1"]);
    with_verifier(&issuer, |v, clock| {
        let token = jwt("unknown", "unknown", &claims("u1", ""));
        let plain = expected(None, None);
        let all = block_on(join_all((0..50).map(|_| v.verify(&token, JWKS_URI, &plain))));
        assert!(all.into_iter().all(|r| code(r).err() == Some(ErrorCode::JwkNotFound)));
        assert_eq!(issuer.jwks_fetches.get(), 2, "the JWKS once, then one refetch, for 50 concurrent verifications");
        // within the cool-down: refused without a request
        clock.advance_ms(29_000);
        assert_eq!(code(block_on(v.verify(&token, JWKS_URI, &expected(None, None)))).err(), Some(ErrorCode::JwkNotFound));
        assert_eq!(issuer.jwks_fetches.get(), 2);
        // after it: one refetch again
        clock.advance_ms(1_000);
        let again = block_on(join_all((0..10).map(|_| v.verify(&token, JWKS_URI, &plain))));
        assert!(again.into_iter().all(|r| code(r).err() == Some(ErrorCode::JwkNotFound)));
        assert_eq!(issuer.jwks_fetches.get(), 3);
    });
}

#[test]
fn a_rotated_key_is_found_by_the_refetch() {
    let issuer = Issuer::with(&["k1"]);
    with_verifier(&issuer, |v, clock| {
        let old = jwt("k1", "k1", &claims("u1", ""));
        assert!(block_on(v.verify(&old, JWKS_URI, &expected(None, None))).is_ok());
        issuer.kids.replace(vec!["k2"]);
        clock.advance_ms(1_000);
        let new = jwt("k2", "k2", &claims("u1", ""));
        let plain = expected(None, None);
        let both = block_on(join_all((0..5).map(|_| v.verify(&new, JWKS_URI, &plain))));
        assert!(both.iter().all(Result::is_ok));
        assert_eq!(issuer.jwks_fetches.get(), 2);
    });
}

#[test]
fn discovery_moves_on_past_a_failed_location_and_names_every_location_tried() {
    let issuer = Issuer::with(&["k1"]);
    let realm = format!("{ISSUER}/realm");
    let rfc8414 = format!("{ISSUER}/.well-known/oauth-authorization-server/realm");
    let oidc = format!("{realm}/.well-known/openid-configuration");
    issuer.metadata.replace(vec![(rfc8414.clone(), None), (oidc.clone(), Some(200))]);
    let (md, response) = block_on(discover(&issuer, &realm)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(md.jwks_uri.as_deref(), Some(JWKS_URI));
    assert!(response.body.contains("x-other"));
    issuer.metadata.replace(vec![(rfc8414.clone(), Some(404)), (oidc.clone(), Some(404))]);
    let none = block_on(discover(&issuer, &realm)).err().unwrap_or_else(|| panic!("found"));
    assert_eq!(none.code(), ErrorCode::MetadataInvalid);
    assert!(none.message().contains(&format!("{rfc8414} (HTTP 404)")) && none.message().contains(&format!("{oidc} (HTTP 404)")), "{none}");
    issuer.metadata.replace(vec![]);
    let unreachable = block_on(discover(&issuer, &realm)).err().unwrap_or_else(|| panic!("found"));
    assert_eq!(unreachable.code(), ErrorCode::Transport);
    assert!(unreachable.message().contains(&format!("{oidc} (no answer)")), "{unreachable}");
}
