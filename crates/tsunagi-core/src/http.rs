//! HTTP requests and responses as plain values: the core builds the former and reads the latter,
//! and a runtime (browser `fetch`, Worker `Fetch`, a test client) moves the bytes.
//!
//! `Debug` of a request never shows a secret: query values, credential headers and bodies are
//! redacted (Logiless puts `client_secret` in a GET URL).

use std::fmt;

/// HTTP method of a built request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET (Logiless' token endpoint, API reads).
    Get,
    /// POST (RFC 6749 §3.2 token endpoints, API creates).
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Method {
    /// The method name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Parses a method name (case-insensitive).
    pub fn parse(s: &str) -> Option<Method> {
        Some(match s.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }
}

/// A request to send, exactly as built: method, full URL, headers in order, optional body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Absolute URL, query included.
    pub url: String,
    /// Header names (lowercase) and values, in order.
    pub headers: Vec<(String, String)>,
    /// Body, `None` for GET.
    pub body: Option<String>,
}

impl HttpRequest {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// Headers whose values are safe to print.
const PRINTABLE_HEADERS: &[&str] = &["accept", "content-type", "x-tsunagi"];

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(k, v)| if PRINTABLE_HEADERS.contains(&k.to_ascii_lowercase().as_str()) { format!("{k}: {v}") } else { format!("{k}: [redacted]") })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method.as_str())
            .field("url", &redact_query(&self.url))
            .field("headers", &headers)
            .field("body", &self.body.as_ref().map(|b| format!("[redacted, {} bytes]", b.len())))
            .finish()
    }
}

/// The URL with every query value (also inside a hash-route fragment) replaced by `[redacted]`.
pub fn redact_query(url: &str) -> String {
    let (before, query) = match url.split_once('?') {
        Some(parts) => parts,
        None => return url.to_owned(),
    };
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) => format!("{k}=[redacted]"),
            None => pair.to_owned(),
        })
        .collect();
    format!("{before}?{}", redacted.join("&"))
}

/// A received response: status, headers, body text (bytes decoded as UTF-8, lossily, at the edge).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header names and values as received.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

impl HttpResponse {
    /// A response from its parts.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: impl Into<String>) -> Self {
        HttpResponse { status, headers, body: body.into() }
    }
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
    /// The media type of `Content-Type` (lowercase, parameters dropped).
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
    }
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// The provider's `X-Request-Id`, if any.
    pub fn request_id(&self) -> Option<String> {
        self.header("x-request-id").map(str::to_owned)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())
            .field("body", &format!("[redacted, {} bytes]", self.body.len()))
            .finish()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_everything_secret() {
        let req = HttpRequest {
            method: Method::Get,
            url: "https://app2.logiless.com/oauth2/token?client_id=c&client_secret=S3CRET&code=C0DE".into(),
            headers: vec![("authorization".into(), "Basic Q1JFRA==".into()), ("accept".into(), "application/json".into())],
            body: Some("refresh_token=RT".into()),
        };
        let dbg = format!("{req:?}");
        for secret in ["S3CRET", "C0DE", "Q1JFRA", "RT\""] {
            assert!(!dbg.contains(secret), "{secret} leaked in {dbg}");
        }
        assert!(dbg.contains("client_secret=[redacted]") && dbg.contains("application/json"));
        let resp = HttpResponse::new(200, vec![], r#"{"access_token":"AT"}"#);
        assert!(!format!("{resp:?}").contains("AT\""));
    }

    #[test]
    fn headers_are_case_insensitive() {
        let r = HttpResponse::new(200, vec![("Content-Type".into(), "Text/Plain; charset=utf-8".into())], "");
        assert_eq!(r.media_type().as_deref(), Some("text/plain"));
        assert_eq!(r.header("CONTENT-TYPE"), Some("Text/Plain; charset=utf-8"));
    }
}
