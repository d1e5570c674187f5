//! The refresh lock: one renewal at a time in this tab (a queue), then across tabs — Web Locks
//! (web-sys `LockManager`), or where the page has none a localStorage lease with an expiry (as
//! auth0-spa-js PR #1530 does), or no cross-tab lock at all (`locks: 'none'`).

use crate::js::error;
use crate::js::global;
use js_sys::{Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use tsunagi_core::{Error, ErrorCode};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Auto,
    Lease,
    None,
}

/// How this call holds the lock across tabs, to let go of it.
enum Held {
    /// The resolver of the promise a Web Locks callback returned: the lock is held until it settles.
    WebLock(Function),
    /// The lease written under `key` with this call's id.
    Lease {
        storage: web_sys::Storage,
        key: String,
        id: String,
    },
    Nothing,
}

impl Held {
    fn release(self) {
        match self {
            Held::WebLock(resolve) => {
                let _ = resolve.call0(&JsValue::NULL);
            }
            Held::Lease { storage, key, id } => {
                if lease_of(&storage, &key).is_some_and(|l| l.id == id) {
                    let _ = storage.remove_item(&key);
                }
            }
            Held::Nothing => {}
        }
    }
}

struct Inner {
    name: String,
    mode: Mode,
    lease_ttl_ms: f64,
    /// Settles when the last caller in this tab lets go.
    tail: RefCell<Promise>,
}

/// `OAuthClient`'s refresh lock (the `locks` option), shared by its calls.
#[wasm_bindgen]
pub struct WasmLock {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl WasmLock {
    /// The lock called `name` across tabs; `mode` is the `locks` option ("auto", the default:
    /// Web Locks where the page has them, else the lease; "lease"; "none"); a lease expires after
    /// `leaseTtlMs` (a tab that died holding it frees it then).
    #[wasm_bindgen(constructor)]
    pub fn new(
        name: String,
        #[wasm_bindgen(unchecked_param_type = "'auto' | 'lease' | 'none' | undefined")] mode: JsValue,
        lease_ttl_ms: f64,
    ) -> Result<WasmLock, JsValue> {
        let mode = match mode.as_string().as_deref() {
            _ if mode.is_undefined() || mode.is_null() => Mode::Auto,
            Some("auto") => Mode::Auto,
            Some("lease") => Mode::Lease,
            Some("none") => Mode::None,
            _ => return Err(error::to_js(Error::new(ErrorCode::InvalidConfig, "locks must be \"auto\", \"lease\" or \"none\""))),
        };
        Ok(WasmLock { inner: Rc::new(Inner { name, mode, lease_ttl_ms, tail: RefCell::new(Promise::resolve(&JsValue::UNDEFINED)) }) })
    }

    /// Resolves to `{ release, waited }` once this call holds the lock in this tab and across
    /// tabs; `waited` when another tab held it first (it was likely refreshing). `release()` lets
    /// go of both; until then the next caller waits.
    #[wasm_bindgen(unchecked_return_type = "Promise<{ release: () => void; waited: boolean }>")]
    pub fn acquire(&self) -> Promise {
        let inner = Rc::clone(&self.inner);
        let mut let_go = None;
        let mine = Promise::new(&mut |resolve, _| let_go = Some(resolve));
        let before = inner.tail.replace(mine);
        future_to_promise(async move {
            let _ = JsFuture::from(before).await;
            let release_tab = move || {
                if let Some(f) = &let_go {
                    let _ = f.call0(&JsValue::NULL);
                }
            };
            match across_tabs(&inner).await {
                Ok((held, waited)) => {
                    let release = Closure::once_into_js(move || {
                        held.release();
                        release_tab();
                    });
                    let out = Object::new();
                    Reflect::set(&out, &JsValue::from_str("release"), &release)?;
                    Reflect::set(&out, &JsValue::from_str("waited"), &JsValue::from_bool(waited))?;
                    Ok(out.into())
                }
                Err(e) => {
                    release_tab();
                    Err(e)
                }
            }
        })
    }
}

/// The lock across tabs, and whether another tab held it first.
async fn across_tabs(inner: &Inner) -> Result<(Held, bool), JsValue> {
    if inner.mode == Mode::Auto {
        if let Some(locks) = web_locks() {
            // first without waiting, to learn whether another tab holds it
            if let Some(release) = take(&locks, &inner.name, true).await? {
                return Ok((Held::WebLock(release), false));
            }
            return match take(&locks, &inner.name, false).await? {
                Some(release) => Ok((Held::WebLock(release), true)),
                None => Ok((Held::Nothing, true)),
            };
        }
    }
    if inner.mode != Mode::None {
        if let Some(storage) = global::web_storage("localStorage") {
            return Ok(lease(storage, format!("{}:lease", inner.name), inner.lease_ttl_ms).await);
        }
    }
    Ok((Held::Nothing, false))
}

/// `navigator.locks`, where the page has the Web Locks API.
fn web_locks() -> Option<web_sys::LockManager> {
    let navigator = global::object("navigator")?;
    let locks = Some(global::field(&navigator, "locks")).filter(JsValue::is_object)?;
    global::field(&locks, "request").dyn_into::<Function>().ok()?;
    Some(locks.unchecked_into())
}

/// Requests the Web Lock `name` (with `ifAvailable`, resolving to `None` when another holds it):
/// the function that releases it.
async fn take(locks: &web_sys::LockManager, name: &str, if_available: bool) -> Result<Option<Function>, JsValue> {
    let mut granted_with = None;
    let granted = Promise::new(&mut |resolve, _| granted_with = Some(resolve));
    let Some(grant) = granted_with else { return Ok(None) };
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if lock.is_null() {
            let _ = grant.call1(&JsValue::NULL, &JsValue::NULL);
            return JsValue::UNDEFINED;
        }
        // held until this promise settles: its resolver is the release function
        Promise::new(&mut |release, _| {
            let _ = grant.call1(&JsValue::NULL, &release);
        })
        .into()
    });
    let options = web_sys::LockOptions::new();
    options.set_if_available(if_available);
    // the request settles only after the callback has granted (or refused) the lock, unless it
    // fails outright (an aborted request, a name the page refuses): then its error wins the race
    let request = locks.request_with_options(name, &options, callback.unchecked_ref());
    let v = JsFuture::from(Promise::race(&js_sys::Array::of2(&granted, &request))).await?;
    Ok(v.dyn_into::<Function>().ok())
}

/// A lease as stored: its holder's id and its expiry (ms since the epoch).
struct Lease {
    id: String,
    exp: f64,
}

fn lease_of(storage: &web_sys::Storage, key: &str) -> Option<Lease> {
    let text = storage.get_item(key).ok()??;
    let value = js_sys::JSON::parse(&text).ok().filter(JsValue::is_object)?;
    Some(Lease { id: global::field(&value, "id").as_string()?, exp: global::field(&value, "exp").as_f64()? })
}

/// The localStorage lease: not atomic, so it writes, waits for the write to settle across tabs
/// (localStorage propagates asynchronously) and checks it still holds it, twice; gives up waiting
/// after twice the lease's life (a holder that died).
async fn lease(storage: web_sys::Storage, key: String, ttl_ms: f64) -> (Held, bool) {
    // whole numbers only: formatting an f64 would link Rust's float printer (tests/package/lean.test.mjs)
    let id = format!("{}-{}", global::now() as u64, (js_sys::Math::random() * 1e15) as u64);
    let free = |storage: &web_sys::Storage| lease_of(storage, &key).is_none_or(|l| l.exp <= global::now());
    let give_up_at = global::now() + ttl_ms * 2.0;
    let mut waited = false;
    loop {
        if free(&storage) {
            global::sleep(js_sys::Math::random() * 40.0).await; // tabs that saw it free at once
            if free(&storage) {
                let record = format!("{{\"id\":\"{id}\",\"exp\":{}}}", (global::now() + ttl_ms) as u64);
                let _ = storage.set_item(&key, &record);
                global::sleep(100.0).await;
                if lease_of(&storage, &key).is_some_and(|l| l.id == id) {
                    global::sleep(50.0).await;
                    if lease_of(&storage, &key).is_some_and(|l| l.id == id) {
                        break;
                    }
                }
            }
        } else if global::now() > give_up_at {
            break;
        }
        waited = true;
        global::sleep(25.0 + js_sys::Math::random() * 50.0).await;
    }
    (Held::Lease { storage, key, id }, waited)
}
