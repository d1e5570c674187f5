//! LawVu web host: the single-page login + one-time consent UI at `/` whose
//! script reads `#/authorize?...` from the fragment, the JSON endpoints the
//! page calls, and the shared authorize validation used by the control plane.

use crate::approve::ApproveRequest;
use crate::config::{LawvuClient, User};
use crate::state::{App, LawvuCode};
use crate::util::{self, append_query, is_allowed_redirect_uri, token_b64, Params};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Authorize-page messages, verbatim from the vendor document.
pub mod msg {
    pub const MISSING_URL: &str = "Required parameter missing from request url: ";
    pub const NOT_WHITELISTED: &str = "Supplied parameter does not match a whitelisted value: redirect_uri";
}

const PAGE: &str = include_str!("lawvu_page.html");

/// An authorize request that passed validation.
#[derive(Debug, Clone)]
pub struct Authorize<'a> {
    pub client: &'a LawvuClient,
    pub redirect_uri: String,
    pub state: Option<String>,
}

/// A validation failure shown on the page (never redirected).
#[derive(Debug, Clone)]
pub struct AuthorizeError {
    pub error: &'static str,
    pub description: String,
}

impl AuthorizeError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self { error, description: description.into() }
    }

    /// The 400 JSON answer used by the page endpoints and the control plane.
    pub fn response(&self) -> Response {
        util::oauth_error(StatusCode::BAD_REQUEST, self.error, &self.description)
    }
}

/// What a login or decision leads to.
#[derive(Debug, Clone)]
pub enum Outcome {
    Redirect(String),
    ConsentRequired,
}

/// Validates the fragment query of `#/authorize?...` like the real page.
pub fn validate<'a>(app: &'a App, p: &Params) -> Result<Authorize<'a>, AuthorizeError> {
    if let Some(d) = p.first_duplicate(&["response_type", "client_id", "redirect_uri", "state"]) {
        return Err(AuthorizeError::new("invalid_request", format!("Duplicate parameter in request url: {d}")));
    }
    let missing = |n: &str| AuthorizeError::new("invalid_request", format!("{}{n}", msg::MISSING_URL));
    let redirect_uri = p.get("redirect_uri").ok_or_else(|| missing("redirect_uri"))?;
    let client_id = p.get("client_id").ok_or_else(|| missing("client_id"))?;
    let client = app.cfg.lawvu_client(client_id).ok_or_else(|| AuthorizeError::new("invalid_client", crate::lawvu::msg::client_not_valid(client_id)))?;
    match p.get("response_type") {
        None => return Err(missing("response_type")),
        Some("code") => {}
        Some(_) => return Err(AuthorizeError::new("unsupported_response_type", "Supplied parameter is not correct: response_type")),
    }
    if !is_allowed_redirect_uri(redirect_uri) {
        return Err(AuthorizeError::new("invalid_request", "Supplied parameter is not correct: redirect_uri"));
    }
    if client.environment == "production" && !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(AuthorizeError::new("invalid_request", msg::NOT_WHITELISTED));
    }
    Ok(Authorize { client, redirect_uri: redirect_uri.to_string(), state: p.get("state").map(str::to_string) })
}

/// Logs `user_id` in and applies `decision` (`None` = just logged in).
pub fn decide(app: &App, req: &Authorize<'_>, user_id: &str, decision: Option<&str>) -> Result<Outcome, AuthorizeError> {
    let user: &User = app.cfg.user(user_id).ok_or_else(|| AuthorizeError::new("invalid_request", format!("Unknown user: {user_id}")))?;
    let key = (req.client.client_id.clone(), user.id.clone());
    let approve = match decision {
        None if app.with(|s| s.lawvu.consents.contains(&key)) => true,
        None => return Ok(Outcome::ConsentRequired),
        Some("approve") => true,
        Some("deny") => false,
        Some(other) => return Err(AuthorizeError::new("invalid_request", format!("decision must be \"approve\" or \"deny\", not {other:?}"))),
    };
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let code;
    if approve {
        code = token_b64(16);
        let expires_at = app.now() + app.cfg.lawvu.code_lifetime_secs;
        app.with(|s| {
            s.lawvu.consents.insert(key);
            s.lawvu.codes.insert(
                code.clone(),
                LawvuCode {
                    client_id: req.client.client_id.clone(),
                    user_id: user.id.clone(),
                    redirect_uri: req.redirect_uri.clone(),
                    expires_at,
                    used: false,
                },
            );
        });
        pairs.push(("code", &code));
    } else {
        pairs.push(("error", "access_denied"));
    }
    if let Some(st) = &req.state {
        pairs.push(("state", st));
    }
    Ok(Outcome::Redirect(append_query(&req.redirect_uri, &pairs)))
}

/// Extracts the fragment query from a full LawVu authorize URL. Only the part
/// after `#/authorize?` counts, exactly as on the real single-page app.
pub fn fragment_query(app: &App, url: &str) -> Result<String, AuthorizeError> {
    let bad = |m: &str| AuthorizeError::new("invalid_request", m);
    let (before, fragment) = url.split_once('#').ok_or_else(|| bad("authorize_url has no fragment: LawVu reads the query from #/authorize?..."))?;
    let web = &app.endpoints.lawvu.web_base;
    let path = before.strip_prefix(web.as_str()).ok_or_else(|| bad("authorize_url does not point at the sandbox LawVu web host"))?;
    if !(path.is_empty() || path == "/" || path.starts_with("/?")) {
        return Err(bad("authorize_url path must be / (the single-page app)"));
    }
    let rest = fragment.strip_prefix("/authorize").ok_or_else(|| bad("authorize_url fragment must start with /authorize"))?;
    if rest.is_empty() {
        return Ok(String::new());
    }
    rest.strip_prefix('?').map(str::to_string).ok_or_else(|| bad("authorize_url fragment must be /authorize?..."))
}

/// Router for the LawVu web host (control plane merged by the caller).
pub fn web_router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/__consent/lawvu/check", post(check))
        .route("/__consent/lawvu", post(consent))
        .fallback(|| async { util::html(StatusCode::NOT_FOUND, "<!doctype html><title>Not found</title><p>Not found</p>".into()) })
        .with_state(app)
        .layer(middleware::from_fn(crate::layers::cors))
}

async fn page() -> Response {
    util::html(StatusCode::OK, PAGE.to_string())
}

#[derive(Deserialize)]
struct CheckBody {
    query: String,
}

#[derive(Deserialize)]
struct ConsentBody {
    query: String,
    user_id: String,
    #[serde(default)]
    decision: Option<String>,
}

fn bad_body(e: impl std::fmt::Display) -> Response {
    util::oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &format!("Bad request body: {e}"))
}

/// `POST /__consent/lawvu/check` `{"query"}` → client name and users, or the error.
async fn check(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let b: CheckBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad_body(e),
    };
    let p = Params::parse(b.query.as_bytes());
    match validate(&app, &p) {
        Ok(a) => util::json(
            StatusCode::OK,
            &json!({
                "client_id": a.client.client_id,
                "client_name": a.client.name.clone().unwrap_or_else(|| a.client.client_id.clone()),
                "users": app.cfg.users.iter().map(|u| json!({"id": u.id, "name": u.name, "email": u.email})).collect::<Vec<_>>(),
            }),
        ),
        Err(e) => e.response(),
    }
}

/// `POST /__consent/lawvu` `{"query","user_id","decision"?}` → redirect or consent needed.
async fn consent(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let b: ConsentBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad_body(e),
    };
    let p = Params::parse(b.query.as_bytes());
    let result = validate(&app, &p).and_then(|a| decide(&app, &a, &b.user_id, b.decision.as_deref()));
    match result {
        Ok(Outcome::Redirect(url)) => util::json(StatusCode::OK, &json!({"redirect_url": url})),
        Ok(Outcome::ConsentRequired) => {
            let name = app.cfg.user(&b.user_id).map(|u| u.name.clone()).unwrap_or_default();
            util::json(StatusCode::OK, &json!({"consent_required": true, "user_name": name}))
        }
        Err(e) => e.response(),
    }
}

/// `POST /__sandbox/lawvu/approve`: the page's logic without a browser.
pub async fn control_approve(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let b: ApproveRequest = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return bad_body(e),
    };
    let user_id = b.user_id_or_first(&app);
    let decision = b.decision_or_approve();
    let params = match (&b.authorize_url, b.params) {
        (Some(url), None) => match fragment_query(&app, url) {
            Ok(q) => Params::parse(q.as_bytes()),
            Err(e) => return e.response(),
        },
        (None, Some(map)) => Params::from_map(map),
        _ => return bad_body("give exactly one of authorize_url or params"),
    };
    let result = validate(&app, &params).and_then(|a| decide(&app, &a, &user_id, Some(&decision)));
    match result {
        Ok(Outcome::Redirect(url)) => util::json(StatusCode::OK, &json!({"redirect_url": url})),
        Ok(Outcome::ConsentRequired) => bad_body("unreachable: decision given"),
        Err(e) => e.response(),
    }
}
