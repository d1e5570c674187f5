//! Reading the JS values the handle's methods take: every argument is checked here, so a wrong
//! JS type is a typed [`Error`] (`invalid_parameter` naming the field), never a panic. Messages
//! name fields only, never their values (which may be secrets).

use super::args::{self, Args};
use super::tokens;
use js_sys::{Array, JSON};
use tsunagi_core::json::JsonObject;
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_set::TokenSet;
use tsunagi_core::{Error, ErrorCode, Result};
use wasm_bindgen::JsValue;

const P: ErrorCode = ErrorCode::InvalidParameter;

/// The largest integer a JS number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn wrong(what: &str, expected: &str) -> Error {
    Error::new(P, format!("{what} must be {expected}"))
}

fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// An optional string (`undefined`/`null` → `None`).
pub(crate) fn opt_str(v: &JsValue, what: &str) -> Result<Option<String>> {
    if absent(v) {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| wrong(what, "a string"))
}

/// A required string.
#[cfg(feature = "lowlevel")]
pub(crate) fn str(v: &JsValue, what: &str) -> Result<String> {
    opt_str(v, what)?.ok_or_else(|| wrong(what, "a string"))
}

/// An optional boolean.
#[cfg(feature = "lowlevel")]
pub(crate) fn opt_bool(v: &JsValue, what: &str) -> Result<Option<bool>> {
    if absent(v) {
        return Ok(None);
    }
    v.as_bool().map(Some).ok_or_else(|| wrong(what, "a boolean"))
}

/// An optional non-negative integer (a JS number up to 2^53 - 1; fractions are truncated).
pub(crate) fn opt_u64(v: &JsValue, what: &str) -> Result<Option<u64>> {
    if absent(v) {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.is_finite() && (0.0..=MAX_SAFE_INTEGER).contains(&n) => Ok(Some(n as u64)),
        _ => Err(wrong(what, "a non-negative number")),
    }
}

/// A required epoch-milliseconds time.
pub(crate) fn time(v: &JsValue, what: &str) -> Result<Timestamp> {
    opt_u64(v, what)?.map(Timestamp::from_millis).ok_or_else(|| Error::new(P, format!("{what} must be epoch milliseconds")))
}

/// `[name, value]` string pairs (`undefined`/`null` → none): the wrapper turns `Headers`, plain
/// objects and `URLSearchParams` into them.
pub(crate) fn pairs(v: &JsValue, what: &str) -> Result<Vec<(String, String)>> {
    if absent(v) {
        return Ok(Vec::new());
    }
    if !Array::is_array(v) {
        return Err(wrong(what, "an array of [name, value] pairs"));
    }
    Array::from(v)
        .iter()
        .map(|pair| {
            let pair = Array::is_array(&pair).then(|| Array::from(&pair)).filter(|p| p.length() == 2);
            match pair.map(|p| (p.get(0).as_string(), p.get(1).as_string())) {
                Some((Some(k), Some(v))) => Ok((k, v)),
                _ => Err(wrong(what, "an array of [name, value] string pairs")),
            }
        })
        .collect()
}

/// The JSON text of a plain JS value (`JSON.stringify`), `None` for `undefined`/`null`; a value
/// JSON cannot hold (a `BigInt`, a cycle) is `code`.
pub(crate) fn json_text(v: &JsValue, what: &str, code: ErrorCode) -> Result<Option<String>> {
    if absent(v) {
        return Ok(None);
    }
    match JSON::stringify(v).ok().and_then(|s| s.as_string()) {
        Some(text) => Ok(Some(text)),
        None => Err(Error::new(code, format!("{what} must be plain JSON values"))),
    }
}

/// A plain JS object, read as the core's JSON (`None` for `undefined`/`null`).
pub(crate) fn object(v: &JsValue, what: &str) -> Result<Option<JsonObject>> {
    json_text(v, what, P)?.map(|text| args::parse(&text).map_err(|_| wrong(what, "an object"))).transpose()
}

/// A JS `TokenSet` (as stored by the package, or built by the app); `None` for `undefined`/`null`.
pub(crate) fn token_set(v: &JsValue, what: &str) -> Result<Option<TokenSet>> {
    object(v, what)?.map(|map| tokens::from_args(&Args::new(&map, "tokens", P))).transpose()
}

/// A JS value from JSON text the core wrote. It always parses; should it not, the exception is the
/// module's own failure (the wrapper's `internal_error`), not a core error.
pub(crate) fn parsed(text: &str) -> std::result::Result<JsValue, JsValue> {
    JSON::parse(text)
}
