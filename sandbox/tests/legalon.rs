//! LegalOn: Basic credentials verbatim, expired credentials, grant checks,
//! token pagination round trip, unknown fields, 1200 s expiry, rate limit.

mod common;

use base64::Engine;
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn token_with_verbatim_basic_credentials() {
    let s = sandbox().await;
    let cred = s.ep.legalon.credentials.clone().unwrap();
    let r = s.legalon_token_with(Some(&format!("Basic {cred}")), "grant_type=client_credentials").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers().contains_key("x-request-id"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["expires_in"], 1200);
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["api_base_url"], s.ep.legalon.api_base_url.as_str());
    assert!(v["access_token"].as_str().unwrap().len() >= 32);
    assert!(v.get("refresh_token").is_none(), "no refresh tokens, ever");
    assert_eq!(v.as_object().unwrap().len(), 4);
}

#[tokio::test]
async fn token_errors() {
    let s = sandbox().await;
    let cred = s.ep.legalon.credentials.clone().unwrap();
    let expired = s.ep.legalon.expired_credentials.clone().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&cred);
    let b64_pair = base64::engine::general_purpose::STANDARD.encode(format!("{cred}:"));
    let cases: Vec<(Option<String>, &str, u16, &str, &str)> = vec![
        (None, "grant_type=client_credentials", 401, "invalid_client", "Missing Authorization: Basic {API credentials} header"),
        (Some(format!("Basic {b64}")), "grant_type=client_credentials", 401, "invalid_client", "Invalid API credentials"),
        (Some(format!("Basic {b64_pair}")), "grant_type=client_credentials", 401, "invalid_client", "Invalid API credentials"),
        (Some(format!("Bearer {cred}")), "grant_type=client_credentials", 401, "invalid_client", "Missing Authorization: Basic {API credentials} header"),
        (Some(format!("Basic {expired}")), "grant_type=client_credentials", 401, "invalid_client", "The API credentials have expired"),
        (Some(format!("Basic {cred}")), "", 400, "invalid_request", "Missing required parameter: grant_type"),
        (Some(format!("Basic {cred}")), "grant_type=refresh_token", 400, "unsupported_grant_type", "Only grant_type=client_credentials is supported"),
        (Some(format!("Basic {cred}")), "grant_type=authorization_code", 400, "unsupported_grant_type", "Only grant_type=client_credentials is supported"),
    ];
    for (auth, body, status, error, desc) in &cases {
        let r = s.legalon_token_with(auth.as_deref(), body).await;
        if *status == 401 {
            // RFC 7617 §2: a Basic challenge carries a realm
            assert_eq!(r.headers()["www-authenticate"], "Basic realm=\"LegalOn API\"");
            assert_eq!(tsunagi_sandbox::legalon::BASIC_CHALLENGE, "Basic realm=\"LegalOn API\"");
        }
        assert_eq!(error_of(r).await, (*status, error.to_string(), desc.to_string()), "{auth:?} {body}");
    }
    let r = s.http.get(&s.ep.legalon.token_url).send().await.unwrap();
    assert_eq!(r.status(), 405);
    let st = s.stats().await;
    assert_eq!(st["legalon"]["token_errors"], cases.len() as u64);
    assert_eq!(st["legalon"]["token_requests"]["client_credentials"], 5);
}

async fn get(s: &Sbx, at: &str, path: &str) -> reqwest::Response {
    s.http.get(format!("{}/rest/v1/{path}", s.ep.legalon.api_base_url)).bearer_auth(at).send().await.unwrap()
}

#[tokio::test]
async fn users_pagination_round_trip() {
    let s = sandbox().await;
    let at = s.legalon_access().await;
    let mut ids = Vec::new();
    let mut pages = Vec::new();
    let mut token = String::new();
    loop {
        let path = if token.is_empty() { "users?page_size=20".to_string() } else { format!("users?page_size=20&page_token={}", enc(&token)) };
        let r = get(&s, &at, &path).await;
        assert_eq!(r.status(), 200);
        for h in ["x-request-id", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
            assert!(r.headers().contains_key(h), "{h}");
        }
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["total_size"], 45);
        assert!(v["_sandbox_extension"].is_object(), "unknown field present");
        for u in v["users"].as_array().unwrap() {
            ids.push(u["id"].as_str().unwrap().to_string());
        }
        token = v["next_page_token"].as_str().unwrap().to_string();
        pages.push(v);
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(pages.len(), 3);
    assert_eq!(ids.len(), 45);
    let mut dedup = ids.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 45);
    assert_eq!(pages[0]["prev_page_token"], "");
    assert_eq!(pages[2]["users"].as_array().unwrap().len(), 5);
    // prev from the last page gives the middle page back.
    let prev = pages[2]["prev_page_token"].as_str().unwrap();
    let v: Value = get(&s, &at, &format!("users?page_size=20&page_token={}", enc(prev))).await.json().await.unwrap();
    assert_eq!(v["users"], pages[1]["users"]);
    // Opaque tokens: tampering, other collections and garbage are rejected.
    let next0 = pages[0]["next_page_token"].as_str().unwrap();
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(next0).unwrap();
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(String::from_utf8(decoded).unwrap().replace(":20:", ":40:"));
    for bad in [forged.as_str(), "garbage", "AAAA"] {
        let r = get(&s, &at, &format!("users?page_token={}", enc(bad))).await;
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.headers().contains_key("x-request-id"));
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], "INVALID_ARGUMENT");
    }
    let r = get(&s, &at, &format!("departments?page_token={}", enc(next0))).await;
    assert_eq!(r.status(), 400);
    for size in ["0", "101", "abc"] {
        assert_eq!(get(&s, &at, &format!("users?page_size={size}")).await.status(), 400);
    }
}

#[tokio::test]
async fn other_collections() {
    let s = sandbox().await;
    let at = s.legalon_access().await;
    for (path, key, n) in [("departments", "departments", 8), ("user-groups", "user_groups", 3), ("spaces", "spaces", 3)] {
        let v: Value = get(&s, &at, path).await.json().await.unwrap();
        assert_eq!(v[key].as_array().unwrap().len(), n, "{path}");
        assert_eq!(v["total_size"], n);
        assert_eq!(v["next_page_token"], "");
        assert!(v["_sandbox_extension"].is_object());
    }
    assert_eq!(get(&s, &at, "nope").await.status(), 404);
}

#[tokio::test]
async fn access_token_expires_after_1200_seconds() {
    let s = sandbox().await;
    let at = s.legalon_access().await;
    s.advance(1195).await;
    assert_eq!(get(&s, &at, "users").await.status(), 200);
    s.advance(5).await;
    let r = get(&s, &at, "users").await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("x-request-id"));
    assert!(r.headers().contains_key("x-ratelimit-remaining"));
    assert!(r.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "UNAUTHENTICATED");
    // A new token works (no refresh token: just ask again).
    let at2 = s.legalon_access().await;
    assert_eq!(get(&s, &at2, "users").await.status(), 200);
    let r = s.http.get(format!("{}/rest/v1/users", s.ep.legalon.api_base_url)).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn rate_limit_skips_invalid_tokens_and_429s() {
    let s = sandbox().await;
    s.control_ok("options", json!({"legalon_rate_limit": {"limit": 2, "window_secs": 30}})).await;
    let at = s.legalon_access().await;
    let r = get(&s, &at, "users").await;
    assert_eq!((r.status().as_u16(), r.headers()["x-ratelimit-remaining"].to_str().unwrap()), (200, "1"));
    assert_eq!(r.headers()["x-ratelimit-limit"], "2");
    // Invalid tokens do not count.
    for _ in 0..3 {
        let r = get(&s, "bogus-token", "users").await;
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["x-ratelimit-remaining"], "1");
    }
    // Parameter errors do count.
    let r = get(&s, &at, "users?page_size=0").await;
    assert_eq!((r.status().as_u16(), r.headers()["x-ratelimit-remaining"].to_str().unwrap()), (400, "0"));
    for _ in 0..3 {
        let r = get(&s, &at, "users").await;
        assert_eq!(r.status(), 429);
        let reset: i64 = r.headers()["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
        assert!((1..=30).contains(&reset));
        assert!(r.headers().contains_key("x-request-id"));
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], "RESOURCE_EXHAUSTED");
    }
    let st = s.stats().await;
    assert_eq!(st["legalon"]["rate_limited"], 3);
    assert_eq!(st["legalon"]["api_calls"], 8);
    // 429s were not counted: the next window starts fresh.
    s.advance(30).await;
    let r = get(&s, &at, "users").await;
    assert_eq!((r.status().as_u16(), r.headers()["x-ratelimit-remaining"].to_str().unwrap()), (200, "1"));
}
