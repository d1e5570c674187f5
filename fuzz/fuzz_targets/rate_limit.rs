//! Rate-limit headers (`X-RateLimit-*`, `Retry-After` in both forms) never panic or overflow.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tsunagi_core::rate_limit::RateLimit;
use tsunagi_core::Timestamp;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data).into_owned();
    let now = Timestamp::from_millis(u64::from(data.first().copied().unwrap_or(0)) * 1_000_000_000_000);
    let headers = vec![
        ("X-RateLimit-Limit".to_owned(), s.clone()),
        ("X-RateLimit-Remaining".to_owned(), s.clone()),
        ("X-RateLimit-Reset".to_owned(), s.clone()),
        ("Retry-After".to_owned(), s),
    ];
    let _ = RateLimit::from_headers(&headers, now).wait_ms();
});
