//! A sign-in that fails at its callback ("Deny" at the provider, a stale or replayed callback):
//! a browser's navigation is sent back to the sign-in's `return_to` with the error code in the
//! query, so the app regains control (issue 21 item 14); any other request keeps the JSON error.

use tsunagi_core::ErrorCode;

/// The query parameter that carries the error code (README "Error codes", e.g. `access_denied`).
pub const ERROR_PARAM: &str = "tsunagi_error";
/// The query parameter that names the connection whose sign-in failed.
pub const CONNECTION_PARAM: &str = "tsunagi_connection";

/// Whether the request is a browser's top-level navigation, which a JSON body would strand on a
/// raw error page: `Sec-Fetch-Mode: navigate` (Fetch Metadata), or — from a browser that sends no
/// `Sec-Fetch-Mode` — an `Accept` that names `text/html`. A `fetch`/XHR (`Sec-Fetch-Mode: cors`,
/// `same-origin`, …), `curl` or a script (`*/*`, `application/json`) is not one: it gets the JSON
/// error, as before.
pub fn is_navigation(accept: Option<&str>, sec_fetch_mode: Option<&str>) -> bool {
    match sec_fetch_mode.map(str::trim) {
        Some(mode) if !mode.is_empty() => mode.eq_ignore_ascii_case("navigate"),
        _ => accept.is_some_and(|a| a.split(',').any(|t| t.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("text/html")))),
    }
}

/// Where a navigation goes when the sign-in to `connection` failed with `code`: `return_to` (as
/// checked at `/login`; `/` when the sign-in is not known any more) with
/// `tsunagi_error={code}&tsunagi_connection={connection}` added to its query, before any fragment.
/// Same-origin only: `return_to` is a checked relative path, and the values are form-encoded.
pub fn failed_sign_in_location(return_to: Option<&str>, code: ErrorCode, connection: &str) -> String {
    let to = return_to.filter(|t| t.starts_with('/') && !t.starts_with("//")).unwrap_or("/");
    let (before, fragment) = match to.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (to, None),
    };
    let params = form_urlencoded::Serializer::new(String::new()).append_pair(ERROR_PARAM, code.as_str()).append_pair(CONNECTION_PARAM, connection).finish();
    let joiner = match before.split_once('?') {
        None => "?",
        Some((_, "")) => "",
        Some((_, q)) if q.ends_with('&') => "",
        Some(_) => "&",
    };
    match fragment {
        Some(f) => format!("{before}{joiner}{params}#{f}"),
        None => format!("{before}{joiner}{params}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigations_are_told_from_requests_that_want_json() {
        let chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(is_navigation(Some(chromium), Some("navigate")));
        assert!(is_navigation(None, Some("navigate")));
        assert!(is_navigation(Some(chromium), None), "a browser without Fetch Metadata");
        assert!(!is_navigation(Some(chromium), Some("cors")), "a fetch that accepts HTML is still a fetch");
        for (accept, mode) in [(Some("application/json"), None), (Some("*/*"), None), (None, None), (Some("text/htmlx"), None), (Some("*/*"), Some("no-cors"))]
        {
            assert!(!is_navigation(accept, mode), "{accept:?} {mode:?}");
        }
    }

    #[test]
    fn the_error_goes_into_return_tos_query_before_its_fragment() {
        let at = |to, code| failed_sign_in_location(to, code, "lawvu");
        assert_eq!(at(Some("/app"), ErrorCode::AccessDenied), "/app?tsunagi_error=access_denied&tsunagi_connection=lawvu");
        assert_eq!(at(Some("/app?x=1"), ErrorCode::AccessDenied), "/app?x=1&tsunagi_error=access_denied&tsunagi_connection=lawvu");
        assert_eq!(at(Some("/app?"), ErrorCode::StateMismatch), "/app?tsunagi_error=state_mismatch&tsunagi_connection=lawvu");
        assert_eq!(at(Some("/app?x=1#/a?b"), ErrorCode::AccessDenied), "/app?x=1&tsunagi_error=access_denied&tsunagi_connection=lawvu#/a?b");
        assert_eq!(at(None, ErrorCode::SessionMissing), "/?tsunagi_error=session_missing&tsunagi_connection=lawvu");
        // never anything but a same-origin path, whatever it is given
        assert_eq!(at(Some("//evil.example"), ErrorCode::AccessDenied), "/?tsunagi_error=access_denied&tsunagi_connection=lawvu");
        assert_eq!(failed_sign_in_location(Some("/"), ErrorCode::AccessDenied, "a&b=c"), "/?tsunagi_error=access_denied&tsunagi_connection=a%26b%3Dc");
    }
}
