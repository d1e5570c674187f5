//! Moving the core's [`HttpRequest`]s over the runtime's `fetch` (with a timeout), and building
//! the Worker's own responses. Upstream URLs are never logged or echoed: Logiless' token URL
//! carries the client secret and the code.

use crate::bff;
use futures_util::StreamExt;
use tsunagi_core::{Error, ErrorCode, HttpRequest, HttpResponse};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::web_sys;
use worker::{Headers, Response, ResponseBody};

#[wasm_bindgen(inline_js = "export function headerLines(h) { let s = ''; for (const [k, v] of h) s += k + ':' + v + '\\n'; return s; }")]
extern "C" {
    /// Every header of an answer as `name:value` lines, in one call (the Headers iterator read
    /// from wasm cost a crossing per step and two strings per header). A header value never
    /// holds a line break (Fetch §2.2), and a name never holds `:`.
    #[wasm_bindgen(js_name = headerLines)]
    fn header_lines(headers: &web_sys::Headers) -> String;
}

/// [`header_lines`]' text as pairs.
fn header_pairs(lines: &str) -> Vec<(String, String)> {
    lines.split('\n').filter_map(|l| l.split_once(':')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

#[wasm_bindgen]
extern "C" {
    /// The runtime's global `fetch(url, init)`.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn fetch_with_init(url: &str, init: &web_sys::RequestInit) -> Result<js_sys::Promise, JsValue>;
}

/// Largest upstream body read.
pub const MAX_UPSTREAM_BODY: usize = 8 * 1024 * 1024;

/// An upstream answer whose body has not been read yet: status and headers are enough for the
/// proxy's decisions, and a delivered body is streamed on without passing through wasm.
pub struct Head {
    /// Status and headers; the body is empty.
    pub response: HttpResponse,
    /// The time-out the request was sent with (its `AbortSignal`), named by a time-out error.
    pub timeout_ms: u64,
    raw: Response,
    /// `AbortSignal.timeout(timeout_ms)`, given to the fetch: the runtime aborts the request, its
    /// body included, when the time is up (no timer or closure of the Worker's own).
    signal: web_sys::AbortSignal,
}

impl Head {
    /// Reads the body (bounded by [`MAX_UPSTREAM_BODY`], within the request's time-out) into the
    /// core's view.
    pub async fn read(self) -> tsunagi_core::Result<HttpResponse> {
        let (mut response, bytes) = self.read_bytes().await?;
        response.body = String::from_utf8_lossy(&bytes).into_owned();
        Ok(response)
    }

    /// Reads the body as bytes (bounded by [`MAX_UPSTREAM_BODY`], within the request's time-out:
    /// its `AbortSignal` covers head and body), next to the head.
    pub async fn read_bytes(self) -> tsunagi_core::Result<(HttpResponse, Vec<u8>)> {
        if self.declared_length().is_some_and(|n| n > MAX_UPSTREAM_BODY) {
            return Err(too_large(self.response.status));
        }
        let Head { response, mut raw, signal, timeout_ms } = self;
        let bytes = read_bounded(&mut raw).await.map_err(|e| if signal.aborted() { timed_out(timeout_ms) } else { e })?;
        Ok((response, bytes))
    }

    /// The `Content-Length` the provider declared, if any.
    pub fn declared_length(&self) -> Option<usize> {
        self.response.header("content-length")?.trim().parse().ok()
    }

    /// The body as it came, to stream on untouched.
    pub fn body(&self) -> ResponseBody {
        self.raw.body().clone()
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
async fn read_bounded(resp: &mut Response) -> tsunagi_core::Result<Vec<u8>> {
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

/// The request's time is up ([`ErrorCode::Timeout`]).
fn timed_out(timeout_ms: u64) -> Error {
    Error::new(ErrorCode::Timeout, format!("the provider did not answer within {timeout_ms} ms"))
}

/// Sends `req` and resolves when the status and headers have arrived, giving up after
/// `timeout_ms` ([`ErrorCode::Timeout`]). No answer at all is [`ErrorCode::Transport`] (as is a
/// URL the runtime refuses: the core has checked every configured endpoint before).
/// Redirects are not followed: a 3xx is returned as it came, so a token request's secrets never
/// reach the `Location`.
pub async fn send_head(req: &HttpRequest, timeout_ms: u64) -> tsunagi_core::Result<Head> {
    // web-sys's RequestInit directly: workers-rs's own carries `cf` options serialised through
    // serde-wasm-bindgen, which the Worker never sets (BENCHMARKS.md §7)
    let headers = web_sys::Headers::new().map_err(|_| transport())?;
    for (k, v) in &req.headers {
        headers.set(k, v).map_err(|_| Error::new(ErrorCode::InvalidParameter, "a request header is not valid"))?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(req.method.as_str());
    init.set_headers(&headers);
    init.set_redirect(web_sys::RequestRedirect::Manual);
    // one bound for the head and the body together, kept by the runtime
    let signal = web_sys::AbortSignal::timeout_with_u32(u32::try_from(timeout_ms).unwrap_or(u32::MAX));
    init.set_signal(Some(&signal));
    if let Some(body) = &req.body {
        init.set_body(&JsValue::from_str(body));
    }
    // `fetch(url, init)` as a JS BFF calls it: no `Request` object is built first
    let pending = fetch_with_init(&req.url, &init).map_err(|_| transport())?;
    let raw = JsFuture::from(pending).await.ok().and_then(|r| r.dyn_into::<web_sys::Response>().ok());
    answered(raw, signal, timeout_ms)
}

/// The answer to a request sent with `signal` (`AbortSignal.timeout(timeout_ms)`): its head, or,
/// when none came, [`ErrorCode::Timeout`] if the signal fired, else [`ErrorCode::Transport`].
/// Also how the hot path in JavaScript hands its answer back (`crate::hot_path`).
pub fn answered(raw: Option<web_sys::Response>, signal: web_sys::AbortSignal, timeout_ms: u64) -> tsunagi_core::Result<Head> {
    let raw = raw.map(Response::from).ok_or_else(|| if signal.aborted() { timed_out(timeout_ms) } else { transport() })?;
    let headers = header_pairs(&header_lines(&raw.headers().0));
    Ok(Head { response: HttpResponse::new(raw.status_code(), headers, ""), timeout_ms, raw, signal })
}

/// A JSON response.
pub fn json(status: u16, body: &str) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    Ok(Response::from_bytes(body.as_bytes().to_vec())?.with_status(status).with_headers(headers))
}

/// The JSON error response for `err` (status from [`bff::http_status`]), marked with
/// [`bff::ERROR_HEADER`] so it cannot be mistaken for a provider's answer passed through.
pub fn error(err: &Error) -> worker::Result<Response> {
    let mut resp = json(bff::http_status(err), &bff::error_body(err))?;
    resp.headers_mut().set(bff::ERROR_HEADER, err.code().as_str())?;
    Ok(resp)
}

/// A 302 to `location`, with these `Set-Cookie` headers.
pub fn redirect(location: &str, set_cookies: &[String]) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("location", location)?;
    headers.set("cache-control", "no-store")?;
    headers.set("referrer-policy", "no-referrer")?;
    for c in set_cookies {
        headers.append("set-cookie", c)?;
    }
    Ok(Response::empty()?.with_status(302).with_headers(headers))
}

/// A response the runtime could not build as the Worker's [`ErrorCode::Transport`] error.
pub fn built(r: worker::Result<Response>) -> tsunagi_core::Result<Response> {
    r.map_err(|_| Error::new(ErrorCode::Transport, "response could not be built"))
}

/// An [`ErrorCode::InvalidParameter`] error with `message`.
pub(crate) fn bad(message: &str) -> Error {
    Error::new(ErrorCode::InvalidParameter, message.to_owned())
}
