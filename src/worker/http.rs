//! Moving the core's [`HttpRequest`]s over the runtime's `fetch` (with a timeout), and building
//! the Worker's own responses. Upstream URLs are never logged or echoed: Logiless' token URL
//! carries the client secret and the code.

use crate::bff;
use crate::{Error, ErrorCode, HttpRequest, HttpResponse, Method as CoreMethod};
use futures_util::future::{select, Either};
use std::time::Duration;
use wasm_bindgen::JsValue;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response};

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

/// Sends `req`, giving up after `timeout_ms` ([`ErrorCode::Timeout`]). No answer at all is
/// [`ErrorCode::Transport`]. Redirects are not followed.
pub async fn send(req: &HttpRequest, timeout_ms: u64) -> crate::Result<Upstream> {
    fn transport() -> Error {
        Error::new(ErrorCode::Transport, "the provider could not be reached")
    }
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
        let too_large = headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("content-length") && v.trim().parse::<usize>().is_ok_and(|n| n > MAX_UPSTREAM_BODY));
        if too_large {
            return Err(Error::new(ErrorCode::BodyTooLarge, "the provider's answer is too large"));
        }
        let bytes = resp.bytes().await.map_err(|_| transport())?;
        if bytes.len() > MAX_UPSTREAM_BODY {
            return Err(Error::new(ErrorCode::BodyTooLarge, "the provider's answer is too large"));
        }
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
