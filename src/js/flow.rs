//! The browser runtime's flows: `OAuthClient`'s exchange, usable-token-with-refresh and API loop
//! are the shared `tsunagi_flows` (the same code the Worker runs), over ports the page's wrapper
//! hands in — its storage, its refresh lock (Web Locks across tabs), its `fetch`, its clock.
//! Exported as Promise-returning functions on a [`WasmClient`] handle; a core error rejects with
//! the one error shape (`error.rs`), anything the page's own `fetch` threw (an `AbortSignal`, say)
//! rejects with that exception unchanged.

use super::handle::WasmClient;
use super::{args, error, ops, tokens, value};
use js_sys::{Array, Function, Promise, Reflect};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use tsunagi_core::secret::AccessToken;
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_set::DEFAULT_LEEWAY_SECS;
use tsunagi_core::{Client, Error, ErrorCode, HttpRequest, HttpResponse, PendingAuthorization, PkceVerifier, Result, State, TokenSet};
use tsunagi_flows::{Answer, ApiCall, Clock, Flow, Outcome, RefreshLock, Sleep, TokenStore, Transport};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

#[wasm_bindgen]
extern "C" {
    /// What `js/client.js` hands in for one call (see `#ports` there).
    #[wasm_bindgen(typescript_type = "WasmPorts")]
    pub type Ports;
    /// The stored `TokenSet` as JSON text, or `null`.
    #[wasm_bindgen(method, catch)]
    fn load(this: &Ports) -> std::result::Result<Promise, JsValue>;
    /// Stores a `TokenSet` given as JSON text (and tells the other tabs).
    #[wasm_bindgen(method, catch)]
    fn store(this: &Ports, tokens: &str) -> std::result::Result<Promise, JsValue>;
    /// Forgets the stored set (and tells the other tabs).
    #[wasm_bindgen(method, catch)]
    fn clear(this: &Ports) -> std::result::Result<Promise, JsValue>;
    /// Takes the refresh lock; resolves to the function that releases it.
    #[wasm_bindgen(method, catch)]
    fn acquire(this: &Ports) -> std::result::Result<Promise, JsValue>;
    /// Sends a request (`api`: to the provider's API, else to the token endpoint); resolves to
    /// `{ status, headers: [[name, value]…], response }` with the body unread.
    #[wasm_bindgen(method, catch)]
    fn send(this: &Ports, url: &str, method: &str, headers: Array, body: Option<String>, api: bool) -> std::result::Result<Promise, JsValue>;
    /// The body of a `response` from `send`, as text.
    #[wasm_bindgen(method, catch)]
    fn text(this: &Ports, response: &JsValue) -> std::result::Result<Promise, JsValue>;
    /// Drops an unread `response` (its body is cancelled).
    #[wasm_bindgen(method)]
    fn discard(this: &Ports, response: &JsValue);
    /// Milliseconds since the epoch (the page may inject a clock).
    #[wasm_bindgen(method)]
    fn now(this: &Ports) -> f64;
    /// Resolves after `ms` milliseconds (rejects when the call's signal aborts).
    #[wasm_bindgen(method, catch)]
    fn sleep(this: &Ports, ms: f64) -> std::result::Result<Promise, JsValue>;
}

#[wasm_bindgen(typescript_custom_section)]
const PORTS: &'static str = r#"
/** What `js/client.js` hands a flow for one call: storage, refresh lock, `fetch`, clock, timers. */
export interface WasmPorts {
  load(): Promise<string | null>;
  store(tokens: string): Promise<unknown>;
  clear(): Promise<unknown>;
  acquire(): Promise<() => void>;
  send(url: string, method: string, headers: [string, string][], body: string | undefined, api: boolean): Promise<{ status: number; headers: [string, string][]; response: Response }>;
  text(response: Response): Promise<string>;
  discard(response: Response): void;
  now(): number;
  sleep(ms: number): Promise<unknown>;
}
"#;

/// The ports of one call, and the first exception the page's own code threw, kept so it reaches
/// the caller unchanged (the flows carry only core errors).
struct Page {
    ports: Ports,
    thrown: RefCell<Option<JsValue>>,
}

impl Page {
    /// Awaits a port's promise. What a port throws (the wrapper's own `TsunagiError`s, an aborted
    /// `fetch`) is kept for the caller, and the flow goes on with `error` (it only ends there).
    async fn wait(&self, promise: std::result::Result<Promise, JsValue>, error: impl Fn() -> Error) -> Result<JsValue> {
        let result = match promise {
            Ok(p) => JsFuture::from(p).await,
            Err(e) => Err(e),
        };
        result.map_err(|thrown| {
            self.thrown.borrow_mut().get_or_insert(thrown);
            error()
        })
    }

    /// The error for the caller: the page's own exception if one was thrown, else the core's JSON.
    fn reject(&self, e: &Error) -> JsValue {
        match self.thrown.borrow_mut().take() {
            Some(thrown) => thrown,
            None => JsValue::from_str(&error::to_json(e)),
        }
    }
}

fn transport() -> Error {
    Error::new(ErrorCode::Transport, "the request could not be sent")
}

fn storage() -> Error {
    Error::new(ErrorCode::InvalidConfig, "the token storage failed")
}

impl TokenStore for Page {
    async fn load(&self) -> Result<Option<TokenSet>> {
        let v = self.wait(self.ports.load(), storage).await?;
        let Some(text) = v.as_string().filter(|t| !t.is_empty()) else { return Ok(None) };
        // a stored value that is not a TokenSet reads as none (as getTokens() does)
        Ok(args::parse(&text).ok().and_then(|map| tokens::from_args(&args::Args::new(&map, "tokens", ErrorCode::InvalidParameter)).ok()))
    }
    async fn store(&self, t: &TokenSet) -> Result<()> {
        self.wait(self.ports.store(&tokens::to_json(t)), storage).await.map(|_| ())
    }
    async fn clear(&self) -> Result<()> {
        self.wait(self.ports.clear(), storage).await.map(|_| ())
    }
}

impl RefreshLock for Page {
    async fn exclusive<F: Future>(&self, work: F) -> F::Output {
        // a lock that cannot be had (no Web Locks, no storage) is no lock: the page chose so
        let release = self.wait(self.ports.acquire(), transport).await.ok();
        let out = work.await;
        if let Some(release) = release.and_then(|r| r.dyn_into::<Function>().ok()) {
            let _ = release.call0(&JsValue::NULL);
        }
        out
    }
}

impl Clock for Page {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.ports.now().max(0.0) as u64)
    }
}

impl Sleep for Page {
    async fn sleep(&self, ms: u64) {
        let _ = self.wait(self.ports.sleep(ms as f64), transport).await;
    }
}

/// An answer from the page's `fetch`: status and headers read, the body still in the `Response`.
struct PageAnswer {
    head: HttpResponse,
    response: Option<JsValue>,
    page: Rc<Page>,
}

impl Drop for PageAnswer {
    fn drop(&mut self) {
        if let Some(r) = self.response.take() {
            self.page.ports.discard(&r);
        }
    }
}

impl Answer for PageAnswer {
    fn head(&self) -> &HttpResponse {
        &self.head
    }
    async fn read(mut self) -> Result<HttpResponse> {
        let mut full = self.head.clone();
        if let Some(r) = self.response.take() {
            let text = self.page.wait(self.page.ports.text(&r), transport).await?;
            full.body = text.as_string().unwrap_or_default();
        }
        Ok(full)
    }
}

/// The page's `fetch` as the flows' transport; `api` says which kind of request it sends.
struct PageTransport {
    page: Rc<Page>,
    api: bool,
}

impl Transport for PageTransport {
    type Answer = PageAnswer;
    async fn send(&self, request: &HttpRequest) -> Result<PageAnswer> {
        let headers: Array = request.headers.iter().map(|(k, v)| Array::of2(&JsValue::from_str(k), &JsValue::from_str(v))).collect();
        let sent = self.page.ports.send(&request.url, request.method.as_str(), headers, request.body.clone(), self.api);
        let v = self.page.wait(sent, transport).await?;
        let field = |k: &str| Reflect::get(&v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        let status = field("status").as_f64().filter(|s| (100.0..600.0).contains(s)).ok_or_else(transport)? as u16;
        let headers = Array::from(&field("headers"))
            .iter()
            .filter_map(|pair| {
                let pair = Array::from(&pair);
                Some((pair.get(0).as_string()?.to_ascii_lowercase(), pair.get(1).as_string()?))
            })
            .collect();
        Ok(PageAnswer { head: HttpResponse::new(status, headers, ""), response: Some(field("response")), page: Rc::clone(&self.page) })
    }
}

/// The token endpoint's transport: the page's `fetch` port; gloo-net in the `gloo-net` measurement
/// build (`src/js/gloo.rs`).
#[cfg(not(feature = "gloo-net"))]
type TokenTransport = PageTransport;
#[cfg(feature = "gloo-net")]
type TokenTransport = super::gloo::GlooTransport;

#[cfg(not(feature = "gloo-net"))]
fn token_transport(page: &Rc<Page>) -> TokenTransport {
    PageTransport { page: Rc::clone(page), api: false }
}
#[cfg(feature = "gloo-net")]
fn token_transport(_page: &Rc<Page>) -> TokenTransport {
    super::gloo::GlooTransport
}

/// The flow over `page` for `client`, and what it needs.
async fn with_flow<T>(
    client: Rc<Client>,
    page: Rc<Page>,
    leeway_secs: Option<f64>,
    run: impl AsyncFnOnce(&Flow<'_, TokenTransport, Page, Page, Page>) -> Result<T>,
) -> std::result::Result<T, JsValue> {
    let result = async {
        let transport = token_transport(&page);
        let leeway_secs = leeway(leeway_secs);
        let flow = Flow { client: &client, transport: &transport, store: &*page, lock: &*page, clock: &*page, leeway_secs };
        run(&flow).await
    }
    .await;
    result.map_err(|e| page.reject(&e))
}

/// The page's `leewaySecs` option (absent or invalid: the default).
fn leeway(secs: Option<f64>) -> u64 {
    secs.filter(|s| s.is_finite() && *s >= 0.0).map_or(DEFAULT_LEEWAY_SECS, |s| s as u64)
}

fn page(ports: Ports) -> Rc<Page> {
    Rc::new(Page { ports, thrown: RefCell::new(None) })
}

/// A usable `TokenSet` (JSON text): the stored one if fresh and not `rejected` (an access token
/// the API refused), else one refresh — or, for the client's own token, one client-credentials
/// request — under the page's lock, stored before it resolves. A user's set that cannot be
/// refreshed is cleared and rejects with `login_required` (RFC 6749 §6; RFC 9700 §4.14.2).
#[wasm_bindgen(js_name = flowAccessToken, unchecked_return_type = "Promise<string>")]
pub fn flow_access_token(client: &WasmClient, ports: Ports, rejected: Option<String>, leeway_secs: Option<f64>) -> Promise {
    let (client, fingerprint) = (client.client(), rejected.map(|t| AccessToken::new(t).fingerprint()));
    future_to_promise(async move {
        with_flow(client, page(ports), leeway_secs, async |flow| flow.access_token(fingerprint.as_deref()).await.map(|t| tokens::to_json(&t)))
            .await
            .map(JsValue::from)
    })
}

/// The code exchange (RFC 6749 §4.1.3): `callbackUrl` checked against `state`, the code and PKCE
/// verifier sent, the `TokenSet` stored and returned as JSON text.
#[wasm_bindgen(js_name = flowExchange, unchecked_return_type = "Promise<string>")]
pub fn flow_exchange(client: &WasmClient, ports: Ports, callback_url: String, state: String, code_verifier: Option<String>) -> Promise {
    let client = client.client();
    future_to_promise(async move {
        with_flow(client, page(ports), None, async |flow| {
            let pending = PendingAuthorization { state: State::new(state)?, pkce_verifier: code_verifier.map(PkceVerifier::new).transpose()?, nonce: None };
            flow.exchange(&callback_url, &pending).await.map(|t| tokens::to_json(&t))
        })
        .await
        .map(JsValue::from)
    })
}

/// `fetch` against the provider's API with the stored token: `path` relative to the API base (or a
/// URL under it); 401 → one fresh token and one retry, 429 → bounded waits (`policy`: the
/// `retryPolicy` object, or `undefined`). Resolves to the provider's `Response` whatever its
/// status; rejects when the policy gives up (`unauthorized`, `rate_limited`).
#[wasm_bindgen(js_name = flowFetch, unchecked_return_type = "Promise<Response>")]
pub fn flow_fetch(
    client: &WasmClient,
    ports: Ports,
    path: String,
    method: Option<String>,
    body: Option<String>,
    #[wasm_bindgen(unchecked_param_type = "{ maxRateLimitRetries?: number; maxWaitMs?: number; defaultWaitMs?: number } | undefined")] policy: JsValue,
    leeway_secs: Option<f64>,
) -> Promise {
    let (client, page) = (client.client(), page(ports));
    let api_page = Rc::clone(&page);
    let policy = value::object(&policy, "retryPolicy")
        .and_then(|p| ops::retry_policy(p.as_ref().map(|m| args::Args::new(m, "retryPolicy", ErrorCode::InvalidParameter)).as_ref()));
    future_to_promise(with_flow(client, page, leeway_secs, async move |flow| {
        let method = ops::method_of(method.as_deref())?;
        let policy = policy?;
        // a URL under the API base is taken as its path (the base may come with the token)
        let tokens = flow.access_token(None).await?;
        let path = ops::relative_api_path(flow.client, &tokens, &path)?.to_owned();
        let transport = PageTransport { page: Rc::clone(&api_page), api: true };
        let call = ApiCall { client: flow.client, transport: &transport, tokens: flow, clock: &*api_page, sleep: &*api_page, policy };
        match call.send(method, &path, body.as_deref()).await? {
            Outcome::Delivered(mut answer) => Ok(answer.response.take().unwrap_or(JsValue::UNDEFINED)),
            Outcome::Refused { error, .. } => Err(error),
        }
    }))
}

/// When `flowAccessToken` will renew `set` (a `TokenSet` as JSON text): the milliseconds from `now`
/// until its access token stops being fresh (0: due now), or `undefined` when it has no expiry or
/// is not a `TokenSet`. `OAuthClient`'s `autoRefresh` schedules its timer from it; whether to
/// renew when the timer fires is still the flow's decision.
#[wasm_bindgen(js_name = refreshDueInMs)]
pub fn refresh_due_in_ms(set: &str, now: f64, leeway_secs: Option<f64>) -> Option<f64> {
    let map = args::parse(set).ok()?;
    let t = tokens::from_args(&args::Args::new(&map, "tokens", ErrorCode::InvalidParameter)).ok()?;
    let now = Timestamp::from_millis(if now.is_finite() { now.max(0.0) as u64 } else { 0 });
    t.refresh_due_in_ms(now, leeway(leeway_secs)).map(|ms| ms as f64)
}

#[cfg(test)]
mod tests {
    use super::refresh_due_in_ms;

    #[test]
    fn due_when_the_access_token_stops_being_fresh() {
        // issued at 1 000 s, one hour: due 60 s (the default leeway) before expiry
        let set = r#"{"accessToken":"at","tokenType":"Bearer","issuedAt":1000000,"expiresAt":4600000,"extra":{}}"#;
        assert_eq!(refresh_due_in_ms(set, 1_000_000.0, None), Some(3_540_000.0));
        assert_eq!(refresh_due_in_ms(set, 1_000_000.0, Some(600.0)), Some(3_000_000.0));
        // the leeway is capped at half the lifetime
        assert_eq!(refresh_due_in_ms(set, 1_000_000.0, Some(7200.0)), Some(1_800_000.0));
        assert_eq!(refresh_due_in_ms(set, 5_000_000.0, None), Some(0.0));
        let no_expiry = r#"{"accessToken":"at","tokenType":"Bearer","issuedAt":0,"expiresAt":null,"extra":{}}"#;
        assert_eq!(refresh_due_in_ms(no_expiry, 0.0, None), None);
        assert_eq!(refresh_due_in_ms("not json", 0.0, None), None);
        assert_eq!(refresh_due_in_ms(r#"{"accessToken":[]}"#, 0.0, None), None);
    }
}
