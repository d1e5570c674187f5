//! Cross-cutting HTTP middleware: CORS (preflight answered, origin echoed)
//! for the hosts a browser talks to, and `X-Request-Id` on every response of
//! the provider API hosts.

use crate::util::request_id;
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const ALLOW_METHODS: &str = "GET, POST, OPTIONS";
const ALLOW_HEADERS: &str = "Authorization, Content-Type, X-Request-Id";
const EXPOSE_HEADERS: &str = "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, WWW-Authenticate, Retry-After";

/// CORS: answers preflights with 204 and echoes `Origin` on every response.
pub async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let is_preflight = req.method() == Method::OPTIONS && origin.is_some() && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if is_preflight {
        let mut resp = StatusCode::NO_CONTENT.into_response();
        let h = resp.headers_mut();
        if let Some(o) = origin {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        }
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(ALLOW_METHODS));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        return resp;
    }
    let mut resp = next.run(req).await;
    if let Some(o) = origin {
        let h = resp.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSE_HEADERS));
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    resp
}

/// Adds a fresh `X-Request-Id` unless the handler already set one.
pub async fn request_id_header(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let name = HeaderName::from_static("x-request-id");
    if !resp.headers().contains_key(&name) {
        if let Ok(v) = HeaderValue::from_str(&request_id()) {
            resp.headers_mut().insert(name, v);
        }
    }
    resp
}
