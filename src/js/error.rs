//! [`Error`] → the JSON the wrapper turns into a `TsunagiError`. Only fields the core already
//! scrubbed cross (never a secret, code or token).

use serde_json::{Map, Value};
use tsunagi_core::Error;

/// `{ code, message, status?, requestId?, oauthError?, description?, errorUri?, bodyExcerpt?,
/// refreshExpiredAt?, retryAfterMs?, requiresReauthorization }` as JSON text.
pub(crate) fn to_json(e: &Error) -> String {
    let mut m = Map::new();
    m.insert("code".into(), Value::from(e.code().as_str()));
    m.insert("message".into(), Value::from(e.message()));
    let mut opt = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    };
    opt("status", e.status().map(Value::from));
    opt("requestId", e.request_id().map(Value::from));
    opt("oauthError", e.oauth_error().map(Value::from));
    opt("description", e.description().map(Value::from));
    opt("errorUri", e.error_uri().map(Value::from));
    opt("bodyExcerpt", e.body_excerpt().map(Value::from));
    opt("refreshExpiredAt", e.refresh_expired_at().map(|t| Value::from(t.as_millis())));
    opt("retryAfterMs", e.retry_after_ms().map(Value::from));
    m.insert("requiresReauthorization".into(), Value::from(e.requires_reauthorization()));
    Value::Object(m).to_string()
}
