//! Response headers: the CORS headers for an allowed origin (answers and preflights), and which
//! upstream API response headers may reach the browser (never `Set-Cookie`).

/// Headers exposed to cross-origin scripts on an allowed origin.
pub const EXPOSED_HEADERS: &str = "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Tsunagi-Error";

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
    FORWARDABLE_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h))
        || name.get(..FORWARDABLE_PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(FORWARDABLE_PREFIX))
}

/// The upstream headers [`forwardable_response_header`] passes by name (lower case).
pub const FORWARDABLE_HEADERS: [&str; 7] = ["content-type", "x-request-id", "retry-after", "cache-control", "etag", "last-modified", "content-language"];

/// The prefix of the rate-limit headers [`forwardable_response_header`] passes (lower case).
pub const FORWARDABLE_PREFIX: &str = "x-ratelimit-";

#[cfg(test)]
mod tests {
    use super::*;

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
}
