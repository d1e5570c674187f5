//! Typed reads of members of a JSON object, for the documents the OpenID Connect parts read
//! (server metadata, JWKS, JOSE headers, id_token claims): one place that knows the JSON value
//! type, so the rest of those modules only asks for strings, lists, booleans and numbers.

// without `oidc` only `object` and `has` are used (the token response's scope)
#![cfg_attr(not(feature = "oidc"), allow(dead_code))]

use crate::json::{self, Json, JsonObject, Number};

/// A parsed JSON object.
pub(crate) type Object = JsonObject;

/// `text` as a JSON object (strict JSON, RFC 8259), or `None`.
pub(crate) fn object(text: &str) -> Option<Object> {
    match json::parse(text.trim_start_matches('\u{feff}')) {
        Ok(Json::Object(map)) => Some(map),
        _ => None,
    }
}

/// Whether `key` is present (any type, `null` included).
pub(crate) fn has(obj: &Object, key: &str) -> bool {
    obj.contains_key(key)
}

/// A string member: `Ok(None)` when absent, `Err(())` when present but not a string.
pub(crate) fn string<'a>(obj: &'a Object, key: &str) -> Result<Option<&'a str>, ()> {
    match obj.get(key) {
        None => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(_) => Err(()),
    }
}

/// A list of strings: `Ok(empty)` when absent; a single string counts as a one-element list
/// when `single_ok` (an id_token's `aud`, OIDC Core §2); `Err(())` for anything else.
pub(crate) fn strings(obj: &Object, key: &str, single_ok: bool) -> Result<Vec<String>, ()> {
    match obj.get(key) {
        None => Ok(Vec::new()),
        Some(Json::String(s)) if single_ok => Ok(vec![s.clone()]),
        Some(Json::Array(items)) => items.iter().map(|v| v.as_str().map(str::to_owned).ok_or(())).collect(),
        Some(_) => Err(()),
    }
}

/// A boolean member: `Ok(None)` when absent.
pub(crate) fn boolean(obj: &Object, key: &str) -> Result<Option<bool>, ()> {
    match obj.get(key) {
        None => Ok(None),
        Some(Json::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(()),
    }
}

/// A NumericDate (RFC 7519 §2: seconds, possibly fractional, here truncated): `Ok(None)` when
/// absent, `Err(())` for anything not a finite number.
pub(crate) fn seconds(obj: &Object, key: &str) -> Result<Option<i64>, ()> {
    match obj.get(key) {
        None => Ok(None),
        Some(Json::Number(n)) => Ok(Some(Number::to_i64_saturating(n))),
        Some(_) => Err(()),
    }
}

/// The members named in `keys` that are strings, as a new object's JSON text (a public JWK
/// without private or unknown members).
pub(crate) fn pick_strings(obj: &Object, keys: &[&str]) -> String {
    let mut w = json::ObjectWriter::new();
    for key in keys {
        if let Some(v) = obj.get_str(key) {
            w.str(key, v);
        }
    }
    w.finish()
}

/// The elements of an array member that are objects (`None` when the member is not an array).
pub(crate) fn objects<'a>(obj: &'a Object, key: &str) -> Option<Vec<&'a Object>> {
    match obj.get(key) {
        Some(Json::Array(items)) => Some(items.iter().filter_map(Json::as_object).collect()),
        _ => None,
    }
}
