//! The package's `discover()` and `verifyIdToken()` (and `OAuthClient`'s use of them): the shared
//! discovery and id_token verifier of `tsunagi_flows` (the Worker runs the same), with WebCrypto
//! through web-sys (`tsunagi-webcrypto`), the documents fetched through gloo-net or the app's
//! `fetch` option (`http.rs`). Caches live in this module instance's memory, never in storage: 16
//! issuers' metadata and 16 JWKS, an hour each.

use super::{error, global, http};
use js_sys::Function;
use std::rc::Rc;
use tsunagi_core::id_token::IdTokenExpectations;
use tsunagi_core::json::{self, Escape, Json, JsonObject};
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_set::DEFAULT_LEEWAY_SECS;
use tsunagi_core::{Error, ErrorCode, HttpRequest, HttpResponse, Nonce, Result};
use tsunagi_flows::discovery;
use tsunagi_flows::documents::DocumentCache;
use tsunagi_flows::id_token::{self as verifier, Expected, IdTokenVerifier};
use tsunagi_flows::{Clock, Sleep, Transport};
use tsunagi_webcrypto::WebCrypto;
use wasm_bindgen::prelude::*;

/// The RFC 8414 §2 members `discover()` returns (index.d.ts `ServerMetadata`).
const METADATA_MEMBERS: [&str; 13] = [
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "revocation_endpoint",
    "scopes_supported",
    "token_endpoint_auth_methods_supported",
    "code_challenge_methods_supported",
    "authorization_response_iss_parameter_supported",
    "id_token_signing_alg_values_supported",
    "pushed_authorization_request_endpoint",
    "require_pushed_authorization_requests",
    "dpop_signing_alg_values_supported",
];

/// How many issuers' metadata stay cached, and for how long.
const METADATA_CACHED: usize = 16;
const METADATA_KEEP_MS: u64 = 3_600_000;

thread_local! {
    static METADATA: Rc<DocumentCache> = Rc::new(DocumentCache::new(METADATA_CACHED, METADATA_KEEP_MS));
    static JWKS: Rc<DocumentCache> = Rc::new(verifier::jwks_cache());
}

/// The documents' transport, clock and timers: every request within `timeout_ms`, or within what
/// is left until `deadline` (ms since the epoch: one deadline for a whole discovery), through the
/// app's `fetch` when given, else gloo-net.
struct Page<'a> {
    fetch: &'a Option<Function>,
    timeout_ms: u64,
    deadline: Option<u64>,
    what: &'a str,
}

impl Page<'_> {
    fn millis(&self) -> u64 {
        let now = js_sys::Date::now();
        if now.is_finite() && now > 0.0 {
            now as u64
        } else {
            0
        }
    }
}

impl Transport for Page<'_> {
    type Answer = HttpResponse;
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse> {
        let timeout_ms = match self.deadline {
            Some(deadline) => {
                let left = deadline.saturating_sub(self.millis());
                if left == 0 {
                    return Err(Error::new(ErrorCode::Timeout, format!("{} did not arrive within {} ms", self.what, self.timeout_ms)));
                }
                left
            }
            None => self.timeout_ms,
        };
        http::get_document(self.fetch.clone(), request, timeout_ms as f64).await
    }
}

impl Clock for Page<'_> {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.millis())
    }
}

impl Sleep for Page<'_> {
    async fn sleep(&self, ms: u64) {
        global::sleep(ms as f64).await;
    }
}

/// The `requestTimeoutMs` option (absent or invalid: 30 s).
fn timeout_of(ms: Option<f64>) -> u64 {
    ms.filter(|m| m.is_finite() && *m > 0.0).map_or(30_000, |m| m as u64)
}

/// The members of a checked metadata document `discover()` returns.
fn members(body: &str) -> Result<String> {
    let doc = json::parse(body).ok();
    let doc = doc.as_ref().and_then(Json::as_object).ok_or_else(|| Error::new(ErrorCode::MetadataInvalid, "the server metadata is not a JSON object"))?;
    let mut kept = JsonObject::new();
    for name in METADATA_MEMBERS {
        if let Some(v) = doc.get(name) {
            kept.insert(name, v.clone());
        }
    }
    Ok(Json::from(kept).to_json(Escape::Minimal))
}

/// The checked metadata of `issuer` (see [`discovery::discover`]: RFC 8414 §3.1's location, then
/// OpenID Connect Discovery §4's), as the JSON text of its [`METADATA_MEMBERS`], cached (`refresh`:
/// fetched again). The whole discovery is within `timeoutMs` (default 30 s): `timeout` after it.
/// Rejects with the core error's JSON text.
#[wasm_bindgen(js_name = discoverMetadata)]
pub async fn discover_metadata(
    issuer: String,
    #[wasm_bindgen(unchecked_param_type = "((url: string, init: RequestInit) => Promise<Response>) | undefined")] fetch: Option<Function>,
    refresh: bool,
    timeout_ms: Option<f64>,
) -> std::result::Result<String, JsValue> {
    let timeout_ms = timeout_of(timeout_ms);
    let what = format!("the metadata of {issuer}");
    let result = async {
        let page = Page { fetch: &fetch, timeout_ms, deadline: None, what: &what };
        let deadline = page.millis().saturating_add(timeout_ms);
        let page = Page { deadline: Some(deadline), ..page };
        let cache = METADATA.with(Rc::clone);
        let load = || async { members(&discovery::discover(&page, &issuer).await?.1.body) };
        cache.get(&issuer, &page, &page, timeout_ms, refresh, load).await.map(|t| t.to_string())
    }
    .await;
    result.map_err(|e| JsValue::from_str(&error::to_json(&e)))
}

/// Verifies `idToken` for the client of `config` (JSON text: a generic config with `issuer`,
/// `clientId` and its `jwksUri` or metadata) with the shared verifier ([`IdTokenVerifier`]): the
/// signature through WebCrypto against the issuer's JWKS (cached; on an unknown `kid` one refetch
/// per 30 s per JWKS, shared by concurrent calls), then the claim checks of a sign-in (OIDC Core
/// §3.1.3.7, with `nonce`) or, with `original` (the claims JSON of the session's first id_token),
/// of a refresh (§12.2). `now`: the time of the claim checks (ms). Resolves to the verified
/// claims' JSON text; rejects with the core error's JSON text.
#[wasm_bindgen(js_name = verifyIdTokenWith)]
#[allow(clippy::too_many_arguments)]
pub async fn verify_id_token_with(
    config: String,
    id_token: String,
    #[wasm_bindgen(unchecked_param_type = "((url: string, init: RequestInit) => Promise<Response>) | undefined")] fetch: Option<Function>,
    nonce: Option<String>,
    original: Option<String>,
    now: f64,
    leeway_secs: Option<f64>,
    timeout_ms: Option<f64>,
) -> std::result::Result<String, JsValue> {
    let result = async {
        let client = super::handle::client_from_text(&config)?;
        let issuer = client.server().issuer.as_deref().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "checking an id_token needs config.issuer"))?;
        let client_id = client.client_id().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "checking an id_token needs config.clientId"))?;
        let jwks_uri = client
            .server()
            .jwks_uri
            .as_ref()
            .ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "verifying an id_token needs the issuer's jwks_uri (metadata) or config.jwksUri"))?;
        let nonce = nonce.map(Nonce::new).transpose()?;
        let timeout_ms = timeout_of(timeout_ms);
        let page = Page { fetch: &fetch, timeout_ms, deadline: None, what: "the issuer's JWKS" };
        let cache = JWKS.with(Rc::clone);
        let v = IdTokenVerifier { transport: &page, clock: &page, sleep: &page, signature: &WebCrypto, jwks: &cache, wait_ms: timeout_ms };
        let claims = IdTokenExpectations {
            issuer,
            client_id: client_id.as_str(),
            nonce: nonce.as_ref(),
            now: Timestamp::from_millis(if now.is_finite() && now > 0.0 { now as u64 } else { 0 }),
            leeway_secs: leeway_secs.filter(|s| s.is_finite() && *s >= 0.0).map_or(DEFAULT_LEEWAY_SECS, |s| s as u64),
        };
        let expected = Expected { claims, original: original.as_deref() };
        v.verify(&id_token, jwks_uri.as_str(), &expected).await.map(|t| t.claims_json_unverified().to_owned())
    }
    .await;
    result.map_err(|e| JsValue::from_str(&error::to_json(&e)))
}
