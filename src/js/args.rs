//! Reading the JSON objects that cross the boundary as objects (the config, a grant, a token set,
//! a retry policy), with the core's JSON reader.
//!
//! Every field is checked here so that wrong JS types become a typed [`Error`] (`invalid_parameter`, or `invalid_config` for configuration fields),
//! never a panic (a panic aborts the whole wasm module).

use tsunagi_core::json::{self, Json, JsonObject};
use tsunagi_core::time::Timestamp;
use tsunagi_core::{Error, ErrorCode, Result};

/// The largest integer a JS number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// A JSON object read field by field; `what` names it in messages ("config", "grant", …).
pub(crate) struct Args<'a> {
    map: &'a JsonObject,
    what: &'a str,
    code: ErrorCode,
}

/// Parses the JSON text `text` (an object) as the call's arguments.
pub(crate) fn parse(text: &str) -> Result<JsonObject> {
    match json::parse(text) {
        Ok(Json::Object(map)) => Ok(map),
        _ => Err(Error::new(ErrorCode::InvalidParameter, "the arguments must be a JSON object")),
    }
}

impl<'a> Args<'a> {
    /// Fields of `map`, reported as `what.field` with `code` on a wrong type.
    pub(crate) fn new(map: &'a JsonObject, what: &'a str, code: ErrorCode) -> Self {
        Args { map, what, code }
    }

    /// The object itself.
    pub(crate) fn map(&self) -> &'a JsonObject {
        self.map
    }

    /// The object in field `key` (required), with its own name and error code.
    #[cfg_attr(not(feature = "oidc"), allow(dead_code))] // config.metadata
    pub(crate) fn object(&self, key: &str, what: &'a str, code: ErrorCode) -> Result<Args<'a>> {
        match self.map.get(key) {
            Some(Json::Object(map)) => Ok(Args { map, what, code }),
            _ => Err(Error::new(code, format!("{what} must be an object"))),
        }
    }

    /// The object in field `key`, if present and not null.
    #[cfg_attr(not(feature = "oidc"), allow(dead_code))] // config.metadata
    pub(crate) fn opt_object(&self, key: &str, what: &'a str, code: ErrorCode) -> Result<Option<Args<'a>>> {
        match self.map.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(_) => self.object(key, what, code).map(Some),
        }
    }

    /// The raw value of field `key`.
    pub(crate) fn value(&self, key: &str) -> Option<&'a Json> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn wrong(&self, key: &str, expected: &str) -> Error {
        Error::new(self.code, format!("{}.{key} must be {expected}", self.what))
    }

    /// A required string.
    pub(crate) fn str(&self, key: &str) -> Result<&'a str> {
        self.opt_str(key)?.ok_or_else(|| self.wrong(key, "a string"))
    }

    /// An optional string (absent or null → `None`).
    pub(crate) fn opt_str(&self, key: &str) -> Result<Option<&'a str>> {
        match self.map.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.wrong(key, "a string")),
        }
    }

    /// An optional boolean.
    #[cfg_attr(not(feature = "oidc"), allow(dead_code))] // config.metadata
    pub(crate) fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        match self.map.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong(key, "a boolean")),
        }
    }

    /// An optional non-negative integer (a JS number; fractions are truncated).
    pub(crate) fn opt_u64(&self, key: &str) -> Result<Option<u64>> {
        match self.map.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Number(n)) => match n.to_u64_saturating() {
                Some(u) if u <= MAX_SAFE_INTEGER => Ok(Some(u)),
                _ => Err(self.wrong(key, "a non-negative number")),
            },
            Some(_) => Err(self.wrong(key, "a non-negative number")),
        }
    }

    /// An optional epoch-milliseconds time.
    pub(crate) fn opt_time(&self, key: &str) -> Result<Option<Timestamp>> {
        Ok(self.opt_u64(key)?.map(Timestamp::from_millis))
    }

    /// A string or an array of strings (absent or null → empty), e.g. RFC 8707's repeatable `resource`.
    #[cfg(feature = "lowlevel")]
    pub(crate) fn strings(&self, key: &str) -> Result<Vec<String>> {
        match self.map.get(key) {
            None | Some(Json::Null) => Ok(Vec::new()),
            Some(Json::String(s)) => Ok(vec![s.clone()]),
            Some(Json::Array(items)) => {
                items.iter().map(|v| v.as_str().map(str::to_owned).ok_or_else(|| self.wrong(key, "a string or an array of strings"))).collect()
            }
            Some(_) => Err(self.wrong(key, "a string or an array of strings")),
        }
    }
}
