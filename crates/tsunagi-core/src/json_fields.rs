//! Typed reads of members of a JSON object, for the documents the OpenID Connect parts read
//! (server metadata, JWKS, JOSE headers, id_token claims): one place that knows the JSON value
//! type, so the rest of those modules only asks for strings, lists, booleans and numbers.

use serde_json::{Map, Value};

/// A parsed JSON object.
pub(crate) type Object = Map<String, Value>;

/// `text` as a JSON object (strict JSON, RFC 8259), or `None`.
pub(crate) fn object(text: &str) -> Option<Object> {
    match serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')) {
        Ok(Value::Object(map)) => Some(map),
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
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(()),
    }
}

/// A list of strings: `Ok(empty)` when absent; a single string counts as a one-element list
/// when `single_ok` (an id_token's `aud`, OIDC Core §2); `Err(())` for anything else.
pub(crate) fn strings(obj: &Object, key: &str, single_ok: bool) -> Result<Vec<String>, ()> {
    match obj.get(key) {
        None => Ok(Vec::new()),
        Some(Value::String(s)) if single_ok => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items.iter().map(|v| v.as_str().map(str::to_owned).ok_or(())).collect(),
        Some(_) => Err(()),
    }
}

/// A boolean member: `Ok(None)` when absent.
pub(crate) fn boolean(obj: &Object, key: &str) -> Result<Option<bool>, ()> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(()),
    }
}

/// A NumericDate (RFC 7519 §2: seconds, possibly fractional, here truncated): `Ok(None)` when
/// absent, `Err(())` for anything not a finite number.
pub(crate) fn seconds(obj: &Object, key: &str) -> Result<Option<i64>, ()> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)).map(Some).ok_or(()),
        Some(_) => Err(()),
    }
}

/// The members named in `keys` that are strings, as a new object's JSON text (a public JWK
/// without private or unknown members).
pub(crate) fn pick_strings(obj: &Object, keys: &[&str]) -> String {
    // inserted one by one: collecting into the map would link a sort for a handful of members
    let mut picked = Object::new();
    for key in keys {
        if let Some(v @ Value::String(_)) = obj.get(*key) {
            picked.insert((*key).to_owned(), v.clone());
        }
    }
    Value::Object(picked).to_string()
}

/// The elements of an array member that are objects (`None` when the member is not an array).
pub(crate) fn objects<'a>(obj: &'a Object, key: &str) -> Option<Vec<&'a Object>> {
    match obj.get(key) {
        Some(Value::Array(items)) => Some(items.iter().filter_map(Value::as_object).collect()),
        _ => None,
    }
}
