//! ASCII-only JSON: the output is ASCII and decodes to the input; escaping any JSON text leaves
//! its meaning unchanged.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tsunagi_core::codec::ascii_json::{escape_non_ascii, to_ascii_json};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data).into_owned();
    let value = serde_json::json!({ "text": s, "list": [s] });
    let ours = tsunagi_core::json::parse(&value.to_string()).expect("the core reads what serde_json writes");
    let out = to_ascii_json(&ours);
    assert!(out.is_ascii());
    assert_eq!(serde_json::from_str::<Value>(&out).ok(), Some(value));
    // any JSON text, escaped, parses to exactly what the original parses to
    let text = String::from_utf8_lossy(data);
    if let Ok(parsed) = serde_json::from_str::<Value>(&text) {
        let out = escape_non_ascii(&text);
        assert!(out.is_ascii());
        assert_eq!(serde_json::from_str::<Value>(&out).ok(), Some(parsed));
    }
});
