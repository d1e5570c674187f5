//! LawVu: authorize validation, one-time consent, token endpoint errors (every
//! documented string, verbatim), rotation, refresh lifetimes, JWT, API, CORS.

mod common;

use base64::Engine;
use common::*;
use serde_json::{json, Value};

async fn approve_err(s: &Sbx, authorize_url: &str) -> (u16, String, String) {
    let r = s.post_control("lawvu/approve", json!({"authorize_url": authorize_url, "user_id": "user-id-123"})).await;
    error_of(r).await
}

#[tokio::test]
async fn page_is_a_fragment_reading_spa_with_stable_ids() {
    let s = sandbox().await;
    let r = s.http.get(format!("{}/", s.ep.lawvu.web_base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = r.text().await.unwrap();
    for needle in [
        "location.hash",
        "#\\/authorize",
        "id=\"login\"",
        "id=\"login-user\"",
        "<label for=\"login-user\">",
        "id=\"approve\"",
        "id=\"deny\"",
        "'login-user-' + u.id",
        "/__consent/lawvu",
        "role=\"alert\"",
    ] {
        assert!(html.contains(needle), "page lacks {needle}");
    }
}

#[tokio::test]
async fn authorize_errors_use_documented_messages() {
    let s = sandbox().await;
    let a = &s.ep.lawvu.authorize_url;
    let conf = s.confidential_id();
    let cases = [
        (format!("{a}?response_type=code&client_id={conf}"), "Required parameter missing from request url: redirect_uri"),
        (format!("{a}?response_type=code&redirect_uri={}", enc(LAWVU_CB)), "Required parameter missing from request url: client_id"),
        (format!("{a}?response_type=code&client_id=acme-inc&redirect_uri={}", enc(LAWVU_CB)), "Client is not valid: \"acme-inc\""),
        (
            format!("{a}?response_type=code&client_id={conf}&redirect_uri={}", enc("https://evil.example/cb")),
            "Supplied parameter does not match a whitelisted value: redirect_uri",
        ),
        (
            format!("{a}?response_type=code&client_id={conf}&redirect_uri={}", enc("http://localhost:8787/auth/lawvu/callback/")),
            "Supplied parameter does not match a whitelisted value: redirect_uri",
        ),
        (format!("{a}?response_type=token&client_id={conf}&redirect_uri={}", enc(LAWVU_CB)), "Supplied parameter is not correct: response_type"),
        (format!("{a}?response_type=code&client_id={}&redirect_uri=%2Fauth%2Fcallback", s.public_id()), "Supplied parameter is not correct: redirect_uri"),
        (
            format!("{a}?response_type=code&client_id={}&redirect_uri={}", s.public_id(), enc("http://app.example/cb")),
            "Supplied parameter is not correct: redirect_uri",
        ),
    ];
    for (url, message) in cases {
        let (status, _, desc) = approve_err(&s, &url).await;
        assert_eq!((status, desc.as_str()), (400, message), "{url}");
        // The page's own endpoint applies the same validation.
        let query = url.split_once("#/authorize?").unwrap().1;
        let r = s.http.post(format!("{}/__consent/lawvu/check", s.ep.lawvu.web_base)).json(&json!({"query": query})).send().await.unwrap();
        let (status, _, desc) = error_of(r).await;
        assert_eq!((status, desc.as_str()), (400, message), "page check {url}");
    }
    // The classic client bug: query placed before the '#' is invisible to the SPA.
    let wrong = format!("{}/?response_type=code&client_id={conf}&redirect_uri={}#/authorize", s.ep.lawvu.web_base, enc(LAWVU_CB));
    let (_, _, desc) = approve_err(&s, &wrong).await;
    assert_eq!(desc, "Required parameter missing from request url: redirect_uri");
}

#[tokio::test]
async fn sandbox_client_accepts_any_https_or_loopback_redirect() {
    let s = sandbox().await;
    for uri in ["https://acme-inc.com/auth", "http://localhost:3000/cb", "http://127.0.0.1:5173/x"] {
        let r = s.lawvu_redirect(&s.public_id(), uri, None).await;
        assert!(r.starts_with(&format!("{uri}?code=")), "{r}");
        assert_eq!(query_get(&r, "state"), None);
    }
}

#[tokio::test]
async fn redirect_echoes_state_and_appends_to_existing_query() {
    let s = sandbox().await;
    let state = "a b/c&d=é";
    let r = s.lawvu_redirect(&s.public_id(), "https://app.example/cb?x=1", Some(state)).await;
    assert!(r.starts_with("https://app.example/cb?x=1&code="), "{r}");
    assert_eq!(query_get(&r, "x").as_deref(), Some("1"));
    assert_eq!(query_get(&r, "state").as_deref(), Some(state));
    // Deny.
    let url = s.lawvu_authorize_url(&s.public_id(), "https://app.example/cb", Some("s1"));
    let v = s.control_ok("lawvu/approve", json!({"authorize_url": url, "user_id": "user-id-124", "decision": "deny"})).await;
    let r = v["redirect_url"].as_str().unwrap();
    assert_eq!(r, "https://app.example/cb?error=access_denied&state=s1");
    // params form is accepted too.
    let v = s
        .control_ok(
            "lawvu/approve",
            json!({"params": {"response_type": "code", "client_id": s.public_id(), "redirect_uri": "https://app.example/cb"}, "user_id": "user-id-124"}),
        )
        .await;
    assert!(v["redirect_url"].as_str().unwrap().starts_with("https://app.example/cb?code="));
    // Unknown user.
    let r = s.post_control("lawvu/approve", json!({"authorize_url": url, "user_id": "nobody"})).await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn consent_is_asked_once_per_client_and_user() {
    let s = sandbox().await;
    let consent = format!("{}/__consent/lawvu", s.ep.lawvu.web_base);
    let query = format!("response_type=code&client_id={}&redirect_uri={}&state=z", s.public_id(), enc("https://a.example/cb"));
    let post = |body: Value| {
        let http = s.http.clone();
        let consent = consent.clone();
        async move { http.post(consent).json(&body).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let v = post(json!({"query": query, "user_id": "user-id-123"})).await;
    assert_eq!(v["consent_required"], true);
    assert_eq!(v["user_name"], "Jane Smith");
    let v = post(json!({"query": query, "user_id": "user-id-123", "decision": "approve"})).await;
    assert!(v["redirect_url"].as_str().unwrap().contains("code="));
    // Second authorization for the same pair: straight through after login.
    let v = post(json!({"query": query, "user_id": "user-id-123"})).await;
    let url = v["redirect_url"].as_str().expect("no consent screen the second time");
    assert_eq!(query_get(url, "state").as_deref(), Some("z"));
    // Another user still gets the consent screen.
    let v = post(json!({"query": query, "user_id": "user-id-124"})).await;
    assert_eq!(v["consent_required"], true);
}

fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn code_exchange_returns_documented_shape_and_jwt() {
    let s = sandbox().await;
    let code = s.lawvu_code(&s.confidential_id(), LAWVU_CB).await;
    assert_eq!(code.len(), 22, "code looks like the document's SplxlOBeZQQYbYS6WxSbIA");
    let r = s
        .lawvu_token(&[
            ("code", &code),
            ("grant_type", "authorization_code"),
            ("client_id", &s.confidential_id()),
            ("client_secret", &s.confidential_secret()),
            ("redirect_uri", LAWVU_CB),
        ])
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers().contains_key("x-request-id"));
    let v: Value = r.json().await.unwrap();
    let now = s.now().await;
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["userName"], "Jane Smith");
    assert_eq!(v["userId"], "user-id-123");
    assert_eq!(v["emailDomain"], "acme-legal.example");
    assert_eq!(v["gateway"], s.ep.lawvu.api_base.as_str());
    assert!(v["refresh_token"].as_str().unwrap().len() >= 22);
    let c = jwt_claims(v["access_token"].as_str().unwrap());
    assert_eq!(c["sub"], "user-id-123");
    assert_eq!(c["name"], "Jane Smith");
    assert_eq!(c["organisationId"], "org-id-456");
    let (iat, exp) = (c["iat"].as_i64().unwrap(), c["exp"].as_i64().unwrap());
    assert_eq!(exp - iat, 3600);
    assert!((iat - now).abs() <= 2);
    let expires = v["expires"].as_str().unwrap();
    assert_eq!(expires.len(), 20);
    assert!(expires.ends_with('Z') && expires.contains('T'));
    // The JWT follows the sandbox clock.
    s.advance(86_400 * 10).await;
    let v = s.lawvu_tokens(true).await;
    let c = jwt_claims(v["access_token"].as_str().unwrap());
    assert!((c["iat"].as_i64().unwrap() - (now + 864_000)).abs() <= 2);
}

#[tokio::test]
async fn token_request_errors_are_verbatim() {
    let s = sandbox().await;
    let id = s.confidential_id();
    let secret = s.confidential_secret();
    let public = s.public_id();
    let code = s.lawvu_code(&id, LAWVU_CB).await;
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("client_id", &id), ("code", &code)], "invalid_request", "Required parameter missing from request body: grant_type"),
        (vec![("grant_type", "authorization_code"), ("code", &code)], "invalid_request", "Required parameter missing from request body: client_id"),
        (
            vec![("grant_type", "authorization_code"), ("client_id", &id), ("redirect_uri", LAWVU_CB)],
            "invalid_request",
            "Required parameter missing from request body: code",
        ),
        (
            vec![("grant_type", "authorization_code"), ("client_id", "acme-inc"), ("code", &code), ("redirect_uri", LAWVU_CB)],
            "invalid_client",
            "Client is not valid: \"acme-inc\"",
        ),
        (
            vec![("grant_type", "authorization_code"), ("client_id", &id), ("client_secret", "wrong"), ("code", &code), ("redirect_uri", LAWVU_CB)],
            "invalid_client",
            "Supplied parameter is not correct: client_secret",
        ),
        (
            vec![("grant_type", "authorization_code"), ("client_id", &id), ("code", "SplxlOBeZQQYbYS6WxSbIA"), ("redirect_uri", LAWVU_CB)],
            "invalid_grant",
            "Supplied authorization_code is not valid or has expired",
        ),
        (
            vec![("grant_type", "authorization_code"), ("client_id", &public), ("code", &code), ("redirect_uri", LAWVU_CB)],
            "invalid_grant",
            "Supplied authorization_code is not valid or has expired",
        ),
        (
            vec![("grant_type", "authorization_code"), ("client_id", &public), ("client_secret", &secret), ("code", &code), ("redirect_uri", LAWVU_CB)],
            "invalid_client",
            "Supplied parameter is not correct: client_secret",
        ),
        (vec![("grant_type", "password"), ("client_id", &id)], "unsupported_grant_type", "Supplied parameter is not correct: grant_type (password)"),
        (vec![("grant_type", "refresh_token"), ("client_id", &id), ("refresh_token", "tGzv3JOkF0XG5Qx2TlKWIA")], "invalid_grant", "Refresh token is not valid"),
        (
            vec![("grant_type", "authorization_code"), ("grant_type", "authorization_code"), ("client_id", &id)],
            "invalid_request",
            "Duplicate parameter in request body: grant_type",
        ),
    ];
    for (form, error, desc) in &cases {
        let r = s.lawvu_token(form).await;
        assert_eq!(error_of(r).await, (400, error.to_string(), desc.to_string()), "{form:?}");
    }
    // Not form-encoded.
    let r = s.http.post(&s.ep.lawvu.token_url).json(&json!({"grant_type": "authorization_code"})).send().await.unwrap();
    assert_eq!(error_of(r).await.0, 400);
    // GET is not allowed.
    let r = s.http.get(&s.ep.lawvu.token_url).send().await.unwrap();
    assert_eq!(r.status(), 405);
    // None of those burned the code.
    let r = s.lawvu_token(&[("grant_type", "authorization_code"), ("client_id", &id), ("code", &code), ("redirect_uri", LAWVU_CB)]).await;
    assert_eq!(r.status(), 200);
    let st = s.stats().await;
    assert_eq!(st["lawvu"]["token_errors"], cases.len() as u64 + 1);
    // 9 requests carried grant_type=authorization_code (incl. the duplicate one and the success).
    assert_eq!(st["lawvu"]["token_requests"]["authorization_code"], 9);
    assert_eq!(st["lawvu"]["token_requests"]["refresh_token"], 1);
}

#[tokio::test]
async fn codes_are_single_use_and_short_lived() {
    let s = sandbox().await;
    let id = s.public_id();
    let cb = "https://app.example/cb";
    let code = s.lawvu_code(&id, cb).await;
    let form = [("grant_type", "authorization_code"), ("client_id", id.as_str()), ("code", code.as_str()), ("redirect_uri", cb)];
    assert_eq!(s.lawvu_token(&form).await.status(), 200);
    assert_eq!(error_of(s.lawvu_token(&form).await).await.2, "Supplied authorization_code is not valid or has expired");
    let code = s.lawvu_code(&id, cb).await;
    s.advance(301).await;
    let form = [("grant_type", "authorization_code"), ("client_id", id.as_str()), ("code", code.as_str()), ("redirect_uri", cb)];
    assert_eq!(error_of(s.lawvu_token(&form).await).await.2, "Supplied authorization_code is not valid or has expired");
}

#[tokio::test]
async fn redirect_uri_must_match_byte_for_byte() {
    let s = sandbox().await;
    let id = s.public_id();
    let cb = "https://app.example/cb";
    let code = s.lawvu_code(&id, cb).await;
    let expected = format!("Supplied redirect URI doesn't match the one used for authorize endpoint ({cb})");
    for other in ["https://app.example/cb/", "https://app.example/cb?x=1", "https://APP.example/cb", "https://app.example/cb%2F"] {
        let r = s.lawvu_token(&[("grant_type", "authorization_code"), ("client_id", &id), ("code", &code), ("redirect_uri", other)]).await;
        assert_eq!(error_of(r).await, (400, "invalid_grant".into(), expected.clone()), "{other}");
    }
    let r = s.lawvu_token(&[("grant_type", "authorization_code"), ("client_id", &id), ("code", &code)]).await;
    assert_eq!(error_of(r).await.2, "Required parameter missing from request body: redirect_uri");
    // A mismatch does not consume the code.
    let r = s.lawvu_token(&[("grant_type", "authorization_code"), ("client_id", &id), ("code", &code), ("redirect_uri", cb)]).await;
    assert_eq!(r.status(), 200);
}

async fn refresh(s: &Sbx, token: &str, secret: Option<&str>) -> reqwest::Response {
    let id = s.confidential_id();
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", id.as_str())];
    if let Some(sec) = secret {
        form.push(("client_secret", sec));
    }
    s.lawvu_token(&form).await
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_is_counted() {
    let s = sandbox().await;
    let secret = s.confidential_secret();
    let first = s.lawvu_tokens(true).await;
    let rt1 = first["refresh_token"].as_str().unwrap();
    let r = refresh(&s, rt1, Some(&secret)).await;
    assert_eq!(r.status(), 200);
    let second: Value = r.json().await.unwrap();
    let rt2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(rt1, rt2);
    assert_ne!(first["access_token"], second["access_token"]);
    assert_eq!(second["userId"], "user-id-123");
    for _ in 0..2 {
        let r = refresh(&s, rt1, Some(&secret)).await;
        assert_eq!(error_of(r).await, (400, "invalid_grant".into(), "Refresh token is not valid".into()));
    }
    let st = s.stats().await;
    assert_eq!(st["lawvu"]["refresh_reuse"], 2);
    assert_eq!(st["lawvu"]["token_requests"]["refresh_token"], 3);
    assert_eq!(st["lawvu"]["token_errors"], 2);
    // Without family revocation the rotated token still works.
    assert_eq!(refresh(&s, rt2, Some(&secret)).await.status(), 200);
    // Another client cannot use the refresh token.
    let t = s.lawvu_tokens(true).await;
    let r = s.lawvu_token(&[("grant_type", "refresh_token"), ("refresh_token", t["refresh_token"].as_str().unwrap()), ("client_id", &s.public_id())]).await;
    assert_eq!(error_of(r).await.2, "Refresh token is not valid");
}

#[tokio::test]
async fn revoke_family_on_reuse_option_kills_the_family() {
    let s = sandbox().await;
    s.control_ok("options", json!({"lawvu_revoke_family_on_reuse": true})).await;
    let secret = s.confidential_secret();
    let t1 = s.lawvu_tokens(true).await;
    let rt1 = t1["refresh_token"].as_str().unwrap();
    let t2: Value = refresh(&s, rt1, Some(&secret)).await.json().await.unwrap();
    assert_eq!(error_of(refresh(&s, rt1, Some(&secret)).await).await.2, "Refresh token is not valid");
    // The live token of the same family is now dead too, and so is its access token.
    let rt2 = t2["refresh_token"].as_str().unwrap();
    assert_eq!(error_of(refresh(&s, rt2, Some(&secret)).await).await.2, "Refresh token is not valid");
    let r = s.http.get(format!("{}/account-apis/v1/users", s.ep.lawvu.api_base)).bearer_auth(t2["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn refresh_lifetime_is_one_day_without_secret_and_thirty_with() {
    let s = sandbox().await;
    let secret = s.confidential_secret();
    let t0 = s.now().await;
    let public = s.lawvu_tokens(false).await;
    let confidential = s.lawvu_tokens(true).await;
    s.advance(25 * 3600).await;
    let r = refresh(&s, public["refresh_token"].as_str().unwrap(), None).await;
    let (status, error, desc) = error_of(r).await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));
    let prefix = "Supplied refresh_token expired at '";
    assert!(desc.starts_with(prefix) && desc.ends_with('\''), "{desc}");
    let stamp = &desc[prefix.len()..desc.len() - 1];
    let expect_secs = t0 + 86_400;
    let allowed: Vec<String> = (-2..=2).map(|d| tsunagi_sandbox::clock::iso_utc(expect_secs + d)).collect();
    assert!(allowed.iter().any(|a| a == stamp), "{stamp} not within 2 s of {}", allowed[2]);
    // The confidential family still refreshes after 25 h ...
    let r = refresh(&s, confidential["refresh_token"].as_str().unwrap(), Some(&secret)).await;
    assert_eq!(r.status(), 200);
    let next: Value = r.json().await.unwrap();
    // ... and each new refresh token gets a fresh 30 days (sliding).
    s.advance(29 * 86_400).await;
    let r = refresh(&s, next["refresh_token"].as_str().unwrap(), Some(&secret)).await;
    assert_eq!(r.status(), 200);
    let last: Value = r.json().await.unwrap();
    s.advance(30 * 86_400 + 1).await;
    let r = refresh(&s, last["refresh_token"].as_str().unwrap(), Some(&secret)).await;
    assert!(error_of(r).await.2.starts_with(prefix));
}

#[tokio::test]
async fn refresh_keeps_the_family_mode() {
    let s = sandbox().await;
    let secret = s.confidential_secret();
    let confidential = s.lawvu_tokens(true).await;
    let r = refresh(&s, confidential["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!(error_of(r).await, (400, "invalid_request".into(), "Required parameter missing from request body: client_secret".into()));
    let public = s.lawvu_tokens(false).await;
    let r = refresh(&s, public["refresh_token"].as_str().unwrap(), Some(&secret)).await;
    assert_eq!(error_of(r).await, (400, "invalid_client".into(), "Supplied parameter is not correct: client_secret".into()));
    // Neither mismatch burned the tokens.
    assert_eq!(refresh(&s, confidential["refresh_token"].as_str().unwrap(), Some(&secret)).await.status(), 200);
    assert_eq!(refresh(&s, public["refresh_token"].as_str().unwrap(), None).await.status(), 200);
}

#[tokio::test]
async fn token_content_type_switch() {
    let s = sandbox().await;
    for ct in ["text/plain", "text/json", "application/json"] {
        s.control_ok("options", json!({"lawvu_token_content_type": ct})).await;
        let code = s.lawvu_code(&s.public_id(), "https://a.example/cb").await;
        let r = s
            .lawvu_token(&[("grant_type", "authorization_code"), ("client_id", &s.public_id()), ("code", &code), ("redirect_uri", "https://a.example/cb")])
            .await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with(ct));
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert!(v["access_token"].is_string());
    }
    let r = s.post_control("options", json!({"lawvu_token_content_type": "text/html"})).await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn api_requires_a_valid_unexpired_bearer_jwt() {
    let s = sandbox().await;
    let t = s.lawvu_tokens(true).await;
    let at = t["access_token"].as_str().unwrap();
    let users_url = format!("{}/account-apis/v1/users", s.ep.lawvu.api_base);
    let r = s.http.get(&users_url).bearer_auth(at).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"));
    let users: Value = r.json().await.unwrap();
    let ids: Vec<&str> = users.as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["user-id-123", "user-id-124", "user-id-125"], "only the caller's organisation");
    let r = s.http.get(format!("{}/matter-apis/v1/matters", s.ep.lawvu.api_base)).bearer_auth(at).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["totalCount"], 5);
    assert_eq!(m["items"][0]["organisationId"], "org-id-456");

    // No token: RFC 6750 challenge without an error code; problem+json body.
    let r = s.http.get(&users_url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert!(r.headers().contains_key("x-request-id"));
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["status"], 401);
    assert_eq!(p["title"], "Unauthorized");
    assert_eq!(p["instance"], "/account-apis/v1/users");
    assert!(p["type"].is_string() && p["detail"].is_string());

    // Tampered signature.
    let mut bad = at.to_string();
    let last = bad.pop().unwrap();
    bad.push(if last == 'A' { 'B' } else { 'A' });
    for token in [bad.as_str(), "not-a-jwt", "a.b.c"] {
        let r = s.http.get(&users_url).bearer_auth(token).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer error=\"invalid_token\""));
    }
    // Expired by the sandbox clock.
    s.advance(3600).await;
    let r = s.http.get(&users_url).bearer_auth(at).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["detail"], "The access token expired");
    assert_eq!(s.stats().await["lawvu"]["api_calls"], 7);
}

#[tokio::test]
async fn token_and_api_answer_cors() {
    let s = sandbox().await;
    let origin = "http://localhost:5173";
    let r = s
        .http
        .request(reqwest::Method::OPTIONS, &s.ep.lawvu.token_url)
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    assert!(r.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    let r = s
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/account-apis/v1/users", s.ep.lawvu.api_base))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.headers()["access-control-allow-headers"].to_str().unwrap().to_lowercase().contains("authorization"));
    // Preflights are not API calls.
    assert_eq!(s.stats().await["lawvu"]["api_calls"], 0);
    // Actual responses echo the origin and expose X-Request-Id, errors included.
    let r = s.http.post(&s.ep.lawvu.token_url).header("Origin", origin).form(&[("grant_type", "authorization_code")]).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    let r = s.http.get(format!("{}/account-apis/v1/users", s.ep.lawvu.api_base)).header("Origin", origin).send().await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], origin);
    assert!(r.headers()["access-control-expose-headers"].to_str().unwrap().contains("X-Request-Id"));
}

/// `Authorization: Basic` as RFC 6749 §2.3.1 builds it: base64 of the form-encoded id, `:`, and
/// the form-encoded secret.
fn basic(id: &str, secret: &str) -> String {
    let form = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", form(id), form(secret));
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

async fn lawvu_token_basic(s: &Sbx, auth: &str, form: &[(&str, &str)]) -> reqwest::Response {
    s.http.post(&s.ep.lawvu.token_url).header("Authorization", auth).form(form).send().await.unwrap()
}

#[tokio::test]
async fn client_secret_basic_is_accepted() {
    // RFC 6749 §2.3.1: servers MUST support HTTP Basic for clients with a password. A secret with
    // reserved characters checks the form-decoding of both halves.
    let mut cfg = tsunagi_sandbox::Config::default();
    cfg.lawvu.clients.insert(
        0,
        tsunagi_sandbox::config::LawvuClient {
            client_id: "sbx basic+client".into(),
            client_secret: Some("sbx_s&cr=t é:x%".into()),
            environment: "sandbox".into(),
            redirect_uris: vec![],
            name: None,
        },
    );
    let s = sandbox_with(cfg).await;
    let (id, secret) = ("sbx basic+client", "sbx_s&cr=t é:x%");
    let auth = basic(id, secret);
    // without client_id in the body (§3.2.1: only unauthenticated clients must send it) …
    let code = s.lawvu_code(id, LAWVU_CB).await;
    let r = lawvu_token_basic(&s, &auth, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", LAWVU_CB)]).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    // … and with it; the secret made a 30-day family, so Basic refreshes it
    let rt = v["refresh_token"].as_str().unwrap();
    let r = lawvu_token_basic(&s, &auth, &[("grant_type", "refresh_token"), ("client_id", id), ("refresh_token", rt)]).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let rt = v["refresh_token"].as_str().unwrap();
    s.advance(2 * 86_400).await;
    let r = lawvu_token_basic(&s, &auth, &[("grant_type", "refresh_token"), ("refresh_token", rt)]).await;
    assert_eq!(r.status(), 200, "a 30-day family outlives two days");
    // the seeded confidential client too
    let (cid, csecret) = (s.confidential_id(), s.confidential_secret());
    let code = s.lawvu_code(&cid, LAWVU_CB).await;
    let r = lawvu_token_basic(
        &s,
        &basic(&cid, &csecret),
        &[("grant_type", "authorization_code"), ("client_id", &cid), ("code", &code), ("redirect_uri", LAWVU_CB)],
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn basic_and_body_secret_together_are_refused() {
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request;
    // §5.2 names that invalid_request. Nothing is consumed.
    let s = sandbox().await;
    let (id, secret) = (s.confidential_id(), s.confidential_secret());
    let code = s.lawvu_code(&id, LAWVU_CB).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", LAWVU_CB),
    ];
    let r = lawvu_token_basic(&s, &basic(&id, &secret), &form).await;
    assert!(r.headers().get("www-authenticate").is_none());
    let (status, error, description) = error_of(r).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"));
    assert!(description.contains("one method"), "{description}");
    assert_eq!(s.lawvu_token(&form).await.status(), 200, "the code was not spent");
}

#[tokio::test]
async fn wrong_basic_credentials_get_401_with_a_basic_challenge() {
    // RFC 6749 §5.2: a client that authenticated with the Authorization header gets 401 and a
    // WWW-Authenticate of its scheme; RFC 7617 §2: with a realm.
    let s = sandbox().await;
    let (id, secret) = (s.confidential_id(), s.confidential_secret());
    let public = s.public_id();
    let code = s.lawvu_code(&id, LAWVU_CB).await;
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", LAWVU_CB)];
    let cases = [
        (basic(&id, "wrong"), "Supplied parameter is not correct: client_secret"),
        (basic(&public, "any"), "Supplied parameter is not correct: client_secret"),
        (basic("acme-inc", &secret), "Client is not valid: \"acme-inc\""),
        ("Basic %%%".to_string(), "Authorization: Basic must be base64"),
    ];
    for (auth, message) in cases {
        let r = lawvu_token_basic(&s, &auth, &form).await;
        assert_eq!(r.headers()["www-authenticate"], tsunagi_sandbox::lawvu::BASIC_CHALLENGE);
        assert_eq!(tsunagi_sandbox::lawvu::BASIC_CHALLENGE, "Basic realm=\"LawVu\"");
        let (status, error, description) = error_of(r).await;
        assert_eq!((status, error.as_str()), (401, "invalid_client"), "{auth}");
        assert!(description.starts_with(message), "{description}");
    }
    // a body client_id that disagrees with the header is malformed, not an authentication
    let mut mismatched = form.to_vec();
    mismatched.push(("client_id", public.as_str()));
    let (status, error, _) = error_of(lawvu_token_basic(&s, &basic(&id, &secret), &mismatched).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"));
    // none of it spent the code
    let r = lawvu_token_basic(&s, &basic(&id, &secret), &form).await;
    assert_eq!(r.status(), 200);
}
