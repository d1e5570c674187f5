//! Routing: which route a request asks for ([`Route`]) from its method and path, with the route
//! family the request guard needs ([`RouteKind`]); an unknown route is 404, a wrong method 405.
//! Routes name a connection (`/auth/{connection}/…`, `/api/{connection}/…`); whether it is
//! configured is the caller's question.

use crate::bff::RouteKind;
use tsunagi_core::{Error, ErrorCode, Result};
use worker::Request;

/// The request's method as the client sent it (upper-cased: the Fetch standard upper-cases only
/// the six methods it knows). Never `Request::method()`: workers-rs 0.8 reads any method it has
/// no variant for (`PROPFIND`, `MOVE`, `PURGE`, …) as `GET`, and routing or proxying on that
/// value forwarded them upstream as `GET`s (issue 21 item 6).
pub fn method_name(req: &Request) -> String {
    req.inner().method().to_ascii_uppercase()
}

/// What the incoming request asked for; each `String` is a connection name.
pub enum Route {
    Login(String),
    Callback(String),
    Session,
    Api(String, String),
    Logout(Option<String>),
    Token(String),
    Refresh(String),
    /// `POST /admin/connections/{name}/grant`: an administrator starts an unattended grant.
    AdminGrant(String),
    /// `POST /admin/connections/{name}/disconnect`.
    AdminDisconnect(String),
    /// `GET /connections/{name}`: a held connection's health (admin).
    Health(String),
}

/// The route `path` names, if `method` ([`method_name`]) is one it takes: an unknown route is
/// [`ErrorCode::NotFound`], a known one with another method [`ErrorCode::MethodNotAllowed`]. `/api`
/// takes any method here; the connection's access rules decide (`method_refused`).
pub fn route(method: &str, path: &str) -> Result<(Route, RouteKind)> {
    let segments: Vec<&str> = path.trim_start_matches('/').splitn(4, '/').collect();
    let get = method == "GET" || method == "HEAD";
    let post = method == "POST";
    let name = |s: &&str| (*s).to_owned();
    let (route, kind, allowed) = match segments.as_slice() {
        ["auth", "logout"] => (Route::Logout(None), RouteKind::Other, post),
        ["auth", c, "login"] => (Route::Login(name(c)), RouteKind::Other, get),
        ["auth", c, "callback"] => (Route::Callback(name(c)), RouteKind::Other, get),
        ["auth", c, "logout"] => (Route::Logout(Some(name(c))), RouteKind::Other, post),
        ["auth", c, "refresh"] => (Route::Refresh(name(c)), RouteKind::Other, post),
        ["session"] => (Route::Session, RouteKind::Other, get),
        ["token", c] => (Route::Token(name(c)), RouteKind::Token, post),
        ["api", c, rest @ ..] if !rest.is_empty() => (Route::Api(name(c), format!("/{}", rest.join("/"))), RouteKind::Api, true),
        ["admin", "connections", c, "grant"] => (Route::AdminGrant(name(c)), RouteKind::Other, post),
        ["admin", "connections", c, "disconnect"] => (Route::AdminDisconnect(name(c)), RouteKind::Other, post),
        ["connections", c] => (Route::Health(name(c)), RouteKind::Other, get),
        _ => return Err(Error::new(ErrorCode::NotFound, "no such route")),
    };
    if !allowed {
        return Err(Error::new(ErrorCode::MethodNotAllowed, "this route does not take this method"));
    }
    Ok((route, kind))
}
