//! [`Error`] → the JSON the wrapper turns into a `TsunagiError`. Only fields the core already
//! scrubbed cross (never a secret, code or token).

use tsunagi_core::Error;

/// `{ code, message, status?, requestId?, oauthError?, description?, errorUri?, bodyExcerpt?,
/// refreshExpiredAt?, retryAfterMs?, requiresReauthorization }` as JSON text: the core's
/// [`ErrorFields`](tsunagi_core::ErrorFields), the one error shape of every boundary.
pub(crate) fn to_json(e: &Error) -> String {
    e.fields().to_json()
}
