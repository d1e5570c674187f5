//! The fault middleware: in front of a provider's token or API handlers, it takes the next
//! queued fault for that (provider, endpoint) from the sandbox state and answers with it, or passes
//! the request through (the queue itself, with no server types, is `faults.rs`).

use crate::faults::{CloseConnection, Endpoint, FaultKind, Provider, HUGE_BODY_BYTES, HUGE_CHUNK_BYTES};
use crate::state::App;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// Middleware state: which queue this route draws from.
pub type FaultTarget = (Arc<App>, Provider, Endpoint);

/// Applies the next queued fault, or passes the request through.
pub async fn middleware(State((app, provider, endpoint)): State<FaultTarget>, req: Request, next: Next) -> Response {
    let fault = app.with(|s| s.faults.take(provider, endpoint));
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    match fault.kind {
        FaultKind::DelayMs => {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
            next.run(req).await
        }
        FaultKind::Status401 => {
            let d = "The access token is invalid";
            let mut r = crate::util::oauth_error(StatusCode::UNAUTHORIZED, "invalid_token", d);
            let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{d}\"");
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
            r
        }
        FaultKind::Status500 => {
            (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"))], "Internal Server Error")
                .into_response()
        }
        FaultKind::Status503 => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")), (header::RETRY_AFTER, HeaderValue::from_static("1"))],
            "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>",
        )
            .into_response(),
        FaultKind::MalformedBody => {
            let body = match endpoint {
                Endpoint::Token => r#"{"access_token":"eyJhbGciOiJIUzI1NiIsInR5cCI6Ik"#,
                Endpoint::Api => r#"{"data":[{"id":1,"name":"\u6771"#,
            };
            (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
        }
        FaultKind::Close => {
            let mut resp = Response::new(Body::empty());
            resp.extensions_mut().insert(CloseConnection);
            resp
        }
        FaultKind::Redirect => {
            let (status, location) = fault.redirect.unwrap_or((307, HeaderValue::from_static("/")));
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
            (status, [(header::LOCATION, location)]).into_response()
        }
        FaultKind::HugeChunkedBody => huge_chunked_body(),
    }
}

/// [`HUGE_BODY_BYTES`] of spaces in 64 KiB chunks; the stream has no known length, so hyper sends
/// it with `Transfer-Encoding: chunked` and no `Content-Length`.
fn huge_chunked_body() -> Response {
    let chunk = Bytes::from(vec![b' '; HUGE_CHUNK_BYTES]);
    let chunks = std::iter::repeat(chunk).take(HUGE_BODY_BYTES / HUGE_CHUNK_BYTES);
    let body = Body::from_stream(futures_util::stream::iter(chunks.map(Ok::<_, Infallible>)));
    (StatusCode::OK, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}
