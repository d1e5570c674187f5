//! Just enough URL handling for OAuth, without the `url` crate (its IDNA tables cost ~76 KB
//! gzipped in a browser bundle): splitting absolute URLs, validating endpoints and redirect URIs
//! (RFC 6749 §3.1, §3.1.2; LawVu's "HTTPS absolute URLs (or http://localhost)").

use crate::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The parts of an absolute `scheme://authority/path?query#fragment` URL, borrowed from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `https`, `http`, … (as written).
    pub scheme: &'a str,
    /// Whether the authority carries `user@`.
    pub has_userinfo: bool,
    /// The host (brackets kept for IPv6).
    pub host: &'a str,
    /// The port, if written.
    pub port: Option<u16>,
    /// The path (may be empty).
    pub path: &'a str,
    /// The query, without `?`.
    pub query: Option<&'a str>,
    /// The fragment, without `#`.
    pub fragment: Option<&'a str>,
}

impl UrlParts<'_> {
    /// `scheme://host[:port]` as written (RFC 6454 §6.2's serialisation, without case folding).
    pub fn origin(&self) -> String {
        match self.port {
            Some(port) => format!("{}://{}:{port}", self.scheme, self.host),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }
}

fn is_url_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '\\' | '<' | '>' | '"' | '^' | '`' | '{' | '|' | '}')
}

/// Splits an absolute hierarchical URL. Rejects spaces, control and non-ASCII characters,
/// backslashes, empty hosts and bad ports: anything a browser might read differently.
pub fn split(url: &str) -> Option<UrlParts<'_>> {
    if url.is_empty() || !url.chars().all(is_url_char) {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let mut sc = scheme.chars();
    if !sc.next().is_some_and(|c| c.is_ascii_alphabetic()) || !sc.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        return None;
    }
    let (before_fragment, fragment) = match rest.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (rest, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (before_fragment, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    let (has_userinfo, hostport) = match authority.rsplit_once('@') {
        Some((_, hp)) => (true, hp),
        None => (false, authority),
    };
    let (host, port_str) = if let Some(v6) = hostport.strip_prefix('[') {
        let (inside, after) = v6.split_once(']')?;
        if inside.is_empty() || !inside.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return None;
        }
        let host = hostport.get(..inside.len() + 2)?;
        match after {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':')?)),
        }
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~' | '[' | ']' | ':')) {
        return None;
    }
    let port = match port_str {
        None | Some("") => None,
        Some(p) if p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse::<u16>().ok()?),
        Some(_) => return None,
    };
    Some(UrlParts { scheme, has_userinfo, host, port, path, query, fragment })
}

/// Whether `host` is a loopback name or address: `localhost`, `127.0.0.0/8`, `[::1]`.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || host == "[::1]" {
        return true;
    }
    let mut octets = host.split('.');
    let first = octets.next();
    let rest: Vec<&str> = octets.collect();
    first == Some("127") && rest.len() == 3 && rest.iter().all(|o| o.parse::<u8>().is_ok())
}

/// How strict a provider is about redirect URIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectPolicy {
    /// LawVu: "HTTPS absolute URLs (or http://localhost)"; loopback addresses count as localhost
    /// (RFC 8252 §7.3).
    HttpsOrLoopback,
    /// RFC 6749 §3.1.2: any absolute URI without a fragment.
    Absolute,
}

/// A validated redirect URI. The exact string is kept and sent byte-for-byte at both the
/// authorize and the token step (LawVu: "even a minor difference … will result in an error").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RedirectUri(String);

impl RedirectUri {
    /// Validates `uri` under `policy`: absolute, no fragment (RFC 6749 §3.1.2), no userinfo, and
    /// for [`RedirectPolicy::HttpsOrLoopback`] `https`, or `http` on a loopback host.
    pub fn parse(uri: &str, policy: RedirectPolicy) -> Result<Self> {
        let bad = |why: &str| Error::new(ErrorCode::InvalidRedirectUri, format!("redirect URI {why}: {}", crate::scrub::bound(uri, 200)));
        let parts = split(uri).ok_or_else(|| bad("must be an absolute URL (scheme://host/path), relative paths are not permitted"))?;
        if parts.fragment.is_some() {
            return Err(bad("must not contain a fragment (RFC 6749 §3.1.2)"));
        }
        if parts.has_userinfo {
            return Err(bad("must not contain user information"));
        }
        if policy == RedirectPolicy::HttpsOrLoopback {
            let scheme = parts.scheme.to_ascii_lowercase();
            let ok = scheme == "https" || (scheme == "http" && is_loopback_host(parts.host));
            if !ok {
                return Err(bad("must use https (http is allowed only for localhost)"));
            }
        }
        Ok(RedirectUri(uri.to_owned()))
    }

    /// The exact string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated endpoint URL: `https`, or `http` on a loopback host (the local sandbox), so a
/// misconfiguration can never send a secret over plain HTTP to the network.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Endpoint(String);

impl Endpoint {
    /// Validates `url`. A fragment is accepted only when `allow_fragment` (hash-route authorize
    /// endpoints such as LawVu's `https://{web_host}/#/authorize`); RFC 6749 §3.1 forbids it
    /// otherwise.
    pub fn parse(url: &str, allow_fragment: bool) -> Result<Self> {
        let bad = |why: &str| Error::new(ErrorCode::InvalidEndpoint, format!("endpoint {why}: {}", crate::scrub::bound(url, 200)));
        let parts = split(url).ok_or_else(|| bad("must be an absolute URL"))?;
        let scheme = parts.scheme.to_ascii_lowercase();
        if !(scheme == "https" || (scheme == "http" && is_loopback_host(parts.host))) {
            return Err(bad("must use https (http only on localhost/127.0.0.1)"));
        }
        if parts.has_userinfo {
            return Err(bad("must not contain user information"));
        }
        if parts.fragment.is_some() && !allow_fragment {
            return Err(bad("must not contain a fragment (RFC 6749 §3.1)"));
        }
        Ok(Endpoint(url.to_owned()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL with `query` (already form-encoded, non-empty) appended: inside the fragment when
    /// the endpoint is a hash route (`…/#/authorize?{query}`), otherwise before any fragment.
    pub fn with_query(&self, query: &str) -> String {
        let url = self.0.as_str();
        if query.is_empty() {
            return url.to_owned();
        }
        match url.split_once('#') {
            Some((base, fragment)) => {
                let sep = if fragment.contains('?') { '&' } else { '?' };
                format!("{base}#{fragment}{sep}{query}")
            }
            None => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}{query}")
            }
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_urls() {
        let p = split("https://demo.lawvu.com/#/authorize?response_type=code");
        assert_eq!(
            p,
            Some(UrlParts {
                scheme: "https",
                has_userinfo: false,
                host: "demo.lawvu.com",
                port: None,
                path: "/",
                query: None,
                fragment: Some("/authorize?response_type=code"),
            })
        );
        let p = split("http://[::1]:8080/cb?x=1").map(|p| (p.host, p.port, p.path, p.query));
        assert_eq!(p, Some(("[::1]", Some(8080), "/cb", Some("x=1"))));
        for bad in
            ["", "/relative", "acme.com/auth", "https://", "https://a b", "https://h:99999/", "https://h:x/", "https://ex\\ample.com", "https://例え.jp/"]
        {
            assert_eq!(split(bad), None, "{bad}");
        }
    }

    #[test]
    fn lawvu_redirect_rules() {
        let ok = ["https://acme-inc.com/auth", "http://localhost", "http://localhost:3000/cb", "http://127.0.0.1:8787/auth/lawvu/callback"];
        for u in ok {
            assert!(RedirectUri::parse(u, RedirectPolicy::HttpsOrLoopback).is_ok(), "{u}");
        }
        let bad = ["/auth", "auth", "http://acme-inc.com/auth", "https://acme-inc.com/auth#x", "https://u:p@acme.com/", "ftp://acme.com/"];
        for u in bad {
            let e = RedirectUri::parse(u, RedirectPolicy::HttpsOrLoopback).map_err(|e| e.code());
            assert_eq!(e, Err(ErrorCode::InvalidRedirectUri), "{u}");
        }
        assert!(RedirectUri::parse("com.example.app://cb", RedirectPolicy::Absolute).is_ok());
        // the exact string is kept: a trailing slash is a different URI
        let a = RedirectUri::parse("https://acme-inc.com/auth/", RedirectPolicy::HttpsOrLoopback).map(|r| r.as_str().to_owned());
        assert_eq!(a.as_deref(), Ok("https://acme-inc.com/auth/"));
    }

    #[test]
    fn endpoints_and_hash_routes() {
        let e = Endpoint::parse("https://demo.lawvu.com/#/authorize", true);
        assert_eq!(e.map(|e| e.with_query("a=1")).as_deref(), Ok("https://demo.lawvu.com/#/authorize?a=1"));
        assert!(Endpoint::parse("https://demo.lawvu.com/#/authorize", false).is_err());
        let e = Endpoint::parse("https://x.example/auth?tenant=1", false);
        assert_eq!(e.map(|e| e.with_query("a=1")).as_deref(), Ok("https://x.example/auth?tenant=1&a=1"));
        assert!(Endpoint::parse("http://api.lawvu.com/token", false).is_err());
        assert!(Endpoint::parse("http://127.0.0.1:9401/token", false).is_ok());
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback_host("LOCALHOST") && is_loopback_host("127.0.0.1") && is_loopback_host("127.1.2.3") && is_loopback_host("[::1]"));
        assert!(!is_loopback_host("127.0.0.1.evil.com") && !is_loopback_host("10.0.0.1") && !is_loopback_host("localhost.evil"));
    }

    proptest! {
        #[test]
        fn split_never_panics(s in ".{0,80}") {
            let _ = split(&s);
            let _ = RedirectUri::parse(&s, RedirectPolicy::HttpsOrLoopback);
            let _ = Endpoint::parse(&s, true);
        }
    }
}
