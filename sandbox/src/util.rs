//! Small helpers shared by the provider modules: random tokens, strict
//! form/query parsing (duplicates detected, empty values treated as absent),
//! JSON/HTML responses and redirect-URL building.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use std::collections::HashMap;

/// `n` bytes from the OS random source (falls back to a time-based mix if the
/// OS source fails, which it does not on supported platforms).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    if getrandom::fill(&mut buf).is_err() {
        let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (seed.rotate_left(i as u32 % 128) as u8) ^ (i as u8);
        }
    }
    buf
}

/// 16 random bytes, base64url without padding (22 chars), the shape of the
/// LawVu document's sample code and refresh token.
pub fn token_b64(bytes: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

/// Lowercase hex of `bytes` random bytes (Logiless: 16 bytes = 32 chars).
pub fn token_hex(bytes: usize) -> String {
    random_bytes(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A request id in UUID v4 textual form.
pub fn request_id() -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&random_bytes(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Parsed `application/x-www-form-urlencoded` parameters.
#[derive(Debug, Default, Clone)]
pub struct Params {
    map: HashMap<String, String>,
    duplicates: Vec<String>,
}

impl Params {
    /// Parses a form/query string. Repeated names are remembered as duplicates.
    pub fn parse(input: &[u8]) -> Self {
        let mut p = Params::default();
        for (k, v) in form_urlencoded::parse(input) {
            let k = k.into_owned();
            if p.map.contains_key(&k) {
                if !p.duplicates.contains(&k) {
                    p.duplicates.push(k);
                }
                continue;
            }
            p.map.insert(k, v.into_owned());
        }
        p
    }

    /// Builds from an already-decoded map (the control plane's `params`).
    pub fn from_map(map: HashMap<String, String>) -> Self {
        Params { map, duplicates: Vec::new() }
    }

    /// The value of `name`, with an empty value treated as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// Whether the parameter is present at all (even empty).
    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// The first of `names` that occurred more than once.
    pub fn first_duplicate<'a>(&self, names: &[&'a str]) -> Option<&'a str> {
        names.iter().copied().find(|n| self.duplicates.iter().any(|d| d == n))
    }
}

/// Whether the request's Content-Type is the given media type (parameters
/// such as `charset` ignored, case-insensitive).
pub fn content_type_is(headers: &HeaderMap, media: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().eq_ignore_ascii_case(media))
        .unwrap_or(false)
}

/// A JSON response with the given status.
pub fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response()
}

/// The RFC 6749 §5.2 error envelope `{"error", "error_description"}`.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json(status, &serde_json::json!({"error": error, "error_description": description}))
}

/// An HTML page response.
pub fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        body,
    )
        .into_response()
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Appends query parameters to a redirect URI: with `?` if it has no query
/// yet, otherwise with `&` (a fragment, if any, stays at the end).
pub fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let (base, frag) = match uri.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (uri, None),
    };
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let q = ser.finish();
    let mut out = base.to_string();
    if !base.contains('?') {
        out.push('?');
    } else if !(base.ends_with('?') || base.ends_with('&')) {
        out.push('&');
    }
    out.push_str(&q);
    if let Some(f) = frag {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// The query part of a URL (between `?` and `#`), if any.
pub fn query_of(url: &str) -> &str {
    let no_frag = url.split('#').next().unwrap_or("");
    no_frag.split_once('?').map(|(_, q)| q).unwrap_or("")
}

/// Reads a `Bearer` token from the Authorization header (scheme
/// case-insensitive, exactly one space-separated token).
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    if token.is_empty() || token.contains(' ') {
        return None;
    }
    Some(token.to_string())
}

/// Whether a redirect URI is acceptable to LawVu's rules: an absolute HTTPS
/// URL, or plain HTTP on `localhost` / a loopback address; no fragment.
pub fn is_allowed_redirect_uri(uri: &str) -> bool {
    if uri.contains('#') || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let lower = uri.to_ascii_lowercase();
    let (rest, https) = if let Some(r) = lower.strip_prefix("https://") {
        (r, true)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (r, false)
    } else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let hostport = authority.rsplit('@').next().unwrap_or("");
    if hostport.is_empty() {
        return false;
    }
    let host = if let Some(stripped) = hostport.strip_prefix('[') {
        match stripped.split_once(']') {
            Some((h, _)) => h,
            None => return false,
        }
    } else {
        hostport.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return false;
    }
    https || host == "localhost" || host == "::1" || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_empty_is_absent_and_duplicates_seen() {
        let p = Params::parse(b"a=1&b=&a=2&c=x+y%21");
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.get("b"), None);
        assert!(p.has("b"));
        assert_eq!(p.get("c"), Some("x y!"));
        assert_eq!(p.first_duplicate(&["b", "a"]), Some("a"));
    }

    #[test]
    fn append_query_uses_amp_when_query_exists() {
        assert_eq!(append_query("https://a.example/cb", &[("code", "x")]), "https://a.example/cb?code=x");
        assert_eq!(append_query("https://a.example/cb?x=1", &[("code", "c"), ("state", "a b&c")]), "https://a.example/cb?x=1&code=c&state=a+b%26c");
    }

    #[test]
    fn redirect_rules() {
        assert!(is_allowed_redirect_uri("https://acme-inc.com/auth"));
        assert!(is_allowed_redirect_uri("http://localhost:8787/cb"));
        assert!(is_allowed_redirect_uri("http://127.0.0.1:8787/cb"));
        assert!(is_allowed_redirect_uri("http://[::1]:8787/cb"));
        assert!(!is_allowed_redirect_uri("http://example.com/cb"));
        assert!(!is_allowed_redirect_uri("/relative/cb"));
        assert!(!is_allowed_redirect_uri("https://a.example/cb#frag"));
        assert!(!is_allowed_redirect_uri("https:///nohost"));
        assert!(!is_allowed_redirect_uri("http://localhost.evil.example/cb"));
    }

    #[test]
    fn request_id_shape() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
