//! LegalOn: the client-credentials token host (`POST /oauth/token`, Basic
//! credentials compared verbatim) and the API host (`/rest/v1/...`, opaque
//! page tokens, rate limit that skips invalid tokens and 429s, unknown fields).

use crate::fault_layer;
use crate::faults::{Endpoint, Provider};
use crate::layers;
use crate::seed;
use crate::state::{App, LegalonToken};
use crate::util::{self, content_type_is, token_b64, Params};
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::sync::Arc;

/// Router for the LegalOn token host.
pub fn token_router(app: Arc<App>) -> Router {
    Router::new()
        .route("/oauth/token", post(token))
        .layer(middleware::from_fn_with_state((app.clone(), Provider::Legalon, Endpoint::Token), fault_layer::middleware))
        .fallback(|| async { api_error(StatusCode::NOT_FOUND, "NOT_FOUND", "No such endpoint") })
        .with_state(app)
        .layer(middleware::from_fn(layers::request_id_header))
}

/// Router for the LegalOn API host (`{api_base_url}/rest/v1/...`).
pub fn api_router(app: Arc<App>) -> Router {
    Router::new()
        .route("/rest/v1/users", get(|s: State<Arc<App>>, u: Uri| list(s, u, "users")))
        .route("/rest/v1/departments", get(|s: State<Arc<App>>, u: Uri| list(s, u, "departments")))
        .route("/rest/v1/user-groups", get(|s: State<Arc<App>>, u: Uri| list(s, u, "user-groups")))
        .route("/rest/v1/spaces", get(|s: State<Arc<App>>, u: Uri| list(s, u, "spaces")))
        .fallback(|| async { api_error(StatusCode::NOT_FOUND, "NOT_FOUND", "No such API endpoint") })
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .layer(middleware::from_fn_with_state((app.clone(), Provider::Legalon, Endpoint::Api), fault_layer::middleware))
        .with_state(app)
        .layer(middleware::from_fn(layers::request_id_header))
}

/// LegalOn API error body (guessed shape): `{"code": "...", "message": "..."}`.
fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    util::json(status, &json!({"code": code, "message": message}))
}

/// The token host's challenge on a 401: the scheme the document uses (`Authorization: Basic
/// ${API_CREDENTIALS}`, legalon-getting-started.txt) with the `realm` RFC 7617 §2 requires (the
/// document names none: a guess).
pub const BASIC_CHALLENGE: &str = "Basic realm=\"LegalOn API\"";

/// `POST /oauth/token` with `Authorization: Basic {credentials}`.
async fn token(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let form = content_type_is(&headers, "application/x-www-form-urlencoded");
    let p = if form { Params::parse(&body) } else { Params::default() };
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    let now = app.now();
    let result: Result<Value, (StatusCode, &str, &str)> = app.with(|s| {
        if p.get("grant_type") == Some("client_credentials") {
            s.stats.legalon.token_requests.client_credentials += 1;
        }
        let r = (|| {
            let unauthorized = |d| (StatusCode::UNAUTHORIZED, "invalid_client", d);
            let value = auth
                .as_deref()
                .and_then(|a| a.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
                .map(|(_, v)| v)
                .ok_or_else(|| unauthorized("Missing Authorization: Basic {API credentials} header"))?;
            let cred = app.cfg.legalon.credentials.iter().find(|c| c.value == value).ok_or_else(|| unauthorized("Invalid API credentials"))?;
            if cred.expired {
                return Err(unauthorized("The API credentials have expired"));
            }
            if !form {
                return Err((StatusCode::BAD_REQUEST, "invalid_request", "Content-Type must be application/x-www-form-urlencoded"));
            }
            if p.first_duplicate(&["grant_type"]).is_some() {
                return Err((StatusCode::BAD_REQUEST, "invalid_request", "Duplicate parameter: grant_type"));
            }
            match p.get("grant_type") {
                None => Err((StatusCode::BAD_REQUEST, "invalid_request", "Missing required parameter: grant_type")),
                Some("client_credentials") => {
                    let access = token_b64(32);
                    s.legalon
                        .access
                        .insert(access.clone(), LegalonToken { credential: cred.value.clone(), expires_at: now + app.cfg.legalon.token_lifetime_secs });
                    Ok(json!({
                        "access_token": access,
                        "expires_in": app.cfg.legalon.token_lifetime_secs,
                        "token_type": "Bearer",
                        "api_base_url": app.endpoints.legalon.api_base_url,
                    }))
                }
                Some(_) => Err((StatusCode::BAD_REQUEST, "unsupported_grant_type", "Only grant_type=client_credentials is supported")),
            }
        })();
        if r.is_err() {
            s.stats.legalon.token_errors += 1;
        }
        r
    });
    match result {
        Ok(v) => {
            let mut r = util::json(StatusCode::OK, &v);
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err((status, code, d)) => {
            let mut r = util::oauth_error(status, code, d);
            if status == StatusCode::UNAUTHORIZED {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(BASIC_CHALLENGE));
            }
            r
        }
    }
}

/// Auth first (invalid/expired tokens are not counted), then the rate limit
/// (429s are not counted); every response gets `X-RateLimit-*`.
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let now_ms = app.clock.now_ms();
    let now = app.now();
    let token = util::bearer(req.headers());
    let (decision, auth) = app.with(|s| {
        s.stats.legalon.api_calls += 1;
        let auth = match &token {
            None => Err("Missing bearer access token"),
            Some(t) => match s.legalon.access.get(t) {
                None => Err("The access token is invalid"),
                Some(rec) if rec.expires_at <= now => Err("The access token has expired"),
                Some(_) => Ok(()),
            },
        };
        let d = if auth.is_ok() {
            let d = s.legalon_window.hit(now_ms);
            if !d.allowed {
                s.stats.legalon.rate_limited += 1;
            }
            d
        } else {
            s.legalon_window.peek(now_ms)
        };
        (d, auth)
    });
    let mut resp = match auth {
        Err(m) => {
            let mut r = api_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", m);
            let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{m}\"");
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
            r
        }
        Ok(()) if !decision.allowed => {
            api_error(StatusCode::TOO_MANY_REQUESTS, "RESOURCE_EXHAUSTED", "Rate limit exceeded; retry after X-RateLimit-Reset seconds")
        }
        Ok(()) => next.run(req).await,
    };
    decision.apply(resp.headers_mut());
    resp
}

fn page_sig(app: &App, collection: &str, offset: usize) -> String {
    let key = app.cfg.lawvu.jwt_signing_key.as_bytes();
    crate::jwt::hmac_sha256(key, format!("legalon-page:{collection}:{offset}").as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// An opaque page token for `offset` in `collection`.
fn page_token(app: &App, collection: &str, offset: usize) -> String {
    let raw = format!("{collection}:{offset}:{}", page_sig(app, collection, offset));
    URL_SAFE_NO_PAD.encode(raw)
}

/// Decodes and checks a page token; `None` if invalid.
fn parse_page_token(app: &App, collection: &str, token: &str, total: usize) -> Option<usize> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let mut parts = raw.split(':');
    let (c, o, sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || c != collection {
        return None;
    }
    let offset: usize = o.parse().ok()?;
    (offset < total && page_sig(app, collection, offset) == sig).then_some(offset)
}

/// `GET /rest/v1/{collection}?page_size=&page_token=`.
async fn list(State(app): State<Arc<App>>, uri: Uri, collection: &'static str) -> Response {
    let p = Params::parse(uri.query().unwrap_or("").as_bytes());
    let page_size = match p.get("page_size") {
        None => 20,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => return api_error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", "page_size must be an integer between 1 and 100"),
        },
    };
    let items = seed::legalon_collection(collection);
    let total = items.len();
    let offset = match p.get("page_token") {
        None => 0,
        Some(t) => match parse_page_token(&app, collection, t, total) {
            Some(o) => o,
            None => return api_error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", "Invalid page_token"),
        },
    };
    let page: Vec<Value> = items.into_iter().skip(offset).take(page_size).collect();
    let next = offset + page_size;
    let next_token = if next < total { page_token(&app, collection, next) } else { String::new() };
    let prev_token = if offset > 0 { page_token(&app, collection, offset.saturating_sub(page_size)) } else { String::new() };
    let mut body = serde_json::Map::new();
    body.insert(collection.replace('-', "_"), Value::Array(page));
    body.insert("next_page_token".into(), json!(next_token));
    body.insert("prev_page_token".into(), json!(prev_token));
    body.insert("total_size".into(), json!(total));
    body.insert("_sandbox_extension".into(), json!({"note": "unknown field added by the sandbox; clients must ignore it", "schema_version": 2}));
    util::json(StatusCode::OK, &Value::Object(body))
}
