//! `OAuthClient`'s `storage` option as one typed handle: web-sys `Storage` for "session" and
//! "local", this page's memory for "memory" (the default), or the app's own `{ get, set, remove }`
//! object (its methods may return Promises, which the caller awaits).

use crate::js::error;
use crate::js::global;
use js_sys::Function;
use std::cell::RefCell;
use tsunagi_core::{Error, ErrorCode};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

enum Kind {
    Web(web_sys::Storage),
    Memory(RefCell<Vec<(String, String)>>),
    Adapter { get: Function, set: Function, remove: Function, this: JsValue },
}

/// One storage: where `OAuthClient` keeps the token set, its verified claims and the pending
/// authorization (see the package's `StorageAdapter`).
#[wasm_bindgen]
pub struct WasmStorage {
    kind: Kind,
}

fn invalid(message: &str) -> JsValue {
    error::to_js(Error::new(ErrorCode::InvalidConfig, message))
}

fn method(adapter: &JsValue, name: &str) -> Option<Function> {
    global::field(adapter, name).dyn_into::<Function>().ok()
}

#[wasm_bindgen]
impl WasmStorage {
    /// The storage `option` names: `undefined`/`null`/"memory", "session", "local" (refused with
    /// `invalid_config` where the page has no such storage or it is blocked), or an object with
    /// `get(key)`, `set(key, value)` and `remove(key)`.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "unknown")] option: JsValue) -> Result<WasmStorage, JsValue> {
        let kind = match option.as_string().as_deref() {
            _ if option.is_undefined() || option.is_null() => Kind::Memory(RefCell::default()),
            Some("memory") => Kind::Memory(RefCell::default()),
            Some(s @ ("session" | "local")) => {
                let storage = global::web_storage(&format!("{s}Storage")).ok_or_else(|| invalid(&format!("{s}Storage is not available here")))?;
                Kind::Web(storage)
            }
            _ => match (option.is_object(), method(&option, "get"), method(&option, "set"), method(&option, "remove")) {
                (true, Some(get), Some(set), Some(remove)) => Kind::Adapter { get, set, remove, this: option },
                _ => return Err(invalid("storage must be \"memory\", \"session\", \"local\" or an object with get(key), set(key, value) and remove(key)")),
            },
        };
        Ok(WasmStorage { kind })
    }

    /// This page's `sessionStorage`, where the pending authorization lives (one tab's, as the
    /// authorization's round trip), or `undefined` where there is none.
    pub fn session() -> Option<WasmStorage> {
        global::web_storage("sessionStorage").map(|s| WasmStorage { kind: Kind::Web(s) })
    }

    /// The value under `key`, or `null` (an adapter's answer as it gave it, perhaps a Promise).
    #[wasm_bindgen(unchecked_return_type = "string | null | Promise<string | null | undefined>")]
    pub fn get(&self, key: &str) -> Result<JsValue, JsValue> {
        match &self.kind {
            Kind::Web(s) => Ok(s.get_item(key)?.map_or(JsValue::NULL, |v| JsValue::from_str(&v))),
            Kind::Memory(m) => Ok(m.borrow().iter().find(|(k, _)| k == key).map_or(JsValue::NULL, |(_, v)| JsValue::from_str(v))),
            Kind::Adapter { get, this, .. } => get.call1(this, &JsValue::from_str(key)),
        }
    }

    /// Stores `value` under `key` (what the storage throws, a full quota say, is thrown as it is).
    #[wasm_bindgen(unchecked_return_type = "unknown")]
    pub fn set(&self, key: &str, value: &str) -> Result<JsValue, JsValue> {
        match &self.kind {
            Kind::Web(s) => s.set_item(key, value).map(|()| JsValue::UNDEFINED),
            Kind::Memory(m) => {
                let mut m = m.borrow_mut();
                match m.iter_mut().find(|(k, _)| k == key) {
                    Some(entry) => entry.1 = value.to_owned(),
                    None => m.push((key.to_owned(), value.to_owned())),
                }
                Ok(JsValue::UNDEFINED)
            }
            Kind::Adapter { set, this, .. } => set.call2(this, &JsValue::from_str(key), &JsValue::from_str(value)),
        }
    }

    /// Forgets `key`.
    #[wasm_bindgen(unchecked_return_type = "unknown")]
    pub fn remove(&self, key: &str) -> Result<JsValue, JsValue> {
        match &self.kind {
            Kind::Web(s) => s.remove_item(key).map(|()| JsValue::UNDEFINED),
            Kind::Memory(m) => {
                m.borrow_mut().retain(|(k, _)| k != key);
                Ok(JsValue::UNDEFINED)
            }
            Kind::Adapter { remove, this, .. } => remove.call1(this, &JsValue::from_str(key)),
        }
    }
}
