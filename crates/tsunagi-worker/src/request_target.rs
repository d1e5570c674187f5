//! The URL of a request a server received, as the runtime serialises it (WHATWG), split into
//! origin, path and query without the `url` crate, whose IDNA tables would be most of a Worker's
//! size. Used by the Worker for routing, `return_to` and its own origin.

use tsunagi_core::uri;
use tsunagi_core::{Error, ErrorCode, Result};

/// Where a request was sent: `origin` is `scheme://host[:port]` (the port only when the URL has
/// one: serialised URLs omit default ports), `path` starts with `/`, `query` excludes the `?`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestTarget<'a> {
    /// `scheme://host[:port]`.
    pub origin: String,
    /// The path, `/` when empty.
    pub path: &'a str,
    /// The query without `?`, if any.
    pub query: Option<&'a str>,
    /// The whole URL as received.
    pub url: &'a str,
}

impl<'a> RequestTarget<'a> {
    /// Splits `url`; anything that is not an absolute, ASCII, serialised URL is
    /// [`ErrorCode::InvalidParameter`].
    pub fn parse(url: &'a str) -> Result<Self> {
        let p = uri::split(url).ok_or_else(|| Error::new(ErrorCode::InvalidParameter, "the request URL is not an absolute URL"))?;
        Ok(RequestTarget { origin: p.origin(), path: if p.path.is_empty() { "/" } else { p.path }, query: p.query, url })
    }

    /// The first value of query parameter `name`, form-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query?.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> RequestTarget<'_> {
        RequestTarget::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn splits_serialised_urls() {
        let t = ok("https://app.example.com/auth/lawvu/login?return_to=%2Fmatters%3Fa%3D1&x=y");
        assert_eq!((t.origin.as_str(), t.path, t.query), ("https://app.example.com", "/auth/lawvu/login", Some("return_to=%2Fmatters%3Fa%3D1&x=y")));
        assert_eq!(t.query_param("return_to").as_deref(), Some("/matters?a=1"));
        assert_eq!(t.query_param("nope"), None);
        let t = ok("http://127.0.0.1:8787/api/legalon/users");
        assert_eq!((t.origin.as_str(), t.path, t.query), ("http://127.0.0.1:8787", "/api/legalon/users", None));
        let t = ok("http://[::1]:8787");
        assert_eq!((t.origin.as_str(), t.path), ("http://[::1]:8787", "/"));
        assert_eq!(ok("https://a.example/x?").query, Some(""));
    }

    #[test]
    fn refuses_what_is_not_a_serialised_url() {
        for bad in ["", "/relative", "https://", "https://a b/", "https://a.example/\u{e9}", "https://a.example:99999/"] {
            assert_eq!(RequestTarget::parse(bad).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidParameter), "{bad:?}");
        }
    }
}
