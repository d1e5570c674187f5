//! The page's globals as web-sys types, found by name on `globalThis` (so a Worker, Node or a
//! sandboxed iframe without one reads as `None`, never a throw), and a timer as a future.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
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
