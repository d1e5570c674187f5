//! Moving the core's [`HttpRequest`]s over the runtime's `fetch` (with a timeout), and building
//! the Worker's own responses. Upstream URLs are never logged or echoed: Logiless' token URL
//! carries the client secret and the code.

use crate::bff;
use crate::{Error, ErrorCode, HttpRequest, HttpResponse, Method as CoreMethod};
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use std::time::Duration;
use wasm_bindgen::JsValue;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response, ResponseBody};

/// Largest upstream body read.
pub const MAX_UPSTREAM_BODY: usize = 8 * 1024 * 1024;

/// An upstream answer: the core's view (text body) plus the raw bytes to pass on.
pub struct Upstream {
    /// Status, headers, body as text (lossy UTF-8).
    pub response: HttpResponse,
    /// The body as received.
    pub bytes: Vec<u8>,
}

fn method(m: CoreMethod) -> Method {
    match m {
        CoreMethod::Get => Method::Get,
        CoreMethod::Post => Method::Post,
        CoreMethod::Put => Method::Put,
        CoreMethod::Patch => Method::Patch,
        CoreMethod::Delete => Method::Delete,
    }
}

fn transport() -> Error {
    Error::new(ErrorCode::Transport, "the provider could not be reached")
}

/// The provider's answer was over [`MAX_UPSTREAM_BODY`]: `body_too_large` carrying the upstream
/// status, which [`bff::http_status`] answers as a 502.
fn too_large(status: u16) -> Error {
    Error::new(ErrorCode::BodyTooLarge, "the provider's answer is too large").with_status(status)
}

/// Reads the body chunk by chunk, stopping (and cancelling the stream) as soon as it exceeds
/// [`MAX_UPSTREAM_BODY`]: a chunked answer without `Content-Length` is bounded too.
async fn read_bounded(resp: &mut Response) -> crate::Result<Vec<u8>> {
    let status = resp.status_code();
    if !matches!(resp.body(), ResponseBody::Stream(_)) {
        let bytes = resp.bytes().await.map_err(|_| transport())?;
        return if bytes.len() > MAX_UPSTREAM_BODY { Err(too_large(status)) } else { Ok(bytes) };
    }
    let mut stream = resp.stream().map_err(|_| transport())?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| transport())?;
        if bytes.len().saturating_add(chunk.len()) > MAX_UPSTREAM_BODY {
            return Err(too_large(status));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Sends `req`, giving up after `timeout_ms` ([`ErrorCode::Timeout`]). No answer at all is
/// [`ErrorCode::Transport`]. Redirects are not followed: a 3xx is returned as it came, so a
/// token request's secrets never reach the `Location`. Bodies over [`MAX_UPSTREAM_BODY`] are
/// [`ErrorCode::BodyTooLarge`], by `Content-Length` or while streaming.
pub async fn send(req: &HttpRequest, timeout_ms: u64) -> crate::Result<Upstream> {
    let headers = Headers::new();
    for (k, v) in &req.headers {
        headers.set(k, v).map_err(|_| Error::new(ErrorCode::InvalidParameter, "a request header is not valid"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(method(req.method)).with_headers(headers).with_redirect(RequestRedirect::Manual);
    if let Some(body) = &req.body {
        init.with_body(Some(JsValue::from_str(body)));
    }
    let request = Request::new_with_init(&req.url, &init).map_err(|_| Error::new(ErrorCode::InvalidEndpoint, "the upstream URL is not valid"))?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let call = async move {
        let (fetch, signal) = (fetch, signal);
        let mut resp = fetch.send_with_signal(&signal).await.map_err(|_| transport())?;
        let status = resp.status_code();
        let headers: Vec<(String, String)> = resp.headers().entries().collect();
        let declared_too_large = headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("content-length") && v.trim().parse::<usize>().is_ok_and(|n| n > MAX_UPSTREAM_BODY));
        if declared_too_large {
            return Err(too_large(status));
        }
        let bytes = read_bounded(&mut resp).await?;
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Ok(Upstream { response: HttpResponse::new(status, headers, body), bytes })
    };
    let timer = Delay::from(Duration::from_millis(timeout_ms));
    match select(Box::pin(call), Box::pin(timer)).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) => {
            controller.abort();
            Err(Error::new(ErrorCode::Timeout, format!("the provider did not answer within {timeout_ms} ms")))
        }
    }
}

/// A JSON response.
pub fn json(status: u16, body: &str) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::from_bytes(body.as_bytes().to_vec())?.with_status(status).with_headers(headers))
}

/// The JSON error response for `err` (status from [`bff::http_status`]).
pub fn error(err: &Error) -> worker::Result<Response> {
    json(bff::http_status(err), &bff::error_body(err))
}

/// A 302 to `location`, with optional `Set-Cookie`.
pub fn redirect(location: &str, set_cookie: Option<&str>) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("location", location)?;
    headers.set("cache-control", "no-store")?;
    headers.set("referrer-policy", "no-referrer")?;
    if let Some(c) = set_cookie {
        headers.append("set-cookie", c)?;
    }
    Ok(Response::empty()?.with_status(302).with_headers(headers))
}
