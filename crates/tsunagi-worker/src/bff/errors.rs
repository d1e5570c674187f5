//! How the Worker answers an error: the HTTP status for each error code, the JSON error body (with
//! the upstream details and whether to sign in again) and the header that marks the Worker's own
//! answers.

use tsunagi_core::json::ObjectWriter;
use tsunagi_core::{Error, ErrorCode};

/// Set on the Worker's own error answers (its value is the error code), never on a provider's
/// answer passed through: a client can tell "the Worker refused" from "the API said 404".
pub const ERROR_HEADER: &str = "x-tsunagi-error";

/// The HTTP status the Worker answers with for `err`.
pub fn http_status(err: &Error) -> u16 {
    use ErrorCode as C;
    match err.code() {
        C::ForbiddenOrigin | C::CsrfHeaderMissing | C::AccessDenied | C::MethodRefused | C::ConnectionNotAllowed | C::PathRefused | C::TokenBound => 403,
        C::SessionMissing | C::AdminUnauthorized | C::LoginRequired | C::RefreshTokenInvalid | C::RefreshTokenExpired | C::InvalidGrant | C::Unauthorized => {
            401
        }
        C::NotFound => 404,
        C::MethodNotAllowed => 405,
        // the browser's request body is too large; a provider's answer (it carries the upstream
        // status) is a bad gateway
        C::BodyTooLarge if err.status().is_some() => 502,
        C::BodyTooLarge => 413,
        C::RateLimited => 429,
        C::Timeout => 504,
        C::InvalidParameter | C::InvalidUrl | C::StateMissing | C::StateMismatch | C::CallbackInvalid | C::AuthorizationCodeInvalid | C::ValidationFailed => {
            400
        }
        // a callback that is not this sign-in's answer (RFC 9207 mix-up, OIDC nonce), like `state`;
        // an id_token whose signature fails came from the provider's side: a bad gateway (below)
        C::IssuerMismatch | C::IssuerMissing | C::NonceMismatch => 400,
        C::ConfigMissing | C::ConfigInvalid | C::InvalidConfig | C::InvalidEndpoint | C::InvalidRedirectUri | C::UnsupportedOperation => 500,
        C::Forbidden => 403,
        C::Locked => 423,
        C::Problem | C::HttpError => match err.status() {
            Some(s) if (400..500).contains(&s) => s,
            _ => 502,
        },
        // the provider refused or failed the Worker's own request: a bad gateway for the browser
        _ => 502,
    }
}

/// The JSON error body: `{"error": code, "message", "upstream_status"?, "request_id"?,
/// "retry_after_ms"?, "description"?, "requires_reauthorization"}` — the upstream status, the
/// provider's request id, its scrubbed text, and whether to sign in again ([`requires_sign_in`]).
pub fn error_body(err: &Error) -> String {
    let mut w = ObjectWriter::new();
    w.str("error", err.code().as_str()).str("message", err.message());
    w.opt_u64("upstream_status", err.status().map(u64::from)).opt_str("request_id", err.request_id());
    w.opt_u64("retry_after_ms", err.retry_after_ms()).opt_str("description", err.description());
    w.bool("requires_reauthorization", requires_sign_in(err));
    w.finish()
}

/// Whether the browser must send the user through `/auth/{provider}/login` again: the core's
/// re-authorization codes, and no session at all.
pub fn requires_sign_in(err: &Error) -> bool {
    err.requires_reauthorization() || err.code() == ErrorCode::SessionMissing
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn statuses_and_bodies() {
        let s = |c| http_status(&Error::new(c, "x"));
        assert_eq!((s(ErrorCode::ForbiddenOrigin), s(ErrorCode::CsrfHeaderMissing), s(ErrorCode::SessionMissing)), (403, 403, 401));
        assert_eq!((s(ErrorCode::UpstreamError), s(ErrorCode::TokenResponseInvalid), s(ErrorCode::Transport), s(ErrorCode::Timeout)), (502, 502, 502, 504));
        assert_eq!((s(ErrorCode::IssuerMismatch), s(ErrorCode::NonceMismatch), s(ErrorCode::IdTokenSignatureInvalid)), (400, 400, 502));
        assert_eq!((s(ErrorCode::ConfigMissing), s(ErrorCode::InvalidParameter), s(ErrorCode::StateMismatch)), (500, 400, 400));
        assert_eq!((s(ErrorCode::RefreshTokenInvalid), s(ErrorCode::NotFound), s(ErrorCode::BodyTooLarge)), (401, 404, 413));
        assert_eq!(http_status(&Error::new(ErrorCode::BodyTooLarge, "x").with_status(200)), 502, "an upstream answer too large");
        assert_eq!(http_status(&Error::new(ErrorCode::HttpError, "x").with_status(307)), 502, "an upstream redirect");
        let body: Value = serde_json::from_str(&error_body(&Error::new(ErrorCode::SessionMissing, "sign in"))).unwrap_or_default();
        assert_eq!(body["error"], "session_missing");
        assert_eq!(body["message"], "sign in");
        assert_eq!(body["requires_reauthorization"], true);
        let body: Value = serde_json::from_str(&error_body(&Error::new(ErrorCode::RefreshTokenExpired, "x"))).unwrap_or_default();
        assert_eq!(body["requires_reauthorization"], true);
        let body: Value = serde_json::from_str(&error_body(&Error::new(ErrorCode::RateLimited, "x").with_retry_after_ms(Some(1500)))).unwrap_or_default();
        assert_eq!((body["requires_reauthorization"].as_bool(), body["retry_after_ms"].as_u64()), (Some(false), Some(1500)));
    }
}
