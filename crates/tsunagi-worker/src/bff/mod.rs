//! Backend-for-frontend rules as pure functions (RFC 10017 §6.1), used by the Cloudflare Worker
//! (`worker` feature) and testable natively, one job per file:
//!
//! - `keys.rs`: HMAC-SHA256 and the keys derived from `SESSION_KEY` ([`SessionKeys`]), with the
//!   associated data of sealed records and sign-in cookies;
//! - `cookie.rs`: the session cookie (HMAC-signed, `__Host-` prefix) and its binding cookie,
//!   `Cookie` header parsing, the `Set-Cookie` values and the sign-in cookie;
//! - `pending.rs`: the pending-login record the sign-in cookie carries ([`PendingLogin`]);
//! - `return_to.rs`: `return_to` checks (no open redirect);
//! - `failed_sign_in.rs`: where a browser goes when its sign-in fails at the callback
//!   ([`failed_sign_in_location`]) and which requests get the JSON error instead;
//! - `origins.rs`: the origin allowlist ([`OriginPolicy`]), the anti-CSRF header and the request
//!   [`guard`];
//! - `headers.rs`: CORS headers, and which upstream response headers may reach the browser;
//! - `session_view.rs`: the `/session` view (never a token) and when a session ends;
//! - `errors.rs`: HTTP statuses and JSON bodies for error codes;
//! - `access.rs`: a connection's access rules (methods and path prefixes, [`AccessRules`]);
//! - `admin.rs`: the admin routes' secret header ([`check_admin`]).
//!
//! Nothing here does I/O or reads the clock. Everything is re-exported here: callers write
//! `bff::verify_cookie`, not `bff::cookie::verify_cookie`.

mod access;
mod admin;
mod cookie;
mod errors;
mod failed_sign_in;
mod headers;
mod keys;
mod origins;
mod pending;
mod return_to;
mod session_view;

pub use access::{AccessRules, DEFAULT_METHODS, METHODS};
pub use admin::{check_admin, ADMIN_HEADER, MIN_ADMIN_TOKEN_LEN};
pub use cookie::{
    binding_cookie_header, binding_matches, binding_value, clear_cookie_header, cookie_value, login_cookie_header, login_cookie_name, renewed_cookie,
    session_id_from_entropy, set_cookie_header, sign_cookie, verify_cookie, VerifiedCookie, BINDING_COOKIE_NAME, BINDING_COOKIE_SECS, COOKIE_NAME,
    MAX_COOKIE_HEADER_LEN, SPENT_LOGIN,
};
pub use errors::{error_body, http_status, requires_sign_in, ERROR_HEADER};
pub use failed_sign_in::{failed_sign_in_location, is_navigation, CONNECTION_PARAM, ERROR_PARAM};
pub use headers::{cors_headers, forwardable_response_header, preflight_headers, EXPOSED_HEADERS, FORWARDABLE_HEADERS, FORWARDABLE_PREFIX};
pub use keys::{hmac_sha256, SessionKeys, MIN_SESSION_KEY_LEN};
pub use origins::{guard, OriginPolicy, RouteKind, CSRF_HEADER, CSRF_HEADER_VALUE};
pub use pending::{PendingLogin, PENDING_LOGIN_SECS};
pub use return_to::{check_return_to, MAX_RETURN_TO_LEN};
pub use session_view::{session_expiry, session_view};
