//! Callback parsing (query and hash-route) never panics, and only ever returns a non-empty code
//! when the expected state matched.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tsunagi_core::{parse_callback, State};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let Ok(expected) = State::new("fuzz-state") else { return };
    for url in [s.to_string(), format!("https://a.example/cb?{s}"), format!("http://localhost:5173/#/cb?{s}")] {
        if let Ok(code) = parse_callback(&url, Some(&expected)) {
            assert!(!code.secret().is_empty());
            assert!(url.contains("state=fuzz-state"));
        }
    }
});
