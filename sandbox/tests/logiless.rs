//! Logiless: consent page, GET-only token endpoint, rotation, sample format,
//! stores paging, non-ASCII rejection, merchant check and rate limit headers.

mod common;

use common::*;
use serde_json::{json, Value};

fn auth_url(s: &Sbx, extra: &str) -> String {
    format!(
        "{}?client_id={}&response_type=code&redirect_uri={}{extra}",
        s.ep.logiless.authorize_url,
        enc(&s.ep.logiless.client_id),
        enc(&s.ep.logiless.redirect_uri)
    )
}

#[tokio::test]
async fn consent_page_and_form_submission() {
    let s = sandbox().await;
    let r = s.http.get(auth_url(&s, "&state=xyz%20 1")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    for needle in ["id=\"approve\"", "id=\"deny\"", "承認", "キャンセル", "<label for=\"user\">", "山田 太郎", "name=\"state\" value=\"xyz  1\""] {
        assert!(html.contains(needle), "page lacks {needle}");
    }
    let l = &s.ep.logiless;
    let form = |decision: &str, state: Option<&str>| {
        let mut f = vec![
            ("client_id", l.client_id.clone()),
            ("redirect_uri", l.redirect_uri.clone()),
            ("response_type", "code".to_string()),
            ("user_id", "user-id-125".to_string()),
            ("decision", decision.to_string()),
        ];
        if let Some(st) = state {
            f.push(("state", st.to_string()));
        }
        f
    };
    let r = s.http.post(&l.authorize_url).form(&form("approve", Some("xyz"))).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(&format!("{}?code=", l.redirect_uri)), "{loc}");
    assert_eq!(query_get(&loc, "state").as_deref(), Some("xyz"));
    let r = s.http.post(&l.authorize_url).form(&form("deny", Some("xyz"))).send().await.unwrap();
    assert_eq!(r.headers()["location"].to_str().unwrap(), format!("{}?error=access_denied&state=xyz", l.redirect_uri));
    let r = s.http.post(&l.authorize_url).form(&form("approve", None)).send().await.unwrap();
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(query_get(&loc, "state"), None);
    assert!(query_get(&loc, "code").is_some());
}

#[tokio::test]
async fn bad_client_or_redirect_shows_an_error_page_and_never_redirects() {
    let s = sandbox().await;
    let l = &s.ep.logiless;
    let cases = [
        (format!("{}?client_id=evil&response_type=code&redirect_uri={}", l.authorize_url, enc(&l.redirect_uri)), "invalid_client"),
        (format!("{}?response_type=code&redirect_uri={}", l.authorize_url, enc(&l.redirect_uri)), "invalid_request"),
        (auth_url(&s, "").replace(&enc(&l.redirect_uri), &enc(&format!("{}/", l.redirect_uri))), "redirect_uri_mismatch"),
        (
            format!("{}?client_id={}&response_type=code&redirect_uri={}", l.authorize_url, enc(&l.client_id), enc("https://evil.example/cb")),
            "redirect_uri_mismatch",
        ),
    ];
    for (url, code) in cases {
        let r = s.http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 400, "{url}");
        assert!(r.headers().get("location").is_none());
        let html = r.text().await.unwrap();
        assert!(html.contains(&format!("data-error=\"{code}\"")), "{url}: {html}");
        let r = s.post_control("logiless/approve", json!({"authorize_url": url})).await;
        assert_eq!(error_of(r).await.1, code);
    }
    // With a trusted redirect URI, a bad response_type goes back to the client.
    let url = format!("{}?client_id={}&redirect_uri={}&state=s", l.authorize_url, enc(&l.client_id), enc(&l.redirect_uri));
    let r = s.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"].to_str().unwrap(), format!("{}?error=invalid_request&state=s", l.redirect_uri));
    let r = s.http.get(format!("{url}&response_type=token")).send().await.unwrap();
    assert!(r.headers()["location"].to_str().unwrap().contains("error=unsupported_response_type"));
    // Control-plane approve with a full URL and deny.
    let v = s.control_ok("logiless/approve", json!({"authorize_url": auth_url(&s, "&state=q"), "decision": "deny"})).await;
    assert_eq!(v["redirect_url"], format!("{}?error=access_denied&state=q", l.redirect_uri));
}

#[tokio::test]
async fn token_exchange_via_get_only() {
    let s = sandbox().await;
    let l = s.ep.logiless.clone();
    let code = s.logiless_code(Some("s")).await;
    // POST is refused and does not consume the code.
    let r = s
        .http
        .post(&l.token_url)
        .form(&[
            ("client_id", &l.client_id),
            ("client_secret", &l.client_secret),
            ("code", &code),
            ("grant_type", &"authorization_code".to_string()),
            ("redirect_uri", &l.redirect_uri),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET");
    assert_eq!(error_of(r).await.1, "invalid_request");
    let params = [
        ("client_id", l.client_id.as_str()),
        ("client_secret", l.client_secret.as_str()),
        ("code", code.as_str()),
        ("grant_type", "authorization_code"),
        ("redirect_uri", l.redirect_uri.as_str()),
    ];
    let r = s.logiless_token(&params).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 2_592_000);
    assert_eq!(v["scope"], "");
    for k in ["access_token", "refresh_token"] {
        let t = v[k].as_str().unwrap();
        assert_eq!(t.len(), 32);
        assert!(t.chars().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
    }
    // Single use.
    let r = s.logiless_token(&params).await;
    assert_eq!(error_of(r).await, (400, "invalid_grant".into(), "The authorization code is invalid, expired or already used".into()));
}

#[tokio::test]
async fn token_errors() {
    let s = sandbox().await;
    let l = s.ep.logiless.clone();
    let code = s.logiless_code(None).await;
    let base = |skip: &str| {
        [
            ("client_id", l.client_id.as_str()),
            ("client_secret", l.client_secret.as_str()),
            ("code", code.as_str()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", l.redirect_uri.as_str()),
        ]
        .into_iter()
        .filter(|(k, _)| *k != skip)
        .collect::<Vec<_>>()
    };
    for name in ["client_id", "client_secret", "code", "grant_type", "redirect_uri"] {
        let r = s.logiless_token(&base(name)).await;
        assert_eq!(error_of(r).await, (400, "invalid_request".into(), format!("Missing required parameter: {name}")));
    }
    let mut p = base("");
    p[1] = ("client_secret", "wrong");
    assert_eq!(error_of(s.logiless_token(&p).await).await.0, 401);
    let mut p = base("");
    p[0] = ("client_id", "someone-else");
    assert_eq!(error_of(s.logiless_token(&p).await).await.1, "invalid_client");
    let mut p = base("");
    p[4] = ("redirect_uri", "http://localhost:8787/auth/logiless/callback/");
    assert_eq!(error_of(s.logiless_token(&p).await).await.1, "redirect_uri_mismatch");
    let mut p = base("");
    p[3] = ("grant_type", "client_credentials");
    assert_eq!(error_of(s.logiless_token(&p).await).await.1, "unsupported_grant_type");
    // Still valid after all of those; expires after 10 minutes.
    let fresh = s.logiless_code(None).await;
    s.advance(601).await;
    let mut p = base("");
    p[2] = ("code", fresh.as_str());
    assert_eq!(error_of(s.logiless_token(&p).await).await.1, "invalid_grant");
    let st = s.stats().await;
    assert_eq!(st["logiless"]["token_errors"], 10);
    assert_eq!(st["logiless"]["token_requests"]["authorization_code"], 8);
}

#[tokio::test]
async fn refresh_rotates_and_counts_reuse() {
    let s = sandbox().await;
    let l = s.ep.logiless.clone();
    let t = s.logiless_tokens().await;
    let rt1 = t["refresh_token"].as_str().unwrap().to_string();
    let refresh = |rt: String| {
        let s = &s;
        let l = l.clone();
        async move {
            s.logiless_token(&[("client_id", &l.client_id), ("client_secret", &l.client_secret), ("refresh_token", &rt), ("grant_type", "refresh_token")]).await
        }
    };
    let r = refresh(rt1.clone()).await;
    assert_eq!(r.status(), 200);
    let t2: Value = r.json().await.unwrap();
    assert_ne!(t2["refresh_token"], t["refresh_token"]);
    let r = refresh(rt1.clone()).await;
    assert_eq!(error_of(r).await, (400, "invalid_grant".into(), "The refresh token is invalid".into()));
    let st = s.stats().await;
    assert_eq!(st["logiless"]["refresh_reuse"], 1);
    assert_eq!(st["logiless"]["token_requests"]["refresh_token"], 2);
    // Both tokens last 30 days.
    s.advance(2_592_000).await;
    let r = refresh(t2["refresh_token"].as_str().unwrap().to_string()).await;
    assert_eq!(error_of(r).await.2, "The refresh token has expired");
    let r = s.http.get(format!("{}/merchant/{}/stores", l.api_base, l.merchant_id)).bearer_auth(t2["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn sample_format_is_byte_identical_in_form() {
    let s = sandbox().await;
    s.control_ok("options", json!({"logiless_sample_format": true})).await;
    let l = s.ep.logiless.clone();
    let code = s.logiless_code(None).await;
    let r = s
        .logiless_token(&[
            ("client_id", &l.client_id),
            ("client_secret", &l.client_secret),
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", &l.redirect_uri),
        ])
        .await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    // {"access_token":"<32>","token_type":"bearer","expires_in":2592000,"refresh_token":<32>,"scope":""}
    let rest = body.strip_prefix("{\"access_token\":\"").expect(&body);
    let (at, rest) = rest.split_at(32);
    let rest = rest.strip_prefix("\",\"token_type\":\"bearer\",\"expires_in\":2592000,\"refresh_token\":").expect(&body);
    let (rt, rest) = rest.split_at(32);
    assert_eq!(rest, ",\"scope\":\"\"}");
    for t in [at, rt] {
        assert!(t.chars().all(|c| c.is_ascii_alphanumeric() && !c.is_ascii_uppercase()), "{t}");
    }
    assert!(serde_json::from_str::<Value>(&body).is_err(), "the vendor sample is not valid JSON");
    // The unquoted refresh token works.
    let r = s.logiless_token(&[("client_id", &l.client_id), ("client_secret", &l.client_secret), ("refresh_token", rt), ("grant_type", "refresh_token")]).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn stores_are_paged_and_merchant_checked() {
    let s = sandbox().await;
    s.control_ok("options", json!({"logiless_rate_limit": {"limit": 100, "window_secs": 1}})).await;
    let l = s.ep.logiless.clone();
    let at = s.logiless_tokens().await["access_token"].as_str().unwrap().to_string();
    let url = format!("{}/merchant/{}/stores", l.api_base, l.merchant_id);
    let r = s.http.get(format!("{url}?limit=10&page=3")).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status(), 200);
    for h in ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] {
        assert!(r.headers().contains_key(h), "{h}");
    }
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["current_page"].as_u64(), v["limit"].as_u64(), v["total_count"].as_u64()), (Some(3), Some(10), Some(25)));
    assert_eq!(v["data"].as_array().unwrap().len(), 5);
    let v: Value = s.http.get(&url).bearer_auth(&at).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["data"].as_array().unwrap().len(), 20);
    assert_eq!(v["data"][0]["name"], "楽天市場店");
    let r = s.http.get(format!("{url}?limit=0")).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], 400);
    assert_eq!(v["message"], "Validation Failed");
    assert!(v["errors"]["limit"].is_array());
    let r = s.http.get(format!("{}/merchant/9999/stores", l.api_base)).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = s.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("x-ratelimit-remaining"));
    assert_eq!(error_of(r).await.1, "invalid_token");
    let r = s.http.get(&url).bearer_auth("0123456789abcdef0123456789abcdef").send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn sales_orders_must_be_ascii_json() {
    let s = sandbox().await;
    let l = s.ep.logiless.clone();
    let at = s.logiless_tokens().await["access_token"].as_str().unwrap().to_string();
    let url = format!("{}/merchant/{}/sales_orders/new", l.api_base, l.merchant_id);
    let post = |body: Vec<u8>, ct: &'static str| s.http.post(&url).bearer_auth(&at).header("Content-Type", ct).body(body).send();
    let raw = r#"{"code":"SO-1","buyer_name":"山田 太郎"}"#;
    let r = post(raw.as_bytes().to_vec(), "application/json").await.unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], 400);
    assert_eq!(v["message"], "Validation Failed");
    assert!(v["errors"].is_object());
    let escaped = r#"{"code":"SO-1","buyer_name":"\u5c71\u7530 \u592a\u90ce"}"#;
    let r = post(escaped.as_bytes().to_vec(), "application/json; charset=utf-8").await.unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["buyer_name"], "山田 太郎");
    assert_eq!(v["code"], "SO-1");
    assert!(v["id"].is_u64());
    let r = post(escaped.as_bytes().to_vec(), "text/plain").await.unwrap();
    assert_eq!(r.status(), 400);
    let r = post(b"[1,2]".to_vec(), "application/json").await.unwrap();
    assert_eq!(r.status(), 400);
    let r = post(b"{not json".to_vec(), "application/json").await.unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn rate_limit_fixed_window_with_headers() {
    let s = sandbox().await;
    s.control_ok("options", json!({"logiless_rate_limit": {"limit": 3, "window_secs": 60}})).await;
    let l = s.ep.logiless.clone();
    let at = s.logiless_tokens().await["access_token"].as_str().unwrap().to_string();
    let url = format!("{}/merchant/{}/stores", l.api_base, l.merchant_id);
    for remaining in ["2", "1", "0"] {
        let r = s.http.get(&url).bearer_auth(&at).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-ratelimit-limit"], "3");
        assert_eq!(r.headers()["x-ratelimit-remaining"], remaining);
    }
    let r = s.http.get(&url).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
    let reset: i64 = r.headers()["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&reset));
    let st = s.stats().await;
    assert_eq!(st["logiless"]["rate_limited"], 1);
    assert_eq!(st["logiless"]["api_calls"], 4);
    s.advance(60).await;
    let r = s.http.get(&url).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-ratelimit-remaining"], "2");
}

#[tokio::test]
async fn default_rate_limit_is_five_per_five_seconds() {
    let s = sandbox().await;
    let l = s.ep.logiless.clone();
    let at = s.logiless_tokens().await["access_token"].as_str().unwrap().to_string();
    let url = format!("{}/merchant/{}/stores", l.api_base, l.merchant_id);
    for _ in 0..5 {
        assert_eq!(s.http.get(&url).bearer_auth(&at).send().await.unwrap().status(), 200);
    }
    let r = s.http.get(&url).bearer_auth(&at).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["x-ratelimit-limit"], "5");
}
