//! The JS globals the browser runtime reads: the page's objects as web-sys types, found by name on
//! `globalThis` (so a Worker, Node or a sandboxed iframe without one reads as `None`, never a
//! throw), a JS value's field, and the timers (`setTimeout` as a future, Node's `unref`).

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `setTimeout(handler, ms)`: the timer's id.
    #[wasm_bindgen(js_name = setTimeout)]
    pub(crate) fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    /// `clearTimeout(id)`.
    #[wasm_bindgen(js_name = clearTimeout)]
    pub(crate) fn clear_timeout(id: &JsValue);
}

/// `field` of a JS value (`undefined` when it cannot be read).
pub(crate) fn field(v: &JsValue, field: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(field)).unwrap_or(JsValue::UNDEFINED)
}

/// Node: a timer or channel must never keep the process alive (its `unref()`, where it has one).
pub(crate) fn unref(v: &JsValue) {
    if let Ok(unref) = field(v, "unref").dyn_into::<Function>() {
        let _ = unref.call0(v);
    }
}

/// `globalThis[name]` when it is an object (a getter that throws, as `localStorage` does in a
/// sandboxed iframe, reads as `None`).
pub(crate) fn object(name: &str) -> Option<JsValue> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name)).ok().filter(JsValue::is_object)
}

/// `sessionStorage` or `localStorage`, if this page has it and it answers (privacy settings can
/// make every access throw).
pub(crate) fn web_storage(name: &str) -> Option<web_sys::Storage> {
    let storage: web_sys::Storage = object(name)?.unchecked_into();
    storage.get_item("tsunagi:probe").ok()?;
    Some(storage)
}

/// Resolves after `ms` milliseconds.
pub(crate) async fn sleep(ms: f64) {
    let p = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(p).await;
}

/// Milliseconds since the epoch.
pub(crate) fn now() -> f64 {
    js_sys::Date::now()
}
