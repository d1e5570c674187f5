//! Logiless authorization: the consent page (`GET/POST /oauth/v2/auth`), the
//! GET-only token endpoint (`/oauth2/token`, query parameters only, rotating
//! refresh tokens, optional byte-exact vendor-sample body) and the control-plane approve.

use crate::approve::ApproveRequest;
use crate::config::User;
use crate::fault_layer;
use crate::faults::{Endpoint, Provider};
use crate::state::{App, Inner, LogilessCode, LogilessToken};
use crate::util::{self, append_query, html_escape, token_hex, Params};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use serde_json::json;
use std::sync::Arc;

/// Router for the whole Logiless host (auth page, token, API).
pub fn router(app: Arc<App>) -> Router {
    let token = Router::new()
        .route("/oauth2/token", any(token))
        .layer(middleware::from_fn_with_state((app.clone(), Provider::Logiless, Endpoint::Token), fault_layer::middleware));
    Router::new()
        .route("/oauth/v2/auth", get(auth_page).post(auth_submit))
        .merge(token)
        .with_state(app.clone())
        .nest("/api/v1", crate::logiless_api::router(app))
        .fallback(|| async { util::oauth_error(StatusCode::NOT_FOUND, "not_found", "No such endpoint") })
}

/// An authorize-request failure.
#[derive(Debug, Clone)]
pub enum AuthError {
    /// Untrusted client or redirect URI: shown on an error page, never redirected.
    Page { error: &'static str, description: String },
    /// Trusted redirect URI: the error goes back to the client.
    Redirect(String),
}

/// A validated authorize request.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub state: Option<String>,
}

fn page_err(error: &'static str, description: impl Into<String>) -> AuthError {
    AuthError::Page { error, description: description.into() }
}

/// Validates `client_id`, `redirect_uri` (identical to the registered one) and `response_type`.
pub fn validate(app: &App, p: &Params) -> Result<AuthRequest, AuthError> {
    let cfg = &app.cfg.logiless;
    if let Some(d) = p.first_duplicate(&["client_id", "redirect_uri", "response_type", "state"]) {
        return Err(page_err("invalid_request", format!("Duplicate parameter: {d}")));
    }
    let client_id = p.get("client_id").ok_or_else(|| page_err("invalid_request", "Missing required parameter: client_id"))?;
    if client_id != cfg.client_id {
        return Err(page_err("invalid_client", format!("Unknown client_id: {client_id}")));
    }
    let redirect_uri = p.get("redirect_uri").ok_or_else(|| page_err("invalid_request", "Missing required parameter: redirect_uri"))?;
    if redirect_uri != cfg.redirect_uri {
        return Err(page_err("redirect_uri_mismatch", "redirect_uri does not match the redirect URL registered for this application"));
    }
    let state = p.get("state").map(str::to_string);
    let back = |error: &str| {
        let mut pairs = vec![("error", error)];
        if let Some(s) = &state {
            pairs.push(("state", s.as_str()));
        }
        AuthError::Redirect(append_query(&cfg.redirect_uri, &pairs))
    };
    match p.get("response_type") {
        None => return Err(back("invalid_request")),
        Some("code") => {}
        Some(_) => return Err(back("unsupported_response_type")),
    }
    Ok(AuthRequest { state })
}

/// Applies the user's decision; returns the URL the browser is sent to.
pub fn decide(app: &App, req: &AuthRequest, user_id: &str, decision: &str) -> Result<String, AuthError> {
    let cfg = &app.cfg.logiless;
    let user: &User = app.cfg.user(user_id).ok_or_else(|| page_err("invalid_request", format!("Unknown user: {user_id}")))?;
    let code;
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    match decision {
        "approve" => {
            code = token_hex(20);
            let expires_at = app.now() + cfg.code_lifetime_secs;
            app.with(|s| {
                s.logiless
                    .codes
                    .insert(code.clone(), LogilessCode { user_id: user.id.clone(), redirect_uri: cfg.redirect_uri.clone(), expires_at, used: false })
            });
            pairs.push(("code", &code));
        }
        "deny" => pairs.push(("error", "access_denied")),
        other => return Err(page_err("invalid_request", format!("decision must be \"approve\" or \"deny\", not {other:?}"))),
    }
    if let Some(s) = &req.state {
        pairs.push(("state", s));
    }
    Ok(append_query(&cfg.redirect_uri, &pairs))
}

fn error_page(error: &str, description: &str) -> Response {
    util::html(
        StatusCode::BAD_REQUEST,
        format!(
            "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>エラー | ロジレス (sandbox)</title></head>\
             <body><main><h1>エラー</h1><p id=\"error\" role=\"alert\" data-error=\"{e}\">{d}</p>\
             <p>認可リクエストが不正です。(error: <code>{e}</code>)</p></main></body></html>",
            e = html_escape(error),
            d = html_escape(description)
        ),
    )
}

fn redirect(url: &str) -> Response {
    match HeaderValue::from_str(url) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => error_page("invalid_request", "redirect URL is not a valid header value"),
    }
}

fn auth_error_response(e: AuthError) -> Response {
    match e {
        AuthError::Page { error, description } => error_page(error, &description),
        AuthError::Redirect(url) => redirect(&url),
    }
}

/// `GET /oauth/v2/auth`: the consent page.
async fn auth_page(State(app): State<Arc<App>>, uri: Uri) -> Response {
    let p = Params::parse(uri.query().unwrap_or("").as_bytes());
    let req = match validate(&app, &p) {
        Ok(r) => r,
        Err(e) => return auth_error_response(e),
    };
    let hidden = |name: &str, value: &str| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", html_escape(name), html_escape(value));
    let mut fields = String::new();
    for name in ["client_id", "redirect_uri", "response_type"] {
        fields.push_str(&hidden(name, p.get(name).unwrap_or("")));
    }
    if let Some(s) = &req.state {
        fields.push_str(&hidden("state", s));
    }
    let options: String = app
        .cfg
        .users
        .iter()
        .map(|u| format!("<option value=\"{}\">{} ({})</option>", html_escape(&u.id), html_escape(&u.name), html_escape(&u.email)))
        .collect();
    util::html(
        StatusCode::OK,
        format!(
            "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>アプリケーションの認可 | ロジレス (sandbox)</title></head><body><main>\
             <h1>アプリケーションの認可</h1>\
             <p>アプリケーションがあなたのロジレスアカウントのデータへのアクセスを求めています。</p>\
             <form method=\"post\" action=\"/oauth/v2/auth\">{fields}\
             <label for=\"user\">ロジレス ユーザID</label> <select id=\"user\" name=\"user_id\">{options}</select>\
             <p><button type=\"submit\" id=\"approve\" name=\"decision\" value=\"approve\">承認</button> \
             <button type=\"submit\" id=\"deny\" name=\"decision\" value=\"deny\">キャンセル</button></p>\
             </form></main></body></html>"
        ),
    )
}

/// `POST /oauth/v2/auth`: the consent form submission → 302 to the redirect URI.
async fn auth_submit(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if !util::content_type_is(&headers, "application/x-www-form-urlencoded") {
        return error_page("invalid_request", "form submission expected");
    }
    let p = Params::parse(&body);
    let result = validate(&app, &p).and_then(|req| decide(&app, &req, p.get("user_id").unwrap_or(""), p.get("decision").unwrap_or("")));
    match result {
        Ok(url) => redirect(&url),
        Err(e) => auth_error_response(e),
    }
}

/// `POST /__sandbox/logiless/approve`.
pub async fn control_approve(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let bad = |m: String| util::oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &m);
    let b: ApproveRequest = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad(format!("Bad request body: {e}")),
    };
    let user_id = b.user_id_or_first(&app);
    let decision = b.decision_or_approve();
    let p = match (&b.authorize_url, b.params) {
        (Some(url), None) => {
            let expected = &app.endpoints.logiless.authorize_url;
            let path = url.split(['?', '#']).next().unwrap_or("");
            if path != expected {
                return bad(format!("authorize_url must start with {expected}"));
            }
            Params::parse(util::query_of(url).as_bytes())
        }
        (None, Some(map)) => Params::from_map(map),
        _ => return bad("give exactly one of authorize_url or params".into()),
    };
    match validate(&app, &p).and_then(|r| decide(&app, &r, &user_id, &decision)) {
        Ok(url) | Err(AuthError::Redirect(url)) => util::json(StatusCode::OK, &json!({"redirect_url": url})),
        Err(AuthError::Page { error, description }) => util::oauth_error(StatusCode::BAD_REQUEST, error, &description),
    }
}

/// A token-endpoint error: status, code, description.
struct TokenError(StatusCode, &'static str, String);

fn bad_request(code: &'static str, d: impl Into<String>) -> TokenError {
    TokenError(StatusCode::BAD_REQUEST, code, d.into())
}

/// `GET /oauth2/token` (any other method → 405).
async fn token(State(app): State<Arc<App>>, method: Method, uri: Uri) -> Response {
    let p = Params::parse(uri.query().unwrap_or("").as_bytes());
    let (result, sample) = app.with(|s| {
        let result = if method == Method::GET {
            s.stats.logiless.token_requests.count(p.get("grant_type"));
            handle_token(&app, s, &p)
        } else {
            Err(TokenError(StatusCode::METHOD_NOT_ALLOWED, "invalid_request", "The token endpoint accepts GET requests with query parameters only".into()))
        };
        if result.is_err() {
            s.stats.logiless.token_errors += 1;
        }
        (result, s.options.logiless_sample_format)
    });
    match result {
        Ok((access, refresh, expires_in)) => {
            let body = if sample {
                format!("{{\"access_token\":\"{access}\",\"token_type\":\"bearer\",\"expires_in\":{expires_in},\"refresh_token\":{refresh},\"scope\":\"\"}}")
            } else {
                format!(
                    "{{\"access_token\":{},\"token_type\":\"bearer\",\"expires_in\":{expires_in},\"refresh_token\":{},\"scope\":\"\"}}",
                    json!(access),
                    json!(refresh)
                )
            };
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
                body,
            )
                .into_response()
        }
        Err(TokenError(status, code, d)) => {
            let mut r = util::oauth_error(status, code, &d);
            if status == StatusCode::METHOD_NOT_ALLOWED {
                r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET"));
            }
            r
        }
    }
}

fn handle_token(app: &App, s: &mut Inner, p: &Params) -> Result<(String, String, i64), TokenError> {
    let cfg = &app.cfg.logiless;
    let names = ["grant_type", "client_id", "client_secret", "code", "redirect_uri", "refresh_token"];
    if let Some(d) = p.first_duplicate(&names) {
        return Err(bad_request("invalid_request", format!("Duplicate parameter: {d}")));
    }
    let need = |n: &str| p.get(n).ok_or_else(|| bad_request("invalid_request", format!("Missing required parameter: {n}")));
    let grant = need("grant_type")?;
    if grant != "authorization_code" && grant != "refresh_token" {
        return Err(bad_request("unsupported_grant_type", format!("Unsupported grant_type: {grant}")));
    }
    let client_id = need("client_id")?;
    let secret = need("client_secret")?;
    if client_id != cfg.client_id || secret != cfg.client_secret {
        return Err(TokenError(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed".into()));
    }
    let now = app.now();
    let user_id = if grant == "authorization_code" {
        let code = need("code")?;
        let redirect_uri = need("redirect_uri")?;
        let invalid = || bad_request("invalid_grant", "The authorization code is invalid, expired or already used");
        let rec = s.logiless.codes.get_mut(code).ok_or_else(invalid)?;
        if rec.used || rec.expires_at <= now {
            return Err(invalid());
        }
        if redirect_uri != rec.redirect_uri {
            return Err(bad_request("redirect_uri_mismatch", "redirect_uri does not match the redirect URL registered for this application"));
        }
        rec.used = true;
        rec.user_id.clone()
    } else {
        let token = need("refresh_token")?;
        let rec = s.logiless.refresh.get_mut(token).ok_or_else(|| bad_request("invalid_grant", "The refresh token is invalid"))?;
        if rec.spent {
            s.stats.logiless.refresh_reuse += 1;
            return Err(bad_request("invalid_grant", "The refresh token is invalid"));
        }
        if rec.expires_at <= now {
            return Err(bad_request("invalid_grant", "The refresh token has expired"));
        }
        rec.spent = true;
        rec.user_id.clone()
    };
    let access = token_hex(16);
    let refresh = token_hex(16);
    let expires_at = now + cfg.token_lifetime_secs;
    let tok = |user_id: &str| LogilessToken { user_id: user_id.to_string(), expires_at, spent: false };
    s.logiless.access.insert(access.clone(), tok(&user_id));
    s.logiless.refresh.insert(refresh.clone(), tok(&user_id));
    Ok((access, refresh, cfg.token_lifetime_secs))
}
