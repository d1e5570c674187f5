//! The hostile-upstream faults: `redirect` (a 3xx to a chosen `Location`, nothing burned) and
//! `huge_chunked_body` (1 GiB streamed chunked, no `Content-Length`), and their validation.

mod common;

use common::*;
use serde_json::{json, Value};
use tsunagi_sandbox::faults::HUGE_BODY_BYTES;

#[tokio::test]
async fn redirect_fault_answers_the_status_and_location_and_burns_nothing() {
    let s = sandbox().await;
    let code = s.lawvu_code(&s.public_id(), "https://a.example/cb").await;
    let form =
        [("grant_type", "authorization_code".to_string()), ("client_id", s.public_id()), ("code", code), ("redirect_uri", "https://a.example/cb".into())];
    let target = "http://127.0.0.1:9/steal";
    s.control_ok("faults", json!({"provider": "lawvu", "endpoint": "token", "kind": "redirect", "location": target})).await;
    s.control_ok("faults", json!({"provider": "lawvu", "endpoint": "token", "kind": "redirect", "location": target, "status": 302})).await;
    let pending: Value = s.get_control("faults").await;
    assert_eq!(pending["pending"][0]["status"], 307);
    assert_eq!(pending["pending"][1]["location"], target);
    for want in [307, 302] {
        let r = s.http.post(&s.ep.lawvu.token_url).form(&form).send().await.unwrap();
        assert_eq!(r.status(), want);
        assert_eq!(r.headers()["location"], target);
    }
    assert_eq!(s.stats().await["lawvu"]["token_requests"]["authorization_code"], 0);
    let r = s.http.post(&s.ep.lawvu.token_url).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 200, "the code was not burned by the redirects");
}

#[tokio::test]
async fn huge_chunked_body_fault_streams_without_content_length() {
    let s = sandbox().await;
    let at = s.logiless_tokens().await["access_token"].as_str().unwrap().to_string();
    let l = s.ep.logiless.clone();
    let url = format!("{}/merchant/{}/stores", l.api_base, l.merchant_id);
    s.fault("logiless", "api", "huge_chunked_body", 1, None).await;
    let mut r = s.http.get(&url).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-length").is_none());
    assert_eq!(r.headers()["transfer-encoding"], "chunked");
    // read past 8 MiB (a client's usual bound), then hang up
    let mut read = 0;
    while read <= 9 * 1024 * 1024 {
        read += r.chunk().await.unwrap().expect("more body").len();
    }
    assert!(read < HUGE_BODY_BYTES);
    drop(r);
    let next = s.http.get(&url).bearer_auth(&at).send().await.unwrap();
    assert_eq!(next.status(), 200, "one fault, then back to normal");
}

#[tokio::test]
async fn redirect_fault_validation() {
    let s = sandbox().await;
    for b in [
        json!({"provider": "lawvu", "endpoint": "token", "kind": "redirect"}),
        json!({"provider": "lawvu", "endpoint": "token", "kind": "redirect", "location": "http://x/", "status": 200}),
        json!({"provider": "lawvu", "endpoint": "token", "kind": "redirect", "location": "bad\nvalue"}),
        json!({"provider": "lawvu", "endpoint": "token", "kind": "status500", "location": "http://x/"}),
        json!({"provider": "lawvu", "endpoint": "api", "kind": "huge_chunked_body", "status": 302}),
    ] {
        assert_eq!(s.post_control("faults", b.clone()).await.status(), 400, "{b}");
    }
}
