//! What every request but a preflight passes before its route runs: the route, the origin and
//! CSRF guard ([`bff::guard`]), and the session cookie verified with the deployment's keys. The
//! whole path ([`crate::entry`]) and the hot path ([`crate::hot_path`]) both start here.

use crate::bff::{self, SessionKeys, VerifiedCookie};
use crate::config;
use crate::now;
use crate::request_target::RequestTarget;
use crate::routes::{route, Route};
use tsunagi_core::{Error, ErrorCode, Result};
use worker::{Env, Headers};

/// The CORS headers of every answer to `origin`: only for an allowlisted one (a disallowed one
/// was already refused).
pub fn cors(env: &Env, origin: Option<&str>) -> Vec<(String, String)> {
    match (origin, config::origins(env)) {
        (Some(o), Ok(policy)) if policy.allows(o) => bff::cors_headers(o),
        _ => Vec::new(),
    }
}

/// What every route but a preflight passes first: its route, the origin and CSRF guard, and the
/// session cookie read with the deployment's keys (verified, or why not).
pub struct Admitted {
    /// The route.
    pub route: Route,
    /// The deployment's keys.
    pub keys: SessionKeys,
    /// The session cookie, verified, or why not.
    pub cookie: Result<VerifiedCookie>,
}

/// [`Admitted`] for a request with `method` (upper case) to `url`, its `Origin`, CSRF header
/// ([`bff::CSRF_HEADER`]) and `Cookie` header.
pub fn admit(env: &Env, method: &str, url: &RequestTarget, origin: Option<&str>, csrf: Option<&str>, cookie_header: &str) -> Result<Admitted> {
    let policy = config::origins(env)?;
    let (route, kind) = route(method, url.path)?;
    bff::guard(&policy, kind, method, origin, &url.origin, csrf)?;
    let keys = config::keys(env)?;
    let cookie = session_cookie(cookie_header, &keys);
    Ok(Admitted { route, keys, cookie })
}

/// The path and query an `/api` call forwards.
pub fn api_path(path: &str, query: Option<&str>) -> String {
    match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    }
}

fn session_cookie(header: &str, keys: &SessionKeys) -> Result<VerifiedCookie> {
    let value = bff::cookie_value(header, bff::COOKIE_NAME).ok_or_else(|| Error::new(ErrorCode::SessionMissing, "no session cookie: sign in"))?;
    bff::verify_cookie(keys, value, now())
}

/// The request's `Cookie` header, empty when it has none.
pub fn cookie_header(headers: &Headers) -> String {
    headers.get("cookie").ok().flatten().unwrap_or_default()
}
