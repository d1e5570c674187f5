//! Backend-for-frontend rules as pure functions (RFC 10017 §6.1), used by the Cloudflare Worker
//! (`worker` feature) and testable natively: the session cookie (HMAC-signed, `__Host-` prefix),
//! key derivation from `SESSION_KEY`, `return_to` checks (no open redirect), the origin allowlist
//! and anti-CSRF header, CORS headers, the pending-login record, which upstream response headers
//! may reach the browser, the `/session` view (never a token) and HTTP statuses for error codes.
//!
//! Nothing here does I/O or reads the clock.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use tsunagi_core::base64url;
use tsunagi_core::jwt::decode_claims_unverified;
use tsunagi_core::pkce::PkceVerifier;
use tsunagi_core::state::{constant_time_eq, State};
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_set::TokenSet;
use tsunagi_core::{Error, ErrorCode, Result};

/// The session cookie's name. `__Host-`: `Secure`, `Path=/`, no `Domain` (RFC 6265bis §4.1.3.2).
pub const COOKIE_NAME: &str = "__Host-tsunagi";
/// The anti-CSRF request header (RFC 10017 §6.1.3.2): a static custom header that a cross-origin
/// form or image cannot send, and a cross-origin `fetch` only after a CORS preflight.
pub const CSRF_HEADER: &str = "x-tsunagi";
/// The only accepted value of [`CSRF_HEADER`].
pub const CSRF_HEADER_VALUE: &str = "1";
/// How long a login may take between `/login` and `/callback`.
pub const PENDING_LOGIN_SECS: u64 = 600;
/// Minimum length of `SESSION_KEY` in bytes.
pub const MIN_SESSION_KEY_LEN: usize = 32;
/// Longest accepted `return_to`.
pub const MAX_RETURN_TO_LEN: usize = 2048;
/// Longest accepted `Cookie` header.
pub const MAX_COOKIE_HEADER_LEN: usize = 8192;

const BLOCK: usize = 64;

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        let digest = Sha256::digest(key);
        for (b, k) in block.iter_mut().zip(digest.iter()) {
            *b = *k;
        }
    } else {
        for (b, k) in block.iter_mut().zip(key.iter()) {
            *b = *k;
        }
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// Purpose-bound 256-bit keys derived from `SESSION_KEY`: `HMAC-SHA256(SESSION_KEY, "tsunagi/v1/" + purpose)`
/// (one HKDF-Expand block with the secret as PRK). Purposes: `cookie` (cookie MAC), `storage`
/// (AES-256-GCM key for token sets at rest), `object` (Durable Object names).
#[derive(Clone)]
pub struct SessionKeys {
    /// Key for the cookie MAC.
    pub cookie: [u8; 32],
    /// AES-256-GCM key for data at rest.
    pub storage: [u8; 32],
    /// Key for naming Durable Objects (names never reveal the session id or credentials).
    pub object: [u8; 32],
    /// Names the storage key in sealed records (8 hex characters of `HMAC(storage, "key-id")`), so
    /// a record sealed under another `SESSION_KEY` is told apart from a tampered one.
    pub key_id: String,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys([redacted])")
    }
}

impl SessionKeys {
    /// Derives the keys; `SESSION_KEY` missing → [`ErrorCode::ConfigMissing`], shorter than
    /// [`MIN_SESSION_KEY_LEN`] bytes → [`ErrorCode::InvalidConfig`].
    pub fn derive(session_key: Option<&str>) -> Result<Self> {
        let key = match session_key.map(str::trim) {
            None | Some("") => return Err(Error::new(ErrorCode::ConfigMissing, "SESSION_KEY is not set (wrangler secret put SESSION_KEY)")),
            Some(k) => k,
        };
        if key.len() < MIN_SESSION_KEY_LEN {
            return Err(Error::new(ErrorCode::InvalidConfig, "SESSION_KEY must be at least 32 bytes of random text"));
        }
        let k = |purpose: &str| hmac_sha256(key.as_bytes(), format!("tsunagi/v1/{purpose}").as_bytes());
        let storage = k("storage");
        let key_id = hmac_sha256(&storage, b"key-id").iter().take(4).map(|b| format!("{b:02x}")).collect();
        Ok(SessionKeys { cookie: k("cookie"), storage, object: k("object"), key_id })
    }

    /// The AES-GCM associated data of the record `record` kept by the Durable Object `object_id`:
    /// `tsunagi/v2|{key id}|{object id}|{record}`. A sealed record opens only in the object and
    /// slot it was written for, under the key that wrote it (docs/storage.md).
    pub fn record_aad(&self, object_id: &str, record: &str) -> String {
        format!("tsunagi/v2|{}|{object_id}|{record}", self.key_id)
    }

    /// The associated data of the sign-in cookie for `provider` ([`login_cookie_name`]).
    pub fn login_aad(&self, provider: &str) -> String {
        format!("tsunagi/v2|{}|login|{provider}", self.key_id)
    }

    /// A stable, non-reversible object name for `label` (e.g. `session:{id}`, `legalon:{credentials}`).
    pub fn object_name(&self, label: &str) -> String {
        base64url::encode(&hmac_sha256(&self.object, label.as_bytes()))
    }
}

/// A session id from 32 bytes of entropy (43 base64url characters).
pub fn session_id_from_entropy(entropy: &[u8; 32]) -> String {
    base64url::encode(entropy)
}

/// The signed cookie value `{session_id}.{expires_at_secs}.{mac}`; the MAC covers both fields,
/// so neither the id nor the expiry can be forged or extended.
pub fn sign_cookie(keys: &SessionKeys, session_id: &str, expires_at: Timestamp) -> String {
    let payload = format!("{session_id}.{}", expires_at.as_secs());
    let mac = base64url::encode(&hmac_sha256(&keys.cookie, payload.as_bytes()));
    format!("{payload}.{mac}")
}

/// A verified session cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCookie {
    /// The session id.
    pub session_id: String,
    /// When the cookie stops being accepted.
    pub expires_at: Timestamp,
}

/// Verifies a cookie value: shape, MAC (constant time), expiry. Any failure is
/// [`ErrorCode::SessionMissing`] (the message says which, never the value).
pub fn verify_cookie(keys: &SessionKeys, value: &str, now: Timestamp) -> Result<VerifiedCookie> {
    let missing = |why: &str| Error::new(ErrorCode::SessionMissing, format!("session cookie {why}: sign in again"));
    let mut parts = value.split('.');
    let (Some(id), Some(exp), Some(mac), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(missing("is malformed"));
    };
    if id.len() != 43 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(missing("is malformed"));
    }
    let exp_secs: u64 = exp.parse().map_err(|_| missing("is malformed"))?;
    let expected = base64url::encode(&hmac_sha256(&keys.cookie, format!("{id}.{exp}").as_bytes()));
    if !constant_time_eq(expected.as_bytes(), mac.as_bytes()) {
        return Err(missing("has a bad signature"));
    }
    let expires_at = Timestamp::from_secs(exp_secs);
    if now >= expires_at {
        return Err(missing("has expired"));
    }
    Ok(VerifiedCookie { session_id: id.to_owned(), expires_at })
}

/// The value of the cookie `name` in a `Cookie` request header. `None` when absent, when the
/// header is oversized, or when the name appears more than once (cookie tossing: refuse to pick).
pub fn cookie_value<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    if cookie_header.len() > MAX_COOKIE_HEADER_LEN {
        return None;
    }
    let mut found = None;
    for pair in cookie_header.split(';') {
        let Some((k, v)) = pair.split_once('=') else { continue };
        if k.trim() == name {
            if found.is_some() {
                return None;
            }
            found = Some(v.trim().trim_matches('"'));
        }
    }
    found
}

/// `Set-Cookie` for the session: `__Host-tsunagi={value}; Path=/; Secure; HttpOnly;
/// SameSite=Lax; Max-Age={secs}`. Lax, not Strict: the OAuth callback is a cross-site top-level
/// navigation from the provider, and a Strict cookie would not be sent on it, so the pending login
/// could not be found (see docs/storage.md). CSRF is stopped by the header and origin checks.
pub fn set_cookie_header(value: &str, max_age_secs: u64) -> String {
    cookie_header(COOKIE_NAME, value, max_age_secs)
}

/// `Set-Cookie` that deletes the session cookie.
pub fn clear_cookie_header() -> String {
    cookie_header(COOKIE_NAME, "", 0)
}

fn cookie_header(name: &str, value: &str, max_age_secs: u64) -> String {
    format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}")
}

/// The cookie that carries a sign-in in progress for `provider` from `/login` to `/callback`:
/// `__Host-tsunagi-login-{provider}`. Its value is the [`PendingLogin`] sealed (AES-256-GCM, bound
/// to the provider by [`SessionKeys::login_aad`]) — no server-side state exists before a sign-in
/// completes — and, once the callback has used it, [`SPENT_LOGIN`].
pub fn login_cookie_name(provider: &str) -> String {
    format!("__Host-tsunagi-login-{provider}")
}

/// The value a sign-in cookie takes once its callback ran, whatever the outcome (single use): a
/// second callback in the same browser is told the sign-in is over, not that none was started.
pub const SPENT_LOGIN: &str = "spent";

/// `Set-Cookie` for the sign-in cookie of `provider` (lives [`PENDING_LOGIN_SECS`]).
pub fn login_cookie_header(provider: &str, value: &str) -> String {
    cookie_header(&login_cookie_name(provider), value, PENDING_LOGIN_SECS)
}

/// Checks `return_to`: a same-origin relative path (`/…`) only. Rejects scheme-relative
/// (`//evil`), backslash (`/\evil`, browsers read `\` as `/`), absolute URLs, control characters
/// and whitespace, and the percent-encoded forms of all of these. `None` or empty → `/`.
pub fn check_return_to(raw: Option<&str>) -> Result<String> {
    let bad = |why: &str| Error::new(ErrorCode::InvalidParameter, format!("return_to {why}"));
    let value = match raw {
        None | Some("") => return Ok("/".to_owned()),
        Some(v) => v,
    };
    if value.len() > MAX_RETURN_TO_LEN {
        return Err(bad("is too long"));
    }
    let decoded = percent_decode_lossy(value);
    for candidate in [value, decoded.as_str(), percent_decode_lossy(&decoded).as_str()] {
        if !candidate.starts_with('/') {
            return Err(bad("must be a path starting with '/'"));
        }
        if candidate.starts_with("//") || candidate.contains('\\') {
            return Err(bad("must not start with '//' or contain '\\'"));
        }
        if candidate.chars().any(char::is_control) {
            return Err(bad("must not contain control characters"));
        }
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("must be printable ASCII (percent-encode the rest)"));
    }
    Ok(value.to_owned())
}

fn percent_decode_lossy(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The origins allowed to call the Worker with credentials (`ALLOWED_ORIGINS`: comma- or
/// space-separated `scheme://host[:port]`). `*` is refused: credentials need exact origins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OriginPolicy {
    origins: Vec<String>,
}

impl OriginPolicy {
    /// Parses the list; a malformed entry is [`ErrorCode::InvalidConfig`].
    pub fn parse(list: &str) -> Result<Self> {
        let mut origins = Vec::new();
        for entry in list.split([',', ' ', '\n', '\t']).map(str::trim).filter(|e| !e.is_empty()) {
            let normalized = entry.trim_end_matches('/').to_ascii_lowercase();
            let ok = match normalized.split_once("://") {
                Some(("https" | "http", rest)) => !rest.is_empty() && !rest.contains(['/', '?', '#', '@', '*', '\\']),
                _ => false,
            };
            if !ok {
                return Err(Error::new(ErrorCode::InvalidConfig, format!("ALLOWED_ORIGINS entry '{entry}' is not an origin like https://app.example.com")));
            }
            origins.push(normalized);
        }
        Ok(OriginPolicy { origins })
    }

    /// Whether `origin` (the `Origin` header) is listed (scheme and host case-insensitive).
    pub fn allows(&self, origin: &str) -> bool {
        let o = origin.trim().to_ascii_lowercase();
        self.origins.contains(&o)
    }

    /// The allowed origins.
    pub fn origins(&self) -> &[String] {
        &self.origins
    }
}

/// Which family a route belongs to, for the request guard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteKind {
    /// `/api/…`: always needs the header.
    Api,
    /// `/token/…`: always needs the header.
    Token,
    /// Any other route.
    Other,
}

/// The request guard (RFC 10017 §6.1.3.2): `/api`, `/token` and every non-GET/HEAD request need
/// `X-Tsunagi: 1`; any request carrying an `Origin` needs it allowlisted (`Origin: null` never is).
/// Checked before anything is read from or written to storage.
pub fn guard(policy: &OriginPolicy, kind: RouteKind, method: &str, origin: Option<&str>, csrf_header: Option<&str>) -> Result<()> {
    if let Some(o) = origin {
        if !policy.allows(o) {
            return Err(Error::new(ErrorCode::ForbiddenOrigin, "this origin is not allowed (ALLOWED_ORIGINS)"));
        }
    }
    let safe_method = method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD");
    let needs_header = matches!(kind, RouteKind::Api | RouteKind::Token) || !safe_method;
    if needs_header && csrf_header.map(str::trim) != Some(CSRF_HEADER_VALUE) {
        return Err(Error::new(ErrorCode::CsrfHeaderMissing, "send the header 'X-Tsunagi: 1' with this request"));
    }
    Ok(())
}

/// Headers exposed to cross-origin scripts on an allowed origin.
pub const EXPOSED_HEADERS: &str = "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Tsunagi-Error";

/// Set on the Worker's own error answers (its value is the error code), never on a provider's
/// answer passed through: a client can tell "the Worker refused" from "the API said 404".
pub const ERROR_HEADER: &str = "x-tsunagi-error";

/// CORS response headers for an allowed `origin` (with credentials).
pub fn cors_headers(origin: &str) -> Vec<(String, String)> {
    vec![
        ("access-control-allow-origin".to_owned(), origin.to_owned()),
        ("access-control-allow-credentials".to_owned(), "true".to_owned()),
        ("access-control-expose-headers".to_owned(), EXPOSED_HEADERS.to_owned()),
        ("vary".to_owned(), "Origin".to_owned()),
    ]
}

/// Headers of a successful preflight for an allowed `origin`.
pub fn preflight_headers(origin: &str) -> Vec<(String, String)> {
    let mut h = cors_headers(origin);
    h.push(("access-control-allow-methods".to_owned(), "GET, POST, PUT, PATCH, DELETE".to_owned()));
    h.push(("access-control-allow-headers".to_owned(), "X-Tsunagi, Content-Type, Accept".to_owned()));
    h.push(("access-control-max-age".to_owned(), "600".to_owned()));
    h
}

/// Upstream API response headers passed back to the browser. Everything else — `Set-Cookie`
/// above all — is dropped.
pub fn forwardable_response_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(n.as_str(), "content-type" | "x-request-id" | "retry-after" | "cache-control" | "etag" | "last-modified" | "content-language")
        || n.starts_with("x-ratelimit-")
}

/// A sign-in in progress, sealed into the browser's sign-in cookie ([`login_cookie_name`]) until
/// the callback (single use: the callback spends the cookie whatever the outcome).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// `lawvu` or `logiless`.
    pub provider: String,
    /// The state sent to the provider.
    pub state: State,
    /// The PKCE verifier, when the profile uses PKCE.
    pub pkce_verifier: Option<PkceVerifier>,
    /// Where to send the browser afterwards (checked by [`check_return_to`]).
    pub return_to: String,
    /// When the login stops being accepted.
    pub expires_at: Timestamp,
}

impl PendingLogin {
    /// Whether the login may still complete at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

/// When a session holding these token sets ends: the latest refresh-token expiry (a set without
/// a refresh token lives as long as its access token). `None` if nothing is held.
pub fn session_expiry<'a>(sets: impl IntoIterator<Item = &'a TokenSet>) -> Option<Timestamp> {
    sets.into_iter().filter_map(|t| if t.refresh_token.is_some() { t.refresh_expires_at } else { t.expires_at }).max()
}

/// What `/session` shows for one provider: who, decoded claims (LawVu JWTs), expiries — never a
/// token. Only the documented identity fields of the token response are copied.
pub fn session_view(tokens: &TokenSet) -> Value {
    let mut v = Map::new();
    if let Ok(claims) = decode_claims_unverified(tokens.access_token.secret()) {
        let mut c = Map::new();
        for key in ["sub", "name", "organisationId", "email", "exp", "iat", "client_id"] {
            if let Some(val) = claims.raw.get(key) {
                c.insert(key.to_owned(), val.clone());
            }
        }
        v.insert("claims".to_owned(), Value::Object(c));
    }
    for key in ["userName", "userId", "emailDomain"] {
        if let Some(val) = tokens.extra.get(key).filter(|x| x.is_string()) {
            v.insert(key.to_owned(), val.clone());
        }
    }
    let ms = |t: Option<Timestamp>| t.map(|t| json!(t.as_millis())).unwrap_or(Value::Null);
    v.insert("access_expires_at".to_owned(), ms(tokens.expires_at));
    v.insert("refresh_expires_at".to_owned(), ms(tokens.refresh_expires_at));
    v.insert("scope".to_owned(), tokens.scope.clone().map(Value::String).unwrap_or(Value::Null));
    // fingerprints (8 hex characters of SHA-256) let a page show rotation without the tokens
    v.insert("access_fingerprint".to_owned(), json!(tokens.access_token.fingerprint()));
    v.insert("refresh_fingerprint".to_owned(), tokens.refresh_token.as_ref().map(|r| json!(r.fingerprint())).unwrap_or(Value::Null));
    Value::Object(v)
}

/// The HTTP status the Worker answers with for `err`.
pub fn http_status(err: &Error) -> u16 {
    use ErrorCode as C;
    match err.code() {
        C::ForbiddenOrigin | C::CsrfHeaderMissing | C::AccessDenied | C::MethodRefused | C::ConnectionNotAllowed => 403,
        C::SessionMissing | C::LoginRequired | C::RefreshTokenInvalid | C::RefreshTokenExpired | C::InvalidGrant | C::Unauthorized => 401,
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
        C::ConfigMissing | C::InvalidConfig | C::InvalidEndpoint | C::InvalidRedirectUri | C::UnsupportedOperation => 500,
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
    let mut v = Map::new();
    v.insert("error".to_owned(), Value::String(err.code().as_str().to_owned()));
    v.insert("message".to_owned(), Value::String(err.message().to_owned()));
    if let Some(s) = err.status() {
        v.insert("upstream_status".to_owned(), json!(s));
    }
    if let Some(id) = err.request_id() {
        v.insert("request_id".to_owned(), Value::String(id.to_owned()));
    }
    if let Some(ms) = err.retry_after_ms() {
        v.insert("retry_after_ms".to_owned(), json!(ms));
    }
    if let Some(d) = err.description() {
        v.insert("description".to_owned(), Value::String(d.to_owned()));
    }
    v.insert("requires_reauthorization".to_owned(), Value::Bool(requires_sign_in(err)));
    Value::Object(v).to_string()
}

/// Whether the browser must send the user through `/auth/{provider}/login` again: the core's
/// re-authorization codes, and no session at all.
pub fn requires_sign_in(err: &Error) -> bool {
    err.requires_reauthorization() || err.code() == ErrorCode::SessionMissing
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsunagi_core::secret::{AccessToken, RefreshToken};

    fn keys() -> SessionKeys {
        SessionKeys::derive(Some("0123456789abcdef0123456789abcdef")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn hmac_rfc4231_vectors() {
        assert_eq!(hex(&hmac_sha256(&[0x0b; 20], b"Hi There")), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        assert_eq!(hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // key longer than the block size is hashed first (test case 6)
        assert_eq!(
            hex(&hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn session_key_is_required_and_long() {
        assert_eq!(SessionKeys::derive(None).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::ConfigMissing));
        assert_eq!(SessionKeys::derive(Some(" ")).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::ConfigMissing));
        assert_eq!(SessionKeys::derive(Some("short")).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig));
        let k = keys();
        assert_ne!(k.cookie, k.storage);
        assert_eq!(k.key_id.len(), 8);
        let other = SessionKeys::derive(Some("another-key-another-key-another-key")).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(k.key_id, other.key_id);
        assert_ne!(k.record_aad("obj-a", "tokens:lawvu"), k.record_aad("obj-b", "tokens:lawvu"));
        assert_ne!(k.record_aad("obj-a", "tokens:lawvu"), other.record_aad("obj-a", "tokens:lawvu"));
        assert_ne!(k.login_aad("lawvu"), k.login_aad("logiless"));
        assert_eq!(format!("{k:?}"), "SessionKeys([redacted])");
        assert_eq!(k.object_name("session:a"), keys().object_name("session:a"));
        assert_ne!(k.object_name("session:a"), k.object_name("session:b"));
    }

    #[test]
    fn cookies_sign_verify_and_reject_forgeries() {
        let k = keys();
        let id = session_id_from_entropy(&[7; 32]);
        let now = Timestamp::from_secs(1_000);
        let value = sign_cookie(&k, &id, now.plus_secs(60));
        let v = verify_cookie(&k, &value, now).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((v.session_id.as_str(), v.expires_at), (id.as_str(), now.plus_secs(60)));
        let code = |s: &str, at| verify_cookie(&k, s, at).map(|_| ()).map_err(|e| e.code());
        assert_eq!(code(&value, now.plus_secs(60)), Err(ErrorCode::SessionMissing), "expired");
        // extending the expiry breaks the MAC
        let extended = value.replacen(".1060.", ".9999999999.", 1);
        assert_eq!(code(&extended, now), Err(ErrorCode::SessionMissing));
        let other = SessionKeys::derive(Some("another-key-another-key-another-key")).unwrap_or_else(|e| panic!("{e}"));
        assert!(verify_cookie(&other, &value, now).is_err());
        for junk in ["", "a.b.c", "x", &format!("{value}.x"), &value.replace('.', "")] {
            assert_eq!(code(junk, now), Err(ErrorCode::SessionMissing), "{junk}");
        }
    }

    #[test]
    fn cookie_header_parsing() {
        assert_eq!(cookie_value("a=1; __Host-tsunagi=v.1.m; b=2", COOKIE_NAME), Some("v.1.m"));
        assert_eq!(cookie_value("__Host-tsunagi=a; __Host-tsunagi=b", COOKIE_NAME), None);
        assert_eq!(cookie_value("tsunagi=a", COOKIE_NAME), None);
        assert_eq!(cookie_value(&"a".repeat(MAX_COOKIE_HEADER_LEN + 1), COOKIE_NAME), None);
        let set = set_cookie_header("v", 60);
        for attr in ["__Host-tsunagi=v", "Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=60"] {
            assert!(set.contains(attr), "{set}");
        }
        assert!(!set.contains("Domain"));
        assert!(clear_cookie_header().contains("Max-Age=0"));
        let login = login_cookie_header("lawvu", "sealed");
        for attr in ["__Host-tsunagi-login-lawvu=sealed", "Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=600"] {
            assert!(login.contains(attr), "{login}");
        }
        assert_eq!(cookie_value("__Host-tsunagi=a; __Host-tsunagi-login-lawvu=b", &login_cookie_name("lawvu")), Some("b"));
        assert_eq!(cookie_value("__Host-tsunagi=a; __Host-tsunagi-login-lawvu=b", COOKIE_NAME), Some("a"));
    }

    #[test]
    fn return_to_is_same_origin_only() {
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "\\\\evil",
            "/%2F/evil.example",
            "/%2f%2fevil",
            "%2F%2Fevil",
            "/%5Cevil",
            "/%255C%255Cevil",
            "/%252F/evil",
            "javascript:alert(1)",
            "evil",
            "/a b",
            "/a\tb",
            "/%0d%0aSet-Cookie:x",
            "/\u{3042}",
            "/%09/evil.example",
        ] {
            assert_eq!(check_return_to(Some(bad)).map_err(|e| e.code()), Err(ErrorCode::InvalidParameter), "{bad}");
        }
        assert_eq!(check_return_to(Some(&format!("/{}", "a".repeat(MAX_RETURN_TO_LEN)))).map_err(|e| e.code()), Err(ErrorCode::InvalidParameter));
        for good in ["/", "/app", "/app/matters?id=7&tab=a%20b", "/#/dashboard", "/a/b/"] {
            assert_eq!(check_return_to(Some(good)).ok().as_deref(), Some(good), "{good}");
        }
        assert_eq!(check_return_to(None).ok().as_deref(), Some("/"));
    }

    #[test]
    fn origins_and_guard() {
        let p = OriginPolicy::parse("https://app.example.com, http://localhost:5173/").unwrap_or_else(|e| panic!("{e}"));
        assert!(p.allows("https://APP.example.com") && p.allows("http://localhost:5173"));
        assert!(!p.allows("https://evil.example") && !p.allows("null") && !p.allows("https://app.example.com.evil.example"));
        for bad in ["*", "app.example.com", "https://a.example/path", "ftp://a.example"] {
            assert_eq!(OriginPolicy::parse(bad).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig), "{bad}");
        }
        assert_eq!(OriginPolicy::parse("").map(|p| p.origins().len()).ok(), Some(0));
        let g = |kind, method, origin, header| guard(&p, kind, method, origin, header).map_err(|e| e.code());
        assert_eq!(g(RouteKind::Api, "GET", None, Some("1")), Ok(()));
        assert_eq!(g(RouteKind::Api, "GET", None, None), Err(ErrorCode::CsrfHeaderMissing));
        assert_eq!(g(RouteKind::Api, "GET", None, Some("true")), Err(ErrorCode::CsrfHeaderMissing));
        assert_eq!(g(RouteKind::Token, "POST", Some("http://localhost:5173"), Some("1")), Ok(()));
        assert_eq!(g(RouteKind::Api, "GET", Some("https://evil.example"), Some("1")), Err(ErrorCode::ForbiddenOrigin));
        assert_eq!(g(RouteKind::Other, "POST", None, None), Err(ErrorCode::CsrfHeaderMissing));
        assert_eq!(g(RouteKind::Other, "GET", None, None), Ok(()));
        assert_eq!(g(RouteKind::Other, "GET", Some("null"), None), Err(ErrorCode::ForbiddenOrigin));
    }

    #[test]
    fn only_safe_headers_are_forwarded() {
        for ok in ["Content-Type", "X-Request-Id", "X-RateLimit-Reset", "x-ratelimit-limit", "Retry-After"] {
            assert!(forwardable_response_header(ok), "{ok}");
        }
        for no in ["Set-Cookie", "set-cookie2", "Authorization", "WWW-Authenticate", "Access-Control-Allow-Origin", "Location"] {
            assert!(!forwardable_response_header(no), "{no}");
        }
        assert!(preflight_headers("https://a.example").iter().any(|(k, v)| k == "access-control-allow-credentials" && v == "true"));
    }

    fn set(at: &str) -> TokenSet {
        TokenSet {
            access_token: AccessToken::new(at),
            token_type: "Bearer".into(),
            issued_at: Timestamp::from_secs(0),
            expires_at: Some(Timestamp::from_secs(3600)),
            refresh_token: Some(RefreshToken::new("rt-secret")),
            refresh_expires_at: Some(Timestamp::from_secs(86_400)),
            scope: None,
            api_base_url: None,
            extra: Map::new(),
            grant: tsunagi_core::token_set::TokenGrant::User,
        }
    }

    #[test]
    fn session_ends_with_its_last_grant() {
        let held = set("at-2");
        let mut no_refresh = set("x");
        no_refresh.refresh_token = None;
        assert_eq!(session_expiry([&held, &no_refresh]), Some(Timestamp::from_secs(86_400)));
        assert_eq!(session_expiry([&no_refresh]), Some(Timestamp::from_secs(3600)));
        assert_eq!(session_expiry(std::iter::empty()), None);
    }

    #[test]
    fn session_view_never_shows_tokens() {
        // LawVu's documented JWT example payload
        let jwt = format!("e30.{}.sig", base64url::encode(br#"{"sub":"user-id-123","name":"Jane Smith","organisationId":"org-id-456","exp":1}"#));
        let mut t = set(&jwt);
        t.extra.insert("userName".into(), json!("Jane Smith"));
        t.extra.insert("id_token".into(), json!("secret-id-token"));
        let v = session_view(&t).to_string();
        assert!(v.contains("Jane Smith") && v.contains("org-id-456") && v.contains("3600000"), "{v}");
        for secret in [jwt.as_str(), "rt-secret", "secret-id-token"] {
            assert!(!v.contains(secret), "{secret} leaked in {v}");
        }
        let parsed: Value = serde_json::from_str(&v).unwrap_or_default();
        assert_eq!(parsed["refresh_fingerprint"], json!(RefreshToken::new("rt-secret").fingerprint()));
        assert_eq!(parsed["access_fingerprint"], json!(AccessToken::new(&jwt).fingerprint()));
        assert_eq!(parsed["refresh_fingerprint"].as_str().map(str::len), Some(8));
    }

    #[test]
    fn statuses_and_bodies() {
        let s = |c| http_status(&Error::new(c, "x"));
        assert_eq!((s(ErrorCode::ForbiddenOrigin), s(ErrorCode::CsrfHeaderMissing), s(ErrorCode::SessionMissing)), (403, 403, 401));
        assert_eq!((s(ErrorCode::UpstreamError), s(ErrorCode::TokenResponseInvalid), s(ErrorCode::Transport), s(ErrorCode::Timeout)), (502, 502, 502, 504));
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
