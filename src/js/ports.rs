//! What a flow runs on in a page: the ports `js/client.js` hands in for one call (its storage,
//! refresh lock, clock, timers, the app's `fetch` option and `RequestInit`), and the first
//! exception the page's own code threw, kept so that it reaches the caller unchanged.

use super::{args, error, global, tokens};
use js_sys::{Function, Promise};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_set::NextStep;
use tsunagi_core::{Client, Error, ErrorCode, Result, TokenSet};
use tsunagi_flows::{Clock, RefreshLock, Sleep, TokenStore};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

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
    /// Milliseconds since the epoch (the page may inject a clock).
    #[wasm_bindgen(method)]
    fn now(this: &Ports) -> f64;
    /// Resolves after `ms` milliseconds (rejects when the call's signal aborts).
    #[wasm_bindgen(method, catch)]
    fn sleep(this: &Ports, ms: f64) -> std::result::Result<Promise, JsValue>;
    /// The app's own `fetch` option (the override), or `undefined`: gloo-net sends (`http.rs`).
    #[wasm_bindgen(method, getter)]
    pub(crate) fn fetch(this: &Ports) -> Option<Function>;
    /// The app's `RequestInit` of an API call (`client.fetch(path, init)`), or `undefined`.
    #[wasm_bindgen(method, getter)]
    pub(crate) fn init(this: &Ports) -> JsValue;
    /// The `requestTimeoutMs` option: how long a request may take.
    #[wasm_bindgen(method, getter = timeoutMs)]
    pub(crate) fn timeout_ms(this: &Ports) -> f64;
    /// Told before a request to the token endpoint is sent (a renewal under way).
    #[wasm_bindgen(method)]
    pub(crate) fn renewing(this: &Ports);
    /// The `TsunagiError` for the core's error JSON, with the failure that caused it as its `cause`.
    #[wasm_bindgen(method)]
    pub(crate) fn failure(this: &Ports, error: &str, cause: &JsValue) -> JsValue;
    /// The client's kept DPoP `CryptoKeyPair`, or `null` (`src/js/dpop.rs`).
    #[cfg(feature = "oidc")]
    #[wasm_bindgen(method, catch, js_name = dpopKey)]
    fn dpop_key(this: &Ports) -> std::result::Result<Promise, JsValue>;
    /// Keeps a new DPoP `CryptoKeyPair` for the client.
    #[cfg(feature = "oidc")]
    #[wasm_bindgen(method, catch, js_name = dpopKeep)]
    fn dpop_keep(this: &Ports, pair: &JsValue) -> std::result::Result<Promise, JsValue>;
}

#[wasm_bindgen(typescript_custom_section)]
const PORTS: &'static str = r#"
/** What `js/client.js` hands a flow for one call: storage, refresh lock, clock, timers, and the app's `fetch` option. */
export interface WasmPorts {
  load(): Promise<string | null>;
  store(tokens: string): Promise<unknown>;
  clear(): Promise<unknown>;
  /** The refresh lock (src/js/page/lock.rs's `WasmLock.acquire`); `waited`: another tab held it first. */
  acquire(): Promise<{ release: () => void; waited: boolean }>;
  now(): number;
  sleep(ms: number): Promise<unknown>;
  /** The app's own `fetch` (the override); `undefined`: the requests go through gloo-net (the global `fetch`). */
  fetch: ((url: string, init: RequestInit) => Promise<Response>) | undefined;
  /** The app's RequestInit of an API call. */
  init: RequestInit | undefined;
  timeoutMs: number;
  renewing(): void;
  failure(error: string, cause: unknown): unknown;
  /** The client's kept DPoP key pair (RFC 9449), or null (js/oidc.js's; tsunagi/lawvu has none). */
  dpopKey?(): Promise<CryptoKeyPair | null>;
  /** Keeps a new DPoP key pair for the client. */
  dpopKeep?(pair: CryptoKeyPair): Promise<CryptoKeyPair | null>;
  /** Forgets it (js/client.js's logout; not called from Rust). */
  dpopForget?(): Promise<unknown>;
}
"#;

/// The ports of one call, and the first exception the page's own code threw, kept so it reaches
/// the caller unchanged (the flows carry only core errors).
pub(crate) struct Page {
    pub(crate) ports: Ports,
    thrown: RefCell<Option<JsValue>>,
    settle: Option<Settle>,
}

/// What the tokens another tab stored must look like to end [`Page::settle`]'s wait: usable for
/// this client (not the access token the API just refused, `stale`).
pub(crate) struct Settle {
    pub(crate) client: Rc<Client>,
    pub(crate) leeway_secs: u64,
    pub(crate) stale: Option<String>,
}

/// How long a tab that waited for the refresh lock waits, at most, for the other tab's tokens to
/// reach its storage, and how often it looks.
const SETTLE_MS: f64 = 2_000.0;
const SETTLE_POLL_MS: f64 = 15.0;

impl Page {
    pub(crate) fn new(ports: Ports, settle: Option<Settle>) -> Self {
        Page { ports, thrown: RefCell::new(None), settle }
    }

    /// Takes the refresh lock (and, when another tab held it first, waits for its tokens:
    /// [`Page::settle`]); the function that releases it. `None`: a lock that cannot be had (no Web
    /// Locks, no storage) is no lock — the page chose so. Not generic, so each flow's
    /// [`RefreshLock::exclusive`] shares this code.
    async fn hold(&self) -> Option<Function> {
        let held = self.wait(self.ports.acquire(), unavailable).await.ok()?;
        if global::field(&held, "waited").as_bool() == Some(true) {
            self.settle().await;
        }
        global::field(&held, "release").dyn_into::<Function>().ok()
    }

    /// Another tab held the refresh lock, most likely refreshing. Its write to shared storage can
    /// reach this tab after the lock does (Chromium propagates `localStorage` between renderers
    /// asynchronously): when the stored tokens are not usable here, wait, bounded, for them to
    /// change. The flow then reads them again under the lock (`tsunagi_flows::Flow`).
    async fn settle(&self) {
        let Some(s) = &self.settle else { return };
        let usable = |t: &TokenSet| {
            s.stale.as_deref() != Some(t.access_token.secret()) && s.client.next_step(Some(t), self.now(), s.leeway_secs) == NextStep::UseAccessToken
        };
        let Ok(Some(first)) = self.load().await else { return };
        if usable(&first) {
            return;
        }
        let until = global::now() + SETTLE_MS;
        while global::now() < until {
            global::sleep(SETTLE_POLL_MS).await;
            match self.load().await {
                Ok(Some(t)) if t.access_token == first.access_token && t.refresh_token == first.refresh_token => {}
                _ => return,
            }
        }
    }

    /// Keeps `thrown` for the caller, unless an earlier exception is kept already.
    pub(crate) fn keep(&self, thrown: JsValue) {
        self.thrown.borrow_mut().get_or_insert(thrown);
    }

    /// Awaits a port's promise. What a port throws (the wrapper's own `TsunagiError`s) is kept
    /// for the caller, and the flow goes on with `error` (it only ends there).
    async fn wait(&self, promise: std::result::Result<Promise, JsValue>, error: impl Fn() -> Error) -> Result<JsValue> {
        let result = match promise {
            Ok(p) => JsFuture::from(p).await,
            Err(e) => Err(e),
        };
        result.map_err(|thrown| {
            self.keep(thrown);
            error()
        })
    }

    /// The error for the caller: the page's own exception if one was thrown, else the core's JSON.
    pub(crate) fn reject(&self, e: &Error) -> JsValue {
        match self.thrown.borrow_mut().take() {
            Some(thrown) => thrown,
            None => JsValue::from_str(&error::to_json(e)),
        }
    }
}

fn storage() -> Error {
    Error::new(ErrorCode::InvalidConfig, "the token storage failed")
}

fn unavailable() -> Error {
    Error::new(ErrorCode::Transport, "the page's port failed")
}

#[cfg(feature = "oidc")]
impl Page {
    /// The client's kept DPoP key pair, if any.
    pub(crate) async fn dpop_pair(&self) -> Result<Option<JsValue>> {
        let v = self.wait(self.ports.dpop_key(), storage).await?;
        Ok((!v.is_null() && !v.is_undefined()).then_some(v))
    }
    /// Keeps `pair` as the client's DPoP key unless one is kept already (another tab's, made at the
    /// same moment); answers that one, which the caller uses instead of `pair`.
    pub(crate) async fn keep_dpop_pair(&self, pair: &JsValue) -> Result<Option<JsValue>> {
        let v = self.wait(self.ports.dpop_keep(pair), storage).await?;
        Ok((!v.is_null() && !v.is_undefined()).then_some(v))
    }
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
        let release = self.hold().await;
        let out = work.await;
        if let Some(release) = release {
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
        let _ = self.wait(self.ports.sleep(ms as f64), unavailable).await;
    }
}
