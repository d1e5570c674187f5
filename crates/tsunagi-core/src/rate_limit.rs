//! Reading rate-limit headers: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`
//! (LegalOn: seconds until the limit resets; Logiless: same names) and `Retry-After`
//! (RFC 9110 §10.2.3: delta-seconds or an HTTP-date).

use crate::time::{parse_http_date, Timestamp};

/// Reset values at or above this are read as epoch seconds rather than a delay (some servers,
/// GitHub-style, send an absolute time; LegalOn documents seconds-until-reset).
const EPOCH_SECONDS_THRESHOLD: u64 = 1_000_000_000;

/// What a response says about the rate limit. Absent or malformed headers are `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`, as milliseconds from now.
    pub reset_after_ms: Option<u64>,
    /// `Retry-After`, as milliseconds from now.
    pub retry_after_ms: Option<u64>,
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
}

/// Non-negative seconds, integer or decimal, to milliseconds.
fn seconds_to_ms(v: &str) -> Option<u64> {
    crate::decimal::parse_scaled(v, 3)
}

impl RateLimit {
    /// Reads the headers at `now` (needed for absolute times).
    pub fn from_headers(headers: &[(String, String)], now: Timestamp) -> Self {
        let int = |name| header(headers, name).and_then(|v| v.parse::<u64>().ok());
        let reset_after_ms = header(headers, "x-ratelimit-reset").and_then(|v| {
            let ms = seconds_to_ms(v)?;
            if ms / 1000 >= EPOCH_SECONDS_THRESHOLD {
                Some(now.millis_until(Timestamp::from_millis(ms)))
            } else {
                Some(ms)
            }
        });
        let retry_after_ms = header(headers, "retry-after").and_then(|v| seconds_to_ms(v).or_else(|| parse_http_date(v).map(|t| now.millis_until(t))));
        RateLimit { limit: int("x-ratelimit-limit"), remaining: int("x-ratelimit-remaining"), reset_after_ms, retry_after_ms }
    }

    /// How long to wait before retrying: `X-RateLimit-Reset`, else `Retry-After`.
    pub fn wait_ms(&self) -> Option<u64> {
        self.reset_after_ms.or(self.retry_after_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn legalon_headers() {
        let r =
            RateLimit::from_headers(&h(&[("X-RateLimit-Limit", "100"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "12")]), Timestamp::from_secs(0));
        assert_eq!(r, RateLimit { limit: Some(100), remaining: Some(0), reset_after_ms: Some(12_000), retry_after_ms: None });
        assert_eq!(r.wait_ms(), Some(12_000));
    }

    #[test]
    fn absolute_reset_and_retry_after_forms() {
        let now = Timestamp::from_secs(1_800_000_000);
        let r = RateLimit::from_headers(&h(&[("x-ratelimit-reset", "1800000005")]), now);
        assert_eq!(r.reset_after_ms, Some(5000));
        let r = RateLimit::from_headers(&h(&[("retry-after", "2.5")]), now);
        assert_eq!(r.wait_ms(), Some(2500));
        let r = RateLimit::from_headers(&h(&[("Retry-After", "Sun, 06 Nov 1994 08:49:47 GMT")]), Timestamp::from_secs(784_111_777));
        assert_eq!(r.retry_after_ms, Some(10_000));
        let r = RateLimit::from_headers(&h(&[("x-ratelimit-reset", "-3"), ("x-ratelimit-limit", "lots")]), now);
        assert_eq!(r, RateLimit::default());
    }

    proptest! {
        #[test]
        fn never_panics(v in ".{0,30}", now in any::<u64>()) {
            let _ = RateLimit::from_headers(&h(&[("x-ratelimit-reset", &v), ("retry-after", &v), ("x-ratelimit-limit", &v)]), Timestamp::from_millis(now));
        }
    }
}
