//! LawVu API host: the token endpoint (`/account-apis/v1/auth/token`, code
//! and refresh grants, the document's exact error strings, 1-day vs 30-day
//! refresh families, single-use rotating refresh tokens) and two bearer APIs.

use crate::clock::iso_utc;
use crate::config::{LawvuClient, User};
use crate::fault_layer;
use crate::faults::{Endpoint, Provider};
use crate::jwt::{self, Claims};
use crate::layers;
use crate::seed;
use crate::state::{App, Inner, LawvuRefresh};
use crate::util::{self, content_type_is, token_b64, Params};
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use base64::Engine;
use serde_json::json;
use std::sync::Arc;

/// The token-endpoint error messages, verbatim from the vendor document.
pub mod msg {
    pub const MISSING_BODY: &str = "Required parameter missing from request body: ";
    pub const BAD_CODE: &str = "Supplied authorization_code is not valid or has expired";
    pub const REDIRECT_MISMATCH: &str = "Supplied redirect URI doesn't match the one used for authorize endpoint";
    pub const BAD_SECRET: &str = "Supplied parameter is not correct: client_secret";
    pub const BAD_REFRESH: &str = "Refresh token is not valid";
    pub const REFRESH_EXPIRED: &str = "Supplied refresh_token expired at";

    /// `Client is not valid: "{client_id}"`.
    pub fn client_not_valid(id: &str) -> String {
        format!("Client is not valid: \"{id}\"")
    }
}

/// The challenge a refused `Authorization: Basic` client gets. RFC 6749 §5.2: a client that
/// authenticated with the header gets 401 and a `WWW-Authenticate` of the scheme it used;
/// RFC 7617 §2: `realm` is required.
pub const BASIC_CHALLENGE: &str = "Basic realm=\"LawVu\"";

/// An error answered by the token endpoint: HTTP 400, or 401 with [`BASIC_CHALLENGE`] when the
/// client's `Authorization: Basic` credentials were refused.
#[derive(Debug)]
struct TokenError {
    error: &'static str,
    description: String,
    basic_challenge: bool,
}

fn err(error: &'static str, description: impl Into<String>) -> TokenError {
    TokenError { error, description: description.into(), basic_challenge: false }
}

/// `invalid_client` for credentials sent with `Authorization: Basic` (HTTP 401).
fn basic_refused(description: impl Into<String>) -> TokenError {
    TokenError { basic_challenge: true, ..err("invalid_client", description) }
}

/// Client credentials sent as `Authorization: Basic` (RFC 6749 §2.3.1): base64 (RFC 7617 §2) of
/// the form-encoded client id, `:`, and the form-encoded secret. `None` without the header (or
/// with another scheme); `Some(Err(()))` when it is Basic but does not decode to `id:secret`.
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok().and_then(|b| String::from_utf8(b).ok());
    Some(decoded.as_deref().and_then(|pair| pair.split_once(':')).and_then(|(id, secret)| Some((form_decode(id)?, form_decode(secret)?))).ok_or(()))
}

/// `application/x-www-form-urlencoded` decoding of one value (`+` is a space, `%XX` a byte);
/// `None` for a bad escape or bytes that are not UTF-8.
fn form_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |b: Option<u8>| (b? as char).to_digit(16);
                out.push(u8::try_from(hex(bytes.next())? * 16 + hex(bytes.next())?).ok()?);
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

fn missing(name: &str) -> TokenError {
    err("invalid_request", format!("{}{name}", msg::MISSING_BODY))
}

/// The router for the LawVu API host (control plane merged by the caller).
pub fn api_router(app: Arc<App>) -> Router {
    let token = Router::new()
        .route("/account-apis/v1/auth/token", post(token))
        .layer(middleware::from_fn_with_state((app.clone(), Provider::Lawvu, Endpoint::Token), fault_layer::middleware));
    let api = Router::new()
        .route("/account-apis/v1/users", get(users))
        .route("/matter-apis/v1/matters", get(matters))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), api_guard))
        .layer(middleware::from_fn_with_state((app.clone(), Provider::Lawvu, Endpoint::Api), fault_layer::middleware));
    token.merge(api).with_state(app).layer(middleware::from_fn(layers::cors)).layer(middleware::from_fn(layers::request_id_header))
}

fn ct_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `POST /account-apis/v1/auth/token`.
async fn token(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let params = if content_type_is(&headers, "application/x-www-form-urlencoded") { Some(Params::parse(&body)) } else { None };
    let basic = basic_credentials(&headers);
    let (result, content_type) = app.with(|s| {
        let grant = params.as_ref().and_then(|p| p.get("grant_type"));
        s.stats.lawvu.token_requests.count(grant);
        let result = match &params {
            Some(p) => handle_token(&app, s, p, basic.as_ref()),
            None => Err(err("invalid_request", "Content-Type must be application/x-www-form-urlencoded")),
        };
        if result.is_err() {
            s.stats.lawvu.token_errors += 1;
        }
        (result, s.options.lawvu_token_content_type.clone())
    });
    match result {
        Ok(body) => {
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            let ct = HeaderValue::from_str(&format!("{content_type}; charset=utf-8")).unwrap_or(HeaderValue::from_static("application/json"));
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, ct),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                    (header::PRAGMA, HeaderValue::from_static("no-cache")),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            let status = if e.basic_challenge { StatusCode::UNAUTHORIZED } else { StatusCode::BAD_REQUEST };
            let mut r = util::oauth_error(status, e.error, &e.description);
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if e.basic_challenge {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(BASIC_CHALLENGE));
            }
            r
        }
    }
}

const TOKEN_PARAMS: [&str; 6] = ["grant_type", "client_id", "client_secret", "code", "redirect_uri", "refresh_token"];

fn handle_token(app: &App, s: &mut Inner, p: &Params, basic: Option<&Result<(String, String), ()>>) -> Result<serde_json::Value, TokenError> {
    if let Some(d) = p.first_duplicate(&TOKEN_PARAMS) {
        return Err(err("invalid_request", format!("Duplicate parameter in request body: {d}")));
    }
    let basic = match basic {
        None => None,
        Some(Ok((id, secret))) => Some((id.as_str(), secret.as_str())),
        Some(Err(())) => {
            return Err(basic_refused("Authorization: Basic must be base64 of client_id:client_secret, each form-encoded (RFC 6749 section 2.3.1)"))
        }
    };
    // RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each request."
    if basic.is_some() && p.get("client_secret").is_some() {
        return Err(err("invalid_request", "Client authentication must use one method: Authorization: Basic or client_secret in the request body, not both"));
    }
    let grant = p.get("grant_type").ok_or_else(|| missing("grant_type"))?;
    if grant != "authorization_code" && grant != "refresh_token" {
        return Err(err("unsupported_grant_type", format!("Supplied parameter is not correct: grant_type ({grant})")));
    }
    if let Some((id, secret)) = basic {
        // with Basic the body's client_id is optional (RFC 6749 §3.2.1), but must agree
        if p.get("client_id").is_some_and(|body_id| body_id != id) {
            return Err(err("invalid_request", "client_id in the request body differs from the one in Authorization: Basic"));
        }
        let client = app.cfg.lawvu_client(id).ok_or_else(|| basic_refused(msg::client_not_valid(id)))?;
        return match &client.client_secret {
            // the header was the credential: its refusals are 401s with the challenge (§5.2)
            Some(real) if ct_eq(secret, real) => token_for(app, s, p, grant, client, true).map_err(|e| match e.error {
                "invalid_client" => basic_refused(e.description),
                _ => e,
            }),
            _ => Err(basic_refused(msg::BAD_SECRET)),
        };
    }
    let client_id = p.get("client_id").ok_or_else(|| missing("client_id"))?;
    let client = app.cfg.lawvu_client(client_id).ok_or_else(|| err("invalid_client", msg::client_not_valid(client_id)))?;
    let with_secret = match (p.get("client_secret"), &client.client_secret) {
        (None, _) => false,
        (Some(given), Some(real)) if ct_eq(given, real) => true,
        (Some(_), _) => return Err(err("invalid_client", msg::BAD_SECRET)),
    };
    token_for(app, s, p, grant, client, with_secret)
}

fn token_for(app: &App, s: &mut Inner, p: &Params, grant: &str, client: &LawvuClient, with_secret: bool) -> Result<serde_json::Value, TokenError> {
    if grant == "authorization_code" {
        exchange_code(app, s, p, client, with_secret)
    } else {
        refresh(app, s, p, client, with_secret)
    }
}

fn exchange_code(app: &App, s: &mut Inner, p: &Params, client: &LawvuClient, with_secret: bool) -> Result<serde_json::Value, TokenError> {
    let code = p.get("code").ok_or_else(|| missing("code"))?;
    let redirect_uri = p.get("redirect_uri").ok_or_else(|| missing("redirect_uri"))?;
    let now = app.now();
    let rec = s
        .lawvu
        .codes
        .get_mut(code)
        .filter(|c| !c.used && c.expires_at > now && c.client_id == client.client_id)
        .ok_or_else(|| err("invalid_grant", msg::BAD_CODE))?;
    if rec.redirect_uri != redirect_uri {
        return Err(err("invalid_grant", format!("{} ({})", msg::REDIRECT_MISMATCH, rec.redirect_uri)));
    }
    rec.used = true;
    let user_id = rec.user_id.clone();
    let user = app.cfg.user(&user_id).ok_or_else(|| err("invalid_grant", msg::BAD_CODE))?;
    let family = s.lawvu.next_family;
    s.lawvu.next_family += 1;
    Ok(issue(app, s, client, user, with_secret, family))
}

fn refresh(app: &App, s: &mut Inner, p: &Params, client: &LawvuClient, with_secret: bool) -> Result<serde_json::Value, TokenError> {
    let token = p.get("refresh_token").ok_or_else(|| missing("refresh_token"))?;
    let now = app.now();
    let Some(rec) = s.lawvu.refresh.get(token).cloned() else {
        return Err(err("invalid_grant", msg::BAD_REFRESH));
    };
    if rec.spent || s.lawvu.revoked_families.contains(&rec.family) {
        s.stats.lawvu.refresh_reuse += 1;
        if s.options.lawvu_revoke_family_on_reuse {
            revoke_family(s, rec.family);
        }
        return Err(err("invalid_grant", msg::BAD_REFRESH));
    }
    if rec.client_id != client.client_id {
        return Err(err("invalid_grant", msg::BAD_REFRESH));
    }
    if rec.expires_at <= now {
        return Err(err("invalid_grant", format!("{} '{}'", msg::REFRESH_EXPIRED, iso_utc(rec.expires_at))));
    }
    match (rec.with_secret, with_secret) {
        (true, false) => return Err(missing("client_secret")),
        (false, true) => return Err(err("invalid_client", msg::BAD_SECRET)),
        _ => {}
    }
    let user = app.cfg.user(&rec.user_id).ok_or_else(|| err("invalid_grant", msg::BAD_REFRESH))?;
    if let Some(r) = s.lawvu.refresh.get_mut(token) {
        r.spent = true;
    }
    Ok(issue(app, s, client, user, rec.with_secret, rec.family))
}

fn revoke_family(s: &mut Inner, family: u64) {
    s.lawvu.revoked_families.insert(family);
    for r in s.lawvu.refresh.values_mut().filter(|r| r.family == family) {
        r.spent = true;
    }
    s.lawvu.access_jtis.retain(|_, f| *f != family);
}

/// Mints an access JWT and a refresh token; returns the success body.
fn issue(app: &App, s: &mut Inner, client: &LawvuClient, user: &User, with_secret: bool, family: u64) -> serde_json::Value {
    let cfg = &app.cfg.lawvu;
    let now = app.now();
    let exp = now + cfg.access_token_lifetime_secs;
    let jti = token_b64(12);
    let claims = Claims {
        sub: user.id.clone(),
        name: user.name.clone(),
        organisation_id: user.organisation_id.clone(),
        exp,
        iat: now,
        jti: jti.clone(),
        client_id: client.client_id.clone(),
    };
    let access = jwt::sign(cfg.jwt_signing_key.as_bytes(), &claims);
    s.lawvu.access_jtis.insert(jti, family);
    let refresh_token = token_b64(24);
    let lifetime = if with_secret { cfg.refresh_lifetime_with_secret_secs } else { cfg.refresh_lifetime_without_secret_secs };
    s.lawvu.refresh.insert(
        refresh_token.clone(),
        LawvuRefresh { client_id: client.client_id.clone(), user_id: user.id.clone(), with_secret, expires_at: now + lifetime, spent: false, family },
    );
    let email_domain = user.email.rsplit('@').next().unwrap_or("").to_string();
    json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": cfg.access_token_lifetime_secs,
        "expires": iso_utc(exp),
        "refresh_token": refresh_token,
        "userName": user.name,
        "userId": user.id,
        "gateway": app.endpoints.lawvu.api_base,
        "emailDomain": email_domain,
    })
}

/// RFC 9457 problem details.
fn problem(status: StatusCode, title: &str, detail: &str, instance: &str) -> Response {
    let body = json!({
        "type": format!("https://tools.ietf.org/html/rfc9110#section-15.{}", match status.as_u16() {
            401 => "5.2", 403 => "5.4", 404 => "5.5", _ => "5.1",
        }),
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
        "instance": instance,
    });
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"))], bytes).into_response()
}

/// Bearer check for every API route: a valid, unexpired, issued JWT.
async fn api_guard(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    app.with(|s| s.stats.lawvu.api_calls += 1);
    let path = req.uri().path().to_string();
    let Some(token) = util::bearer(req.headers()) else {
        let mut r = problem(StatusCode::UNAUTHORIZED, "Unauthorized", "No bearer access token was supplied", &path);
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return r;
    };
    let checked = jwt::verify(app.cfg.lawvu.jwt_signing_key.as_bytes(), &token, app.now()).map_err(|e| e.describe()).and_then(|claims| {
        let live = app.with(|s| s.lawvu.access_jtis.contains_key(&claims.jti));
        if live {
            Ok(claims)
        } else {
            Err("The access token was revoked or is unknown")
        }
    });
    match checked {
        Ok(claims) => {
            req.extensions_mut().insert(claims);
            next.run(req).await
        }
        Err(detail) => {
            let mut r = problem(StatusCode::UNAUTHORIZED, "Unauthorized", detail, &path);
            let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{detail}\"");
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
            r
        }
    }
}

fn json_ok(body: &serde_json::Value) -> Response {
    util::json(StatusCode::OK, body)
}

/// `GET /account-apis/v1/users`: the caller's organisation's users.
async fn users(State(app): State<Arc<App>>, Extension(claims): Extension<Claims>) -> Response {
    let list: Vec<_> = app
        .cfg
        .users
        .iter()
        .filter(|u| u.organisation_id == claims.organisation_id)
        .map(|u| {
            json!({
                "id": u.id,
                "name": u.name,
                "email": u.email,
                "organisationId": u.organisation_id,
                "isActive": true,
            })
        })
        .collect();
    json_ok(&serde_json::Value::Array(list))
}

/// `GET /matter-apis/v1/matters`: the caller's organisation's matters.
async fn matters(Extension(claims): Extension<Claims>) -> Response {
    let items: Vec<_> = seed::lawvu_matters().into_iter().filter(|m| m["organisationId"] == claims.organisation_id.as_str()).collect();
    json_ok(&json!({"items": items, "totalCount": items.len()}))
}

async fn not_found(uri: Uri) -> Response {
    problem(StatusCode::NOT_FOUND, "Not Found", "No such API endpoint", uri.path())
}
