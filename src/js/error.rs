//! [`Error`] → what every export of the wasm layer throws: the JSON text of the core's
//! [`ErrorFields`](tsunagi_core::ErrorFields), the one error shape `js/core.js` turns into a
//! `TsunagiError`. Only fields the core already scrubbed cross (never a secret, code or token).

use tsunagi_core::Error;
use wasm_bindgen::JsValue;

/// `{ code, message, status?, requestId?, oauthError?, description?, errorUri?, bodyExcerpt?,
/// refreshExpiredAt?, retryAfterMs?, requiresReauthorization }` as JSON text.
pub(crate) fn to_json(e: &Error) -> String {
    e.fields().to_json()
}

/// The thrown value for `e`: its [`to_json`] text as a JS string.
pub(crate) fn to_js(e: Error) -> JsValue {
    JsValue::from_str(&to_json(&e))
}
