//! The cookies: the session cookie (id and expiry under an HMAC, `__Host-` prefix) and its binding
//! cookie, reading one cookie out of a `Cookie` header, the `Set-Cookie` values, and the
//! short-lived sign-in cookie that carries a sealed [`PendingLogin`](super::PendingLogin) from
//! `/login` to `/callback`.

use super::keys::{hmac_sha256, SessionKeys};
use super::pending::PENDING_LOGIN_SECS;
use tsunagi_core::base64url;
use tsunagi_core::state::constant_time_eq;
use tsunagi_core::time::Timestamp;
use tsunagi_core::{Error, ErrorCode, Result};

/// The session cookie's name. `__Host-`: `Secure`, `Path=/`, no `Domain` (RFC 6265bis §4.1.3.2).
pub const COOKIE_NAME: &str = "__Host-tsunagi";
/// Longest accepted `Cookie` header.
pub const MAX_COOKIE_HEADER_LEN: usize = 8192;

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

/// The session's binding cookie: set with every session cookie a callback issues, its value a MAC
/// of that session id ([`binding_value`]). A callback hands the browser's earlier session's other
/// connections over only when the browser also presents that session's binding: a session cookie
/// planted alone (issue 21 item 12) carries nothing into the victim's new session. `HttpOnly`, so
/// a page script cannot overwrite a binding the browser already holds (RFC 6265bis §5.7).
pub const BINDING_COOKIE_NAME: &str = "__Host-tsunagi-binding";

/// How long the binding cookie lives: 400 days, the longest browsers keep a cookie (RFC 6265bis
/// §5.6.2). It names one session id, so it outliving that session grants nothing.
pub const BINDING_COOKIE_SECS: u64 = 400 * 86_400;

/// The binding of `session_id`: `base64url(HMAC-SHA256(cookie key, "binding:" + id))`. The input
/// can never be a session cookie's MAC input (`{id}.{expiry}`: an id holds no `:`).
pub fn binding_value(keys: &SessionKeys, session_id: &str) -> String {
    base64url::encode(&hmac_sha256(&keys.cookie, format!("binding:{session_id}").as_bytes()))
}

/// Whether `presented` (the binding cookie's value, if any) is the binding of `session_id`,
/// compared in constant time.
pub fn binding_matches(keys: &SessionKeys, session_id: &str, presented: Option<&str>) -> bool {
    presented.is_some_and(|p| constant_time_eq(binding_value(keys, session_id).as_bytes(), p.as_bytes()))
}

/// `Set-Cookie` for the binding of `session_id` ([`BINDING_COOKIE_NAME`]).
pub fn binding_cookie_header(keys: &SessionKeys, session_id: &str) -> String {
    cookie_header(BINDING_COOKIE_NAME, &binding_value(keys, session_id), BINDING_COOKIE_SECS)
}

/// The cookie that carries a sign-in in progress for `provider` from `/login` to `/callback`:
/// `__Host-tsunagi-login-{provider}`. Its value is the [`PendingLogin`](super::PendingLogin) sealed
/// (AES-256-GCM, bound to the provider by [`SessionKeys::login_aad`]) — no server-side state exists
/// before a sign-in completes — and, once the callback has used it, [`SPENT_LOGIN`].
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

/// A new session cookie when the session now lasts (`session_expires_ms`) more than an hour longer
/// than the browser's copy says (refresh rotation slides the refresh token's lifetime); `None`
/// otherwise.
pub fn renewed_cookie(keys: &SessionKeys, c: &VerifiedCookie, session_expires_ms: Option<u64>, now: Timestamp) -> Option<String> {
    let exp = Timestamp::from_millis(session_expires_ms?);
    if exp.as_secs() <= c.expires_at.as_secs().saturating_add(3600) {
        return None;
    }
    let max_age = now.millis_until(exp) / 1000;
    Some(set_cookie_header(&sign_cookie(keys, &c.session_id, exp), max_age))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SessionKeys {
        SessionKeys::derive(Some("0123456789abcdef0123456789abcdef")).unwrap_or_else(|e| panic!("{e}"))
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
    fn a_renewed_cookie_only_when_the_session_outlasts_the_copy_by_an_hour() {
        let k = keys();
        let now = Timestamp::from_secs(1_000);
        let c = VerifiedCookie { session_id: session_id_from_entropy(&[3; 32]), expires_at: now.plus_secs(86_400) };
        assert_eq!(renewed_cookie(&k, &c, None, now), None);
        assert_eq!(renewed_cookie(&k, &c, Some(now.plus_secs(86_400 + 3600).as_millis()), now), None);
        let later = now.plus_secs(30 * 86_400);
        let set = renewed_cookie(&k, &c, Some(later.as_millis()), now).unwrap_or_default();
        let value = set.split_once('=').map(|(_, v)| v.split(';').next().unwrap_or_default()).unwrap_or_default();
        let v = verify_cookie(&k, value, now).unwrap_or_else(|e| panic!("{e}: {set}"));
        assert_eq!((v.session_id, v.expires_at), (c.session_id.clone(), later));
        assert!(set.contains(&format!("Max-Age={}", 30 * 86_400)), "{set}");
    }

    #[test]
    fn a_binding_names_one_session_and_is_no_session_cookie() {
        let k = keys();
        let (a, b) = (session_id_from_entropy(&[1; 32]), session_id_from_entropy(&[2; 32]));
        let bound = binding_value(&k, &a);
        assert!(binding_matches(&k, &a, Some(&bound)));
        assert!(!binding_matches(&k, &b, Some(&bound)), "another session's binding");
        assert!(!binding_matches(&k, &a, None) && !binding_matches(&k, &a, Some("")));
        let other = SessionKeys::derive(Some("another-key-another-key-another-key")).unwrap_or_else(|e| panic!("{e}"));
        assert!(!binding_matches(&other, &a, Some(&bound)), "another SESSION_KEY");
        // a binding is never accepted as a session cookie's signature
        let forged = format!("{a}.9999999999.{bound}");
        assert!(verify_cookie(&k, &forged, Timestamp::from_secs(1)).is_err());
        let set = binding_cookie_header(&k, &a);
        for attr in ["__Host-tsunagi-binding=", "Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=34560000"] {
            assert!(set.contains(attr), "{set}");
        }
        assert_eq!(cookie_value(&format!("__Host-tsunagi=x; {BINDING_COOKIE_NAME}={bound}"), BINDING_COOKIE_NAME), Some(bound.as_str()));
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
}
