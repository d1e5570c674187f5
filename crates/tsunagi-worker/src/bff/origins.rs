//! Who may call the Worker: the origin allowlist (`ALLOWED_ORIGINS`), the anti-CSRF header and the
//! request guard that checks both before anything is read or stored (RFC 10017 §6.1.3.2).

use tsunagi_core::{Error, ErrorCode, Result};

/// The anti-CSRF request header (RFC 10017 §6.1.3.2): a static custom header that a cross-origin
/// form or image cannot send, and a cross-origin `fetch` only after a CORS preflight.
pub const CSRF_HEADER: &str = "x-tsunagi";
/// The only accepted value of [`CSRF_HEADER`].
pub const CSRF_HEADER_VALUE: &str = "1";

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

    /// Whether `origin` may call a Worker whose own origin is `own` (`scheme://host[:port]` of the
    /// request URL): its own origin always may — browsers send `Origin` on same-origin `POST`s
    /// (Fetch standard, "append a request `Origin` header") — and the listed ones
    /// ([`OriginPolicy::allows`]). Issue 21 item 13: an empty list refused the Worker's own pages.
    pub fn allows_for(&self, origin: &str, own: &str) -> bool {
        let o = origin.trim();
        (!own.is_empty() && o.eq_ignore_ascii_case(own)) || self.allows(o)
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
/// `X-Tsunagi: 1`; any request carrying an `Origin` needs it to be the Worker's own (`own`) or
/// allowlisted (`Origin: null` never is). Checked before anything is read from or written to
/// storage.
pub fn guard(policy: &OriginPolicy, kind: RouteKind, method: &str, origin: Option<&str>, own: &str, csrf_header: Option<&str>) -> Result<()> {
    if let Some(o) = origin {
        if !policy.allows_for(o, own) {
            return Err(Error::new(ErrorCode::ForbiddenOrigin, "this origin is not allowed: neither the Worker's own nor listed in ALLOWED_ORIGINS"));
        }
    }
    let safe_method = method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD");
    let needs_header = matches!(kind, RouteKind::Api | RouteKind::Token) || !safe_method;
    if needs_header && csrf_header.map(str::trim) != Some(CSRF_HEADER_VALUE) {
        return Err(Error::new(ErrorCode::CsrfHeaderMissing, "send the header 'X-Tsunagi: 1' with this request"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_guard() {
        let p = OriginPolicy::parse("https://app.example.com, http://localhost:5173/").unwrap_or_else(|e| panic!("{e}"));
        assert!(p.allows("https://APP.example.com") && p.allows("http://localhost:5173"));
        assert!(!p.allows("https://evil.example") && !p.allows("null") && !p.allows("https://app.example.com.evil.example"));
        for bad in ["*", "app.example.com", "https://a.example/path", "ftp://a.example"] {
            assert_eq!(OriginPolicy::parse(bad).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig), "{bad}");
        }
        assert_eq!(OriginPolicy::parse("").map(|p| p.origins().len()).ok(), Some(0));
        let g = |kind, method, origin, header| guard(&p, kind, method, origin, "https://tsunagi.example", header).map_err(|e| e.code());
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
    fn the_workers_own_origin_is_always_allowed() {
        let empty = OriginPolicy::parse("").unwrap_or_else(|e| panic!("{e}"));
        let own = "https://tsunagi.example.workers.dev";
        assert!(empty.allows_for(own, own) && empty.allows_for("HTTPS://Tsunagi.example.workers.dev", own));
        for other in ["http://tsunagi.example.workers.dev", "https://tsunagi.example.workers.dev:8443", "https://evil.example", "null", ""] {
            assert!(!empty.allows_for(other, own), "{other}");
        }
        assert!(!empty.allows_for("", ""), "no own origin known: nothing matches it");
        let listed = OriginPolicy::parse("https://app.example.com").unwrap_or_else(|e| panic!("{e}"));
        assert!(listed.allows_for("https://app.example.com", own) && listed.allows_for(own, own));
        let g = |origin| guard(&empty, RouteKind::Other, "POST", Some(origin), own, Some("1")).map_err(|e| e.code());
        assert_eq!(g(own), Ok(()));
        assert_eq!(g("https://app.example.com"), Err(ErrorCode::ForbiddenOrigin));
    }
}
