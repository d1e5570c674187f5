//! Token response processing (every content type, the Logiless sample shape, any status) never
//! panics, and a success keeps the access token it was given.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tsunagi_core::providers::lawvu::{LawVuConfig, LawVuEnvironment};
use tsunagi_core::{HttpResponse, Timestamp};

fuzz_target!(|data: &[u8]| {
    let Some((&status_byte, body)) = data.split_first() else { return };
    let body = String::from_utf8_lossy(body).into_owned();
    let status = if status_byte < 128 { 200 } else { 400 + u16::from(status_byte % 200) };
    let Ok(client) = LawVuConfig::new(LawVuEnvironment::Sandbox, "c", "https://a.example/cb").client() else { return };
    let resp = HttpResponse::new(status, vec![("content-type".into(), "text/plain".into())], body);
    if let Ok(t) = client.parse_token_response(&resp, Timestamp::from_secs(1), None) {
        assert!(!t.access_token.secret().is_empty());
        assert!(status == 200);
    }
});
