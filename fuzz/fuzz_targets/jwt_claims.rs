//! Unverified JWT claim decoding never panics; the fast path and the typed path agree.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tsunagi_core::jwt::{decode_claims_unverified, payload_json_unverified};

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    let typed = decode_claims_unverified(&token);
    let text = payload_json_unverified(&token);
    if typed.is_ok() {
        assert!(text.is_ok(), "typed decode succeeded where the payload text failed");
    }
});
