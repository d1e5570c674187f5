//! Error-body classification (RFC 6749, problem+json, Logiless, plain text, LawVu messages) never
//! panics and never keeps a token-shaped value the body carried.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tsunagi::providers::lawvu::{LawVuConfig, LawVuEnvironment};
use tsunagi::{HttpResponse, Timestamp};

fuzz_target!(|data: &[u8]| {
    let Some((&s, body)) = data.split_first() else { return };
    let body = String::from_utf8_lossy(body).into_owned();
    let Ok(client) = LawVuConfig::new(LawVuEnvironment::Sandbox, "c", "https://a.example/cb").client() else { return };
    let media = ["application/json", "application/problem+json", "text/plain", "text/html"][usize::from(s % 4)];
    let resp = HttpResponse::new(400 + u16::from(s), vec![("content-type".into(), media.into())], body.clone());
    let err = client.api_error(&resp, Timestamp::from_secs(1));
    let leak = format!("{err:?}{err}");
    let secret = "access_token\":\"FUZZSECRET";
    if body.contains(secret) {
        assert!(!leak.contains("FUZZSECRET"), "a token value survived scrubbing");
    }
});
