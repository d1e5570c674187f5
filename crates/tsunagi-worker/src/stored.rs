//! Durable Object storage without serde: each value is kept as the plain JS value (object, number,
//! string) its JSON text describes. The core's codec writes and reads the text; `JSON.parse` and
//! `JSON.stringify` turn it into and out of the structured value storage keeps, in the shapes
//! docs/storage.md lists (the ones serde wrote before, so earlier records still read).

use js_sys::{Object, Reflect, JSON};
use tsunagi_core::json::{self, Json};
use tsunagi_core::{Error, ErrorCode, Result};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::Storage;

/// Why a storage call failed, for every record an object keeps: [`ErrorCode::Transport`], the
/// same message whatever the record (storage errors name no key and no value).
pub fn storage_error() -> Error {
    Error::new(ErrorCode::Transport, "the Durable Object's storage failed")
}

/// The value stored at `key` (`None`: absent). A value that is no JSON value (never written here)
/// reads as absent.
pub async fn get(storage: &Storage, key: &str) -> Result<Option<Json>> {
    let promise = storage.as_raw().get(key).map_err(|_| storage_error())?;
    let value = JsFuture::from(promise).await.map_err(|_| storage_error())?;
    if value.is_undefined() {
        return Ok(None);
    }
    let text = JSON::stringify(&value).ok().and_then(|t| t.as_string());
    Ok(text.and_then(|t| json::parse(&t).ok()))
}

/// Stores `value` at `key` as the JS value its JSON text describes; durable when it returns.
pub async fn put(storage: &Storage, key: &str, value: &Json) -> Result<()> {
    let js = JSON::parse(&value.to_json(json::Escape::Minimal)).map_err(|_| storage_error())?;
    storage.put_raw(key, js).await.map_err(|_| storage_error())
}

/// The keys that start with `prefix`, in storage's order.
pub async fn keys_with_prefix(storage: &Storage, prefix: &str) -> Result<Vec<String>> {
    let options = Object::new();
    Reflect::set(&options, &JsValue::from_str("prefix"), &JsValue::from_str(prefix)).map_err(|_| storage_error())?;
    let promise = storage.as_raw().list_with_options(options).map_err(|_| storage_error())?;
    let map = JsFuture::from(promise).await.map_err(|_| storage_error())?.dyn_into::<js_sys::Map>().map_err(|_| storage_error())?;
    Ok(map.keys().into_iter().filter_map(|k| k.ok().and_then(|k| k.as_string())).collect())
}
