//! The core's JSON reader against serde_json's: whatever serde_json reads, the core reads to the
//! same value (written back and read by serde_json); the core refuses nothing else except numbers
//! beyond f64's range, which it keeps as text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tsunagi_core::json::{parse, Escape};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let theirs = serde_json::from_str::<Value>(text);
    match (parse(text), theirs) {
        (Ok(ours), Ok(theirs)) => {
            let back: Value = serde_json::from_str(&ours.to_json(Escape::Minimal)).expect("the core writes JSON");
            assert_eq!(back, theirs);
            let ascii = ours.to_json(Escape::AsciiOnly);
            assert!(ascii.is_ascii());
            assert_eq!(parse(&ascii).ok(), Some(ours));
        }
        (Err(_), Ok(_)) => panic!("the core refused JSON serde_json reads: {text:?}"),
        (Ok(_), Err(e)) => assert!(e.to_string().contains("number out of range"), "the core read what serde_json refuses ({e}): {text:?}"),
        (Err(_), Err(_)) => {}
    }
});
