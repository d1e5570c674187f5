//! Routing: which route a request asks for ([`Route`]) from its method and path, with the route
//! family the request guard needs ([`RouteKind`]); an unknown route is 404, a wrong method 405.

use crate::bff::RouteKind;
use crate::config::SessionProvider;
use tsunagi_core::{Error, ErrorCode, Result};
use worker::Method;

/// What the incoming request asked for.
pub enum Route {
    Login(SessionProvider),
    Callback(SessionProvider),
    Session,
    Api(String, String),
    Logout(Option<SessionProvider>),
    Token(SessionProvider),
    Refresh(SessionProvider),
}

pub fn provider(s: &str) -> Result<SessionProvider> {
    SessionProvider::parse(s).ok_or_else(|| Error::new(ErrorCode::NotFound, "unknown provider: lawvu or logiless"))
}

pub fn route(method: &Method, path: &str) -> Result<(Route, RouteKind)> {
    let segments: Vec<&str> = path.trim_start_matches('/').splitn(3, '/').collect();
    let get = *method == Method::Get || *method == Method::Head;
    let post = *method == Method::Post;
    let (route, kind, allowed) = match segments.as_slice() {
        ["auth", p, "login"] => (Route::Login(provider(p)?), RouteKind::Other, get),
        ["auth", p, "callback"] => (Route::Callback(provider(p)?), RouteKind::Other, get),
        ["auth", p, "logout"] => (Route::Logout(Some(provider(p)?)), RouteKind::Other, post),
        ["auth", p, "refresh"] => (Route::Refresh(provider(p)?), RouteKind::Other, post),
        ["auth", "logout"] => (Route::Logout(None), RouteKind::Other, post),
        ["session"] => (Route::Session, RouteKind::Other, get),
        ["token", p] => (Route::Token(provider(p)?), RouteKind::Token, post),
        ["api", p, rest] => (Route::Api((*p).to_owned(), format!("/{rest}")), RouteKind::Api, true),
        _ => return Err(Error::new(ErrorCode::NotFound, "no such route")),
    };
    if !allowed {
        return Err(Error::new(ErrorCode::MethodNotAllowed, "this route does not take this method"));
    }
    Ok((route, kind))
}
