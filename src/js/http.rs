//! The browser runtime's HTTP: every request of the package (token and revocation endpoints, API,
//! metadata and JWKS documents) sent through **gloo-net** (the global `fetch`), or through the
//! app's own `fetch` option when it gave one (the override), within a time-out and the caller's
//! `AbortSignal`; a failure is `timeout` or `transport` naming what did not answer.

use super::error;
use super::global::{clear_timeout, field, set_timeout, unref};
use super::ports::Page;
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::rc::Rc;
use tsunagi_core::{Error, ErrorCode, HttpRequest, HttpResponse, Result};
use tsunagi_flows::{Answer, Transport};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, DomException, Headers, RequestCredentials, RequestInit, RequestRedirect};

/// The time-out when the app set none (or one that is not a positive number).
const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;

/// Where a transport sends, which decides how.
#[derive(Clone, Copy)]
pub(crate) enum Endpoint {
    /// The token endpoint (RFC 6749 §3.2): no redirect followed (its secrets must never reach a
    /// `Location`), no cookies, the time-out over the whole exchange (the body read included).
    Token,
    /// The provider's API: the app's `RequestInit` with the core's headers and body, the app's
    /// signal, the time-out until the answer's status and headers arrive (the app reads the body).
    Api,
    /// The revocation endpoint (RFC 7009 §2.1): sent as the token endpoint's requests are.
    Revocation,
    /// The pushed authorization request endpoint (RFC 9126 §2): sent as the token endpoint's requests are.
    #[cfg(feature = "oidc")]
    PushedAuthorization,
}

impl Endpoint {
    fn what(self) -> &'static str {
        match self {
            Endpoint::Token => "the token endpoint",
            Endpoint::Api => "the API",
            Endpoint::Revocation => "the revocation endpoint",
            #[cfg(feature = "oidc")]
            Endpoint::PushedAuthorization => "the pushed authorization request endpoint",
        }
    }
}

/// Why a request failed: the caller aborted (its signal's reason, for the caller unchanged), or
/// the core error (`timeout`, `transport`) with the failure behind it.
enum Failure {
    Aborted(JsValue),
    Failed(Error, JsValue),
}

/// The failure of a request to `what` that failed while it was sent or read: the caller's abort
/// reason; else `timeout` when its time ran out, or `transport` naming `what` (never a URL that
/// may carry a code: the endpoints are named), `cause` the failure itself.
fn failure(what: &str, cause: JsValue, bounds: Option<&Bounds>) -> Failure {
    if let Some(signal) = bounds.and_then(Bounds::aborted_by_caller) {
        return Failure::Aborted(signal.reason());
    }
    // the caller did not abort: an aborted controller is the timer's
    let timed_out = bounds.filter(|b| b.controller.signal().aborted() || field(&cause, "name").as_string().as_deref() == Some("TimeoutError"));
    let e = if let Some(b) = timed_out {
        Error::new(ErrorCode::Timeout, format!("{what} did not answer within {} ms", whole_ms(b.ms)))
    } else {
        Error::new(ErrorCode::Transport, format!("{what} could not be reached"))
    };
    Failure::Failed(e, cause)
}

/// Sends `init` to `url` through `fetch` (the app's own) when given, else through gloo-net.
async fn fetch_with(fetch: Option<Function>, url: &str, init: &RequestInit) -> std::result::Result<JsValue, JsValue> {
    if let Some(fetch) = fetch {
        let answer = fetch.call2(&JsValue::UNDEFINED, &JsValue::from_str(url), init)?;
        return JsFuture::from(Promise::resolve(&answer)).await;
    }
    let request = web_sys::Request::new_with_str_and_init(url, init)?;
    match gloo_net::http::Request::from(request).send().await {
        Ok(response) => Ok(web_sys::Response::from(response).into()),
        // gloo-net keeps the failure's name and message
        Err(gloo_net::Error::JsError(e)) => {
            let cause = js_sys::Error::new(&e.message);
            cause.set_name(&e.name);
            Err(cause.into())
        }
        Err(_) => Err(js_sys::Error::new("gloo-net could not send the request").into()),
    }
}

/// Sends `request` to `what` within `bounds` (`init`: its `RequestInit`, the bounds' signal set
/// here): the `Response` with its status and headers (names in lower case), its body unread.
async fn exchange(
    fetch: Option<Function>,
    request: &HttpRequest,
    init: std::result::Result<RequestInit, JsValue>,
    bounds: &Bounds,
    what: &str,
) -> std::result::Result<(JsValue, HttpResponse), Failure> {
    let sent = match init {
        Ok(init) => {
            init.set_signal(Some(&bounds.controller.signal()));
            fetch_with(fetch, &request.url, &init).await
        }
        Err(e) => Err(e),
    };
    let response = sent.map_err(|cause| failure(what, cause, Some(bounds)))?;
    let status = field(&response, "status").as_f64().filter(|s| (100.0..600.0).contains(s));
    let headers = js_sys::try_iter(&field(&response, "headers")).ok().flatten();
    let (Some(status), Some(headers)) = (status, headers) else {
        return Err(failure(what, js_sys::Error::new("the answer is not a Response").into(), Some(bounds)));
    };
    let headers = headers
        .filter_map(|pair| {
            let pair = Array::from(&pair.ok()?);
            Some((pair.get(0).as_string()?.to_ascii_lowercase(), pair.get(1).as_string()?))
        })
        .collect();
    Ok((response, HttpResponse::new(status as u16, headers, "")))
}

/// The body of `response` as text, read within `bounds` when given.
async fn body(response: &JsValue, bounds: Option<&Bounds>, what: &str) -> std::result::Result<String, Failure> {
    let text = match call(response, "text").and_then(|p| p.dyn_into::<Promise>()) {
        Ok(p) => JsFuture::from(p).await,
        Err(e) => Err(e),
    };
    text.map(|t| t.as_string().unwrap_or_default()).map_err(|cause| failure(what, cause, bounds))
}

/// The `RequestInit` of a request that must not leak: no redirect followed (a secret must never
/// reach a `Location`), no cookies; `headers` and the method set.
fn sealed(request: &HttpRequest) -> RequestInit {
    let init = RequestInit::new();
    let headers: Array = request.headers.iter().map(|(k, v)| Array::of2(&JsValue::from_str(k), &JsValue::from_str(v))).collect();
    init.set_headers(&headers);
    init.set_redirect(RequestRedirect::Error);
    init.set_credentials(RequestCredentials::Omit);
    init.set_method(request.method.as_str());
    if let Some(body) = &request.body {
        init.set_body(&JsValue::from_str(body));
    }
    init
}

/// The flows' GET of a public JSON document (metadata, JWKS) through `fetch` (the app's own) or
/// gloo-net: no redirect followed, no cookies, the whole exchange (the body read) within `ms`. No
/// caller's signal: a shared (cached) fetch goes on when one caller stops waiting. Fails with
/// `timeout` or `transport` naming the document's URL (a public one).
#[cfg(feature = "oidc")]
pub(crate) async fn get_document(fetch: Option<Function>, request: &HttpRequest, ms: f64) -> Result<HttpResponse> {
    let url = request.url.as_str();
    let failed = |f| match f {
        Failure::Aborted(_) => Error::new(ErrorCode::Transport, "the request was aborted"),
        Failure::Failed(e, _) => e,
    };
    let bounds = Bounds::start(ms, url, None).map_err(|cause| failed(failure(url, cause, None)))?;
    let (response, mut head) = exchange(fetch, request, Ok(sealed(request)), &bounds, url).await.map_err(failed)?;
    head.body = body(&response, Some(&bounds), url).await.map_err(failed)?;
    Ok(head)
}

/// The flows' transport in a page: gloo-net, or the app's `fetch` (`Ports.fetch`).
#[derive(Clone)]
pub(crate) struct HttpTransport {
    page: Rc<Page>,
    endpoint: Endpoint,
}

impl HttpTransport {
    pub(crate) fn new(page: &Rc<Page>, endpoint: Endpoint) -> Self {
        HttpTransport { page: Rc::clone(page), endpoint }
    }

    /// The error for a request that failed: the caller's abort reason kept for the caller
    /// unchanged, else the core error, its failure kept as the `TsunagiError`'s `cause`.
    fn failed(&self, f: Failure) -> Error {
        match f {
            Failure::Aborted(reason) => {
                self.page.keep(reason);
                Error::new(ErrorCode::Transport, "the request was aborted")
            }
            Failure::Failed(e, cause) => {
                self.page.keep(self.page.ports.failure(&error::to_json(&e), &cause));
                e
            }
        }
    }

    /// The `RequestInit` of `request` (its signal set by [`exchange`]).
    fn init(&self, request: &HttpRequest, app: &JsValue) -> std::result::Result<RequestInit, JsValue> {
        let Endpoint::Api = self.endpoint else { return Ok(sealed(request)) };
        // the app's members as it gave them (credentials, mode, cache…), but its signal
        let init: RequestInit = Object::assign(&Object::new(), app.unchecked_ref()).unchecked_into();
        Reflect::delete_property(&init, &JsValue::from_str("signal"))?;
        // the core's headers win for authorization, and where the app set none
        let headers = Headers::new_with_str_sequence_sequence(&Reflect::get(app, &JsValue::from_str("headers"))?)?;
        for (k, v) in &request.headers {
            if k == "authorization" || !headers.has(k)? {
                headers.set(k, v)?;
            }
        }
        init.set_headers(&headers);
        init.set_method(request.method.as_str());
        if let Some(body) = &request.body {
            init.set_body(&JsValue::from_str(body));
        }
        Ok(init)
    }
}

/// One request's bounds: an `AbortController` that a timer aborts after `ms` (with a
/// `TimeoutError`) and the caller's signal aborts at any time. Dropping it stops both. Its
/// callbacks are the controller's own `abort`, bound (no Rust closure: nothing to keep alive).
struct Bounds {
    controller: AbortController,
    ms: f64,
    timer: JsValue,
    caller: Option<(AbortSignal, Function)>,
}

impl Bounds {
    fn start(ms: f64, what: &str, caller: Option<AbortSignal>) -> std::result::Result<Self, JsValue> {
        let controller = AbortController::new()?;
        let abort = field(&controller, "abort").dyn_into::<Function>()?;
        let reason = DomException::new_with_message_and_name(&format!("{what} took longer than {} ms", whole_ms(ms)), "TimeoutError")?;
        let timer = set_timeout(&abort.bind1(&controller, &reason).unchecked_into(), ms);
        unref(&timer);
        // the caller's abort aborts the request; its reason is kept apart (`failed`), so the
        // request itself only ever rejects with a DOMException
        let caller = match caller {
            Some(signal) => {
                let reason = DomException::new_with_message_and_name("the caller aborted", "AbortError")?;
                let on_abort: Function = abort.bind1(&controller, &reason).unchecked_into();
                signal.add_event_listener_with_callback("abort", &on_abort)?;
                Some((signal, on_abort))
            }
            None => None,
        };
        Ok(Bounds { controller, ms, timer, caller })
    }

    /// Whether the caller's signal aborted (then its reason is the answer).
    fn aborted_by_caller(&self) -> Option<&AbortSignal> {
        self.caller.as_ref().map(|(signal, _)| signal).filter(|s| s.aborted())
    }
}

impl Drop for Bounds {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some((signal, on_abort)) = &self.caller {
            let _ = signal.remove_event_listener_with_callback("abort", on_abort);
        }
    }
}

/// `ms` in whole milliseconds, for messages (no float formatting in the module).
fn whole_ms(ms: f64) -> u64 {
    ms as u64
}

/// Calls the method `name` of `v` (a `Response`, or what the app's `fetch` gave as one).
fn call(v: &JsValue, name: &str) -> std::result::Result<JsValue, JsValue> {
    field(v, name).dyn_into::<Function>()?.call0(v)
}

/// An answer: status and headers read, the body still in the `Response`; the token endpoint's
/// bounds still running until it is read.
pub(crate) struct HttpAnswer {
    head: HttpResponse,
    response: Option<JsValue>,
    bounds: Option<Bounds>,
    transport: HttpTransport,
}

impl HttpAnswer {
    /// The `Response` itself, for the app (its body unread).
    pub(crate) fn into_response(mut self) -> JsValue {
        self.response.take().unwrap_or(JsValue::UNDEFINED)
    }
}

impl Drop for HttpAnswer {
    fn drop(&mut self) {
        // an answer the flow does not read (a 401 retried, a 429 waited out): its body cancelled
        if let Some(r) = self.response.take() {
            if let Ok(cancelled) = call(&field(&r, "body"), "cancel").and_then(|p| p.dyn_into::<Promise>()) {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = JsFuture::from(cancelled).await;
                });
            }
        }
    }
}

impl Answer for HttpAnswer {
    fn head(&self) -> &HttpResponse {
        &self.head
    }
    async fn read(mut self) -> Result<HttpResponse> {
        let mut full = self.head.clone();
        if let Some(r) = self.response.take() {
            let bounds = self.bounds.take();
            full.body = body(&r, bounds.as_ref(), self.transport.endpoint.what()).await.map_err(|f| self.transport.failed(f))?;
        }
        Ok(full)
    }
}

impl Transport for HttpTransport {
    type Answer = HttpAnswer;
    async fn send(&self, request: &HttpRequest) -> Result<HttpAnswer> {
        let ports = &self.page.ports;
        let app = match self.endpoint {
            Endpoint::Api => ports.init(),
            _ => JsValue::UNDEFINED,
        };
        let caller = Some(field(&app, "signal")).filter(|s| s.is_object()).map(|s| s.unchecked_into::<AbortSignal>());
        if let Some(signal) = caller.as_ref().filter(|s| s.aborted()) {
            return Err(self.failed(Failure::Aborted(signal.reason())));
        }
        if let Endpoint::Token = self.endpoint {
            ports.renewing();
        }
        let ms = Some(ports.timeout_ms()).filter(|ms| ms.is_finite() && *ms > 0.0).unwrap_or(DEFAULT_TIMEOUT_MS);
        let what = self.endpoint.what();
        let bounds = Bounds::start(ms, what, caller).map_err(|cause| self.failed(failure(what, cause, None)))?;
        let (response, head) = exchange(ports.fetch(), request, self.init(request, &app), &bounds, what).await.map_err(|f| self.failed(f))?;
        let bounds = match self.endpoint {
            Endpoint::Api => None, // the head arrived: the app reads the body as it likes
            _ => Some(bounds),
        };
        let transport = HttpTransport::new(&self.page, self.endpoint);
        Ok(HttpAnswer { head, response: Some(response), bounds, transport })
    }
}
