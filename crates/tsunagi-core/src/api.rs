//! Authenticated API calls as pure functions: building the request against the provider's API
//! base (bearer token, RFC 6750 §2.1), and deciding what a response means for the caller —
//! deliver it, refresh once on 401, wait out a 429 within bounds, or fail with a typed error.

use crate::client::Client;
use crate::error_body::{classify, Exchange};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::profile::ApiBase;
use crate::rate_limit::RateLimit;
use crate::secret::AccessToken;
use crate::time::Timestamp;
use crate::token_set::TokenSet;
use crate::{Error, ErrorCode, Result};

/// Bounds on retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many 429 answers may be waited out for one call.
    pub max_rate_limit_retries: u32,
    /// The longest single wait; a longer reset fails at once with [`ErrorCode::RateLimited`].
    pub max_wait_ms: u64,
    /// Wait used when a 429 carries no reset information.
    pub default_wait_ms: u64,
}

impl Default for RetryPolicy {
    /// Two retries, waits of at most 30 s, 1 s when the server does not say.
    fn default() -> Self {
        RetryPolicy { max_rate_limit_retries: 2, max_wait_ms: 30_000, default_wait_ms: 1_000 }
    }
}

/// What has happened so far in one logical call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attempt {
    /// A fresh token was already obtained after a 401.
    pub reauthenticated: bool,
    /// 429s already waited out.
    pub rate_limit_retries: u32,
}

/// What to do with a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiDecision {
    /// Hand the response to the caller (any status other than the two below).
    Deliver,
    /// 401: get a fresh token (refresh, or re-acquire for LegalOn) once, then retry.
    Reauthenticate,
    /// 429: wait, then retry.
    Wait {
        /// How long.
        delay_ms: u64,
    },
    /// Give up with this error.
    Fail(Error),
}

/// Decides what `resp` means for the call described by `attempt` (RFC 6750 §3.1 for 401;
/// LegalOn: "If you receive 401 Unauthorized, obtain a new token first"; "If you receive 429…
/// wait and retry based on X-RateLimit-Reset").
pub fn decide(client: &Client, policy: &RetryPolicy, attempt: &Attempt, resp: &HttpResponse, now: Timestamp) -> ApiDecision {
    match resp.status {
        401 if !attempt.reauthenticated => ApiDecision::Reauthenticate,
        401 => ApiDecision::Fail(client.api_error(resp, now)),
        429 => {
            let wait = RateLimit::from_headers(&resp.headers, now).wait_ms().unwrap_or(policy.default_wait_ms);
            if attempt.rate_limit_retries < policy.max_rate_limit_retries && wait <= policy.max_wait_ms {
                ApiDecision::Wait { delay_ms: wait.max(1) }
            } else {
                ApiDecision::Fail(client.api_error(resp, now))
            }
        }
        _ => ApiDecision::Deliver,
    }
}

/// `Authorization: Bearer {token}` (RFC 6750 §2.1), whatever case the server used for the type.
pub fn bearer_header(token: &AccessToken) -> (String, String) {
    ("authorization".to_owned(), format!("Bearer {}", token.secret()))
}

/// The `Authorization` header for `tokens`: `DPoP {token}` for a DPoP-bound token (RFC 9449
/// §7.1; the request then needs a `DPoP` proof with `ath`, which the runtime adds), else
/// [`bearer_header`].
pub fn authorization_header(tokens: &TokenSet) -> (String, String) {
    #[cfg(feature = "dpop")]
    if crate::dpop::is_dpop_token_type(&tokens.token_type) {
        return ("authorization".to_owned(), format!("DPoP {}", tokens.access_token.secret()));
    }
    bearer_header(&tokens.access_token)
}

/// How many layers of percent-encoding [`check_api_path`] looks through in one segment; a segment
/// still encoded after that many decodings is refused.
pub const MAX_PERCENT_DECODINGS: usize = 4;

/// Checks a relative API path so the request can only ever reach the configured API base: it starts
/// with a single `/`, is printable ASCII without `\` or `#`, and no segment — as sent, or after
/// any number of percent-decodings (RFC 3986 §2.1; up to [`MAX_PERCENT_DECODINGS`]) — is a dot
/// segment (`.`, `..`, `...`, or their full-width forms, RFC 3986 §3.3 / §5.2.4), holds a `/` or
/// `\` (plain or full-width), a control byte or NUL, or bytes that are not UTF-8 (the overlong
/// forms `%c0%ae`, `%e0%80%ae`). A `%` must begin an escape. The query is not checked: it never
/// changes which resource is addressed.
pub fn check_api_path(path: &str) -> Result<()> {
    let bad = |why: &'static str| Error::new(ErrorCode::InvalidParameter, why);
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(bad("API path must start with a single '/'"));
    }
    if !path.bytes().all(|b| b.is_ascii_graphic()) || path.contains(['\\', '#']) {
        return Err(bad("API path must be printable ASCII without '\\' or '#'"));
    }
    let route = path.split('?').next().unwrap_or_default();
    route.split('/').skip(1).try_for_each(|segment| check_segment(segment).map_err(bad))
}

/// One path segment through every layer of its percent-encoding.
fn check_segment(segment: &str) -> std::result::Result<(), &'static str> {
    let mut bytes = segment.as_bytes().to_vec();
    for decodings in 0..=MAX_PERCENT_DECODINGS {
        let text = std::str::from_utf8(&bytes).map_err(|_| "API path segments must decode to UTF-8 (no overlong forms)")?;
        if is_dot_segment(text) {
            return Err("API path must not contain '.' or '..' segments, plain or encoded");
        }
        // Tomcat, Spring and Jetty drop `;params` from a segment before normalising: `..;` is `..`
        if text.split_once(';').is_some_and(|(bare, _)| is_dot_segment(bare)) {
            return Err("API path must not contain '.' or '..' segments with ';' parameters (servers that strip them read '..')");
        }
        if decodings > 0 && text.contains(['/', '\\', '\u{FF0F}', '\u{FF3C}']) {
            return Err("API path must not contain encoded slashes or backslashes");
        }
        if text.chars().any(char::is_control) {
            return Err("API path must not contain control characters or NUL, plain or encoded");
        }
        // as sent, a '%' must begin an escape; once decoded, a '%' that begins none is a literal
        let decoded = percent_decode(&bytes, decodings == 0).ok_or("API path has a '%' that does not begin an escape")?;
        if decoded == bytes {
            return Ok(());
        }
        bytes = decoded;
    }
    Err("API path segments must not be percent-encoded more than 4 times")
}

/// `.` or `..` (or more dots), also in their full-width and leader forms.
fn is_dot_segment(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| matches!(c, '.' | '\u{FF0E}' | '\u{2024}' | '\u{FE52}'))
}

/// One layer of percent-decoding. A `%` not followed by two hex digits is `None` when `strict`,
/// else kept as it is.
fn percent_decode(bytes: &[u8], strict: bool) -> Option<Vec<u8>> {
    let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some((&b, tail)) = rest.split_first() {
        match (b, hex(tail.first()), hex(tail.get(1))) {
            (b'%', Some(h), Some(l)) => {
                out.push(u8::try_from(h * 16 + l).ok()?);
                rest = tail.get(2..).unwrap_or_default();
            }
            (b'%', ..) if strict => return None,
            _ => {
                out.push(b);
                rest = tail;
            }
        }
    }
    Some(out)
}

impl Client {
    /// The API base for calls made with `tokens`, as the profile's [`ApiBase`] says: the fixed
    /// base (Logiless: merchant-scoped when configured), or the one the profile's hook makes of
    /// the set's `api_base_url` (LegalOn's `{api_base_url}/rest/v1`, [`ErrorCode::LoginRequired`]
    /// without a set that carries it); [`ErrorCode::InvalidConfig`] when there is none.
    pub fn api_base(&self, tokens: Option<&TokenSet>) -> Result<String> {
        match &self.profile.api_base {
            ApiBase::Fixed(base) => Ok(base.clone()),
            ApiBase::FromTokenResponse(resolve) => {
                let url = tokens
                    .and_then(|t| t.api_base_url.as_deref())
                    .ok_or_else(|| Error::new(ErrorCode::LoginRequired, format!("{}'s API base comes with a token: acquire one first", self.profile.name)))?;
                resolve(url)
            }
            ApiBase::None => Err(Error::new(ErrorCode::InvalidConfig, "no API base is configured for this provider")),
        }
    }

    /// An API request: `path` (checked by [`check_api_path`]) appended to the API base, the
    /// `Authorization` header ([`authorization_header`]: Bearer, or DPoP for a bound token), and for a body `Content-Type: application/json`, encoded as the profile's
    /// [`BodyEncoding`](crate::profile::BodyEncoding) says (Logiless: ASCII-only, `\uNNNN` escapes).
    pub fn api_request(&self, tokens: &TokenSet, method: Method, path: &str, json_body: Option<&str>) -> Result<HttpRequest> {
        check_api_path(path)?;
        let url = format!("{}{path}", self.api_base(Some(tokens))?);
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned()), authorization_header(tokens)];
        let body = json_body.map(|b| {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
            self.profile.api_body_encoding.encode(b)
        });
        Ok(HttpRequest { method, url, headers, body })
    }

    /// The typed error for a non-success API response (problem+json, Logiless bodies, 401, 429 …).
    pub fn api_error(&self, resp: &HttpResponse, now: Timestamp) -> Error {
        classify(resp, self.profile.classify_message, Exchange::Api, Some(now))
    }
}

#[cfg(all(test, feature = "all-providers"))]
mod tests {
    use super::*;
    use crate::json::JsonObject;
    use crate::providers::legalon::{LegalOnConfig, LegalOnRegion};
    use crate::providers::logiless::LogilessConfig;
    use crate::secret::{BasicCredentials, ClientSecret};

    fn tokens(api_base_url: Option<&str>) -> TokenSet {
        TokenSet {
            access_token: AccessToken::new("AT"),
            token_type: "bearer".into(),
            issued_at: Timestamp::from_secs(0),
            expires_at: None,
            refresh_token: None,
            refresh_expires_at: None,
            scope: None,
            api_base_url: api_base_url.map(str::to_owned),
            extra: JsonObject::new(),
            grant: crate::token_set::TokenGrant::User,
        }
    }
    fn legalon() -> Client {
        LegalOnConfig::new(LegalOnRegion::Us, BasicCredentials::new("c")).client().unwrap_or_else(|e| panic!("{e}"))
    }
    fn resp(status: u16, headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse::new(status, headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), "{}")
    }

    #[test]
    fn legalon_request_uses_api_base_url() {
        let req = legalon().api_request(&tokens(Some("api.legalon.example")), Method::Get, "/users?page_size=50", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(req.url, "https://api.legalon.example/rest/v1/users?page_size=50");
        assert_eq!(req.header("authorization"), Some("Bearer AT"));
        assert_eq!(legalon().api_base(None).map_err(|e| e.code()), Err(ErrorCode::LoginRequired));
    }

    #[test]
    fn logiless_bodies_become_ascii() {
        let mut cfg = LogilessConfig::new("cid", ClientSecret::new("s"), "https://app.example/cb");
        cfg.merchant_id = Some("7".into());
        let c = cfg.client().unwrap_or_else(|e| panic!("{e}"));
        let req = c.api_request(&tokens(None), Method::Post, "/sales_orders/new", Some(r#"{"buyer":"山田"}"#)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(req.url, "https://app2.logiless.com/api/v1/merchant/7/sales_orders/new");
        assert_eq!(req.body.as_deref(), Some(r#"{"buyer":"\u5c71\u7530"}"#));
        assert_eq!(req.header("content-type"), Some("application/json"));
    }

    #[test]
    fn paths_cannot_escape_the_base() {
        for bad in ["users", "//evil.example/x", "/../x", "/a/%2e%2e/x", "/a%2Fb", "/a\\b", "/a b", "/a#b", "/a/./b", "/%5c"] {
            assert_eq!(check_api_path(bad).map_err(|e| e.code()), Err(ErrorCode::InvalidParameter), "{bad}");
        }
        for good in [
            "/users",
            "/users?page_token=a%2Fb",
            "/stores?limit=20&page=1",
            "/a..b/c",
            "/stores/%E5%B1%B1",
            "/a/.b/c..",
            "/q%3Fx",
            "/100%25",
            "/100%25zz",
            "/%2541",
        ] {
            assert!(check_api_path(good).is_ok(), "{good}");
        }
    }

    /// Issue 13 item 3: double, mixed and overlong encodings of `.`, `..`, `/`, `\` and NUL.
    #[test]
    fn hostile_encodings_are_refused() {
        for bad in [
            "/%252e%252e/%252e%252e/x",
            "/account-apis/%252e%252e/%252e%252e/x",
            "/a/%252e/b",
            "/a/%25252e%25252e/b",
            "/a/%2e%252e/b",
            "/a/.%252e/b",
            "/a/%252E%252E/b",
            "/a%252fb",
            "/a%252Fb",
            "/a%25255cb",
            "/a%255cb",
            "/a%2500b",
            "/a%252500b",
            "/a%0ab",
            "/a%250db",
            "/a%7fb",
            "/a/%c0%ae%c0%ae/b",
            "/a/%25c0%25ae/b",
            "/a/%e0%80%ae/b",
            "/a/%c0%afb",
            "/a/%ef%bc%8e%ef%bc%8e/b",
            "/a%ef%bc%8fb",
            "/a/.../b",
            "/a/%2e/b",
            "/a/%zz",
            "/a/%2",
            "/a/%2525252525252e",
        ] {
            assert_eq!(check_api_path(bad).map_err(|e| e.code()), Err(ErrorCode::InvalidParameter), "{bad}");
        }
    }

    /// Issue 21 item 7: Tomcat, Spring and Jetty strip `;params` from each segment before they
    /// normalise, so `..;` and `..;jsessionid=x` are `..` to them: refused in every encoding.
    /// A `;` elsewhere in a segment stays allowed (matrix parameters are real API syntax).
    #[test]
    fn dot_segments_with_path_parameters_are_refused() {
        for bad in [
            "/matter-apis/v1/matters/..;/notes",
            "/matter-apis/v1/users/..;/..;/auth/token",
            "/a/.;/b",
            "/a/..;jsessionid=1/b",
            "/a/%2e%2e;/b",
            "/a/..%3b/b",
            "/a/..%253bx/b",
            "/a/%ef%bc%8e%ef%bc%8e;x/b",
        ] {
            assert_eq!(check_api_path(bad).map_err(|e| e.code()), Err(ErrorCode::InvalidParameter), "{bad}");
        }
        for good in ["/a/b;v=1/c", "/a/..x;/b", "/a/x..;/b", "/a/;/b", "/a/b;..", "/a/b;/.."] {
            let route_ok = !good.ends_with("/..");
            assert_eq!(check_api_path(good).is_ok(), route_ok, "{good}");
        }
    }

    #[test]
    fn retry_decisions() {
        let c = legalon();
        let p = RetryPolicy::default();
        let now = Timestamp::from_secs(0);
        let first = Attempt::default();
        assert_eq!(decide(&c, &p, &first, &resp(200, &[]), now), ApiDecision::Deliver);
        assert_eq!(decide(&c, &p, &first, &resp(500, &[]), now), ApiDecision::Deliver);
        assert_eq!(decide(&c, &p, &first, &resp(401, &[]), now), ApiDecision::Reauthenticate);
        let again = Attempt { reauthenticated: true, ..first };
        assert!(matches!(decide(&c, &p, &again, &resp(401, &[]), now), ApiDecision::Fail(e) if e.code() == ErrorCode::Unauthorized));
        assert_eq!(decide(&c, &p, &first, &resp(429, &[("X-RateLimit-Reset", "3")]), now), ApiDecision::Wait { delay_ms: 3000 });
        assert_eq!(decide(&c, &p, &first, &resp(429, &[]), now), ApiDecision::Wait { delay_ms: 1000 });
        let too_long = decide(&c, &p, &first, &resp(429, &[("X-RateLimit-Reset", "600"), ("X-Request-Id", "r1")]), now);
        assert!(
            matches!(&too_long, ApiDecision::Fail(e) if e.code() == ErrorCode::RateLimited && e.retry_after_ms() == Some(600_000) && e.request_id() == Some("r1"))
        );
        let spent = Attempt { rate_limit_retries: 2, ..first };
        assert!(matches!(decide(&c, &p, &spent, &resp(429, &[("Retry-After", "1")]), now), ApiDecision::Fail(_)));
    }
}
