//! Control plane: endpoints on every port, clock, stats shape, faults (each
//! kind; a faulted token request burns nothing), reset, options, CORS, and
//! loopback-only binding.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn all_bases(s: &Sbx) -> Vec<String> {
    let a = s.handle.addrs();
    [a.lawvu_web, a.lawvu_api, a.logiless, a.legalon_token, a.legalon_api].iter().map(|a| format!("http://{a}")).collect()
}

#[tokio::test]
async fn endpoints_served_on_every_port_and_bound_to_loopback() {
    let s = sandbox().await;
    let bases = all_bases(&s);
    let mut ports: Vec<_> = bases.clone();
    ports.sort();
    ports.dedup();
    assert_eq!(ports.len(), 5, "one port per emulated host");
    for b in &bases {
        assert!(b.starts_with("http://127.0.0.1:"), "{b}");
        let v: Endpoints = s.http.get(format!("{b}/__sandbox/endpoints")).send().await.unwrap().json().await.unwrap();
        assert_eq!(v, s.ep);
    }
    let e = &s.ep;
    assert_eq!(e.control_url, format!("{}/__sandbox", bases[0]));
    assert_eq!(e.lawvu.authorize_url, format!("{}/#/authorize", bases[0]));
    assert_eq!(e.lawvu.token_url, format!("{}/account-apis/v1/auth/token", bases[1]));
    assert_eq!(e.logiless.authorize_url, format!("{}/oauth/v2/auth", bases[2]));
    assert_eq!(e.logiless.token_url, format!("{}/oauth2/token", bases[2]));
    assert_eq!(e.logiless.api_base, format!("{}/api/v1", bases[2]));
    assert_eq!(e.legalon.token_url, format!("{}/oauth/token", bases[3]));
    assert_eq!(e.legalon.api_base_url, bases[4]);
    assert_eq!(e.users[0].id, "user-id-123");
    assert_eq!(e.users[0].name, "Jane Smith");
    assert_eq!(e.users[0].organisation_id, "org-id-456");
    assert!(e.users.iter().any(|u| u.name == "山田 太郎"));
    let conf = e.lawvu.confidential_client.as_ref().unwrap();
    assert_eq!(conf.environment, "production");
    assert!(conf.client_secret.as_ref().unwrap().starts_with("sbx_"));
    assert!(conf.redirect_uris.contains(&LAWVU_CB.to_string()));
    let public = e.lawvu.public_client.as_ref().unwrap();
    assert_eq!((public.environment.as_str(), public.client_secret.is_none()), ("sandbox", true));
    assert!(e.logiless.client_secret.starts_with("sbx_"));
    assert!(e.legalon.credentials.as_ref().unwrap().starts_with("sbx_"));
    assert!(e.legalon.expired_credentials.as_ref().unwrap().starts_with("sbx_"));
    // Raw JSON uses exactly the documented keys.
    let raw: Value = s.get_control("endpoints").await;
    assert!(raw["lawvu"]["public_client"].get("client_secret").is_none());
    assert!(raw["logiless"]["merchant_id"].is_string());

    // Not reachable on a non-loopback address of this machine (when it has one).
    if let Some(ip) = non_loopback_ip() {
        for a in [s.handle.addrs().lawvu_web, s.handle.addrs().legalon_api] {
            let target = std::net::SocketAddr::new(ip, a.port());
            let res = std::net::TcpStream::connect_timeout(&target, Duration::from_millis(500));
            assert!(res.is_err(), "reachable on {target}");
        }
    }
}

fn non_loopback_ip() -> Option<std::net::IpAddr> {
    let sock = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    sock.connect("10.255.255.255:9").ok()?;
    let ip = sock.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn clock_moves_and_stats_have_the_exact_shape() {
    let s = sandbox().await;
    let v: Value = s.get_control("clock").await;
    assert_eq!(v["offset_secs"], 0);
    let now0 = v["now"].as_i64().unwrap();
    let v = s.control_ok("clock", json!({"advance_secs": 7200})).await;
    assert_eq!(v["offset_secs"], 7200);
    assert!(v["now"].as_i64().unwrap() >= now0 + 7200);
    assert_eq!(s.post_control("clock", json!({"advance": 1})).await.status(), 400);
    assert_eq!(s.post_control("clock", json!("x")).await.status(), 400);
    let st = s.stats().await;
    let expected = json!({
        "lawvu": {"token_requests": {"authorization_code": 0, "refresh_token": 0}, "token_errors": 0, "refresh_reuse": 0, "api_calls": 0},
        "logiless": {"token_requests": {"authorization_code": 0, "refresh_token": 0}, "token_errors": 0, "refresh_reuse": 0, "api_calls": 0, "rate_limited": 0},
        "legalon": {"token_requests": {"client_credentials": 0}, "token_errors": 0, "api_calls": 0, "rate_limited": 0}
    });
    assert_eq!(st, expected);
    assert_eq!(s.http.get(s.control("nope")).send().await.unwrap().status(), 404);
}

fn lawvu_form<'a>(s: &'a Sbx, code: &'a str) -> Vec<(&'static str, String)> {
    vec![("grant_type", "authorization_code".into()), ("client_id", s.public_id()), ("code", code.into()), ("redirect_uri", "https://a.example/cb".into())]
}

#[tokio::test]
async fn token_faults_of_each_kind_do_not_burn_the_code() {
    let s = sandbox().await;
    let code = s.lawvu_code(&s.public_id(), "https://a.example/cb").await;
    let form = lawvu_form(&s, &code);
    let send = || s.http.post(&s.ep.lawvu.token_url).form(&form).send();

    s.fault("lawvu", "token", "status500", 2, None).await;
    for _ in 0..2 {
        let r = send().await.unwrap();
        assert_eq!(r.status(), 500);
        assert!(r.headers().contains_key("x-request-id"));
    }
    s.fault("lawvu", "token", "status503", 1, None).await;
    let r = send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "1");
    s.fault("lawvu", "token", "malformed_body", 1, None).await;
    let r = send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
    s.fault("lawvu", "token", "close", 1, None).await;
    assert!(send().await.is_err(), "connection dropped without a response");
    // No fault left; nothing counted; the code still works — after a delay.
    let v: Value = s.get_control("faults").await;
    assert_eq!(v["pending"], json!([]));
    assert_eq!(s.stats().await["lawvu"]["token_requests"]["authorization_code"], 0);
    s.fault("lawvu", "token", "delay_ms", 1, Some(300)).await;
    let t = Instant::now();
    let r = send().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status(), 200);
    assert_eq!(s.stats().await["lawvu"]["token_requests"]["authorization_code"], 1);
}

#[tokio::test]
async fn refresh_token_survives_faults_on_every_provider_token_endpoint() {
    let s = sandbox().await;
    // LawVu refresh.
    let t = s.lawvu_tokens(false).await;
    let rt = t["refresh_token"].as_str().unwrap().to_string();
    let form = [("grant_type", "refresh_token"), ("client_id", &s.confidential_id()), ("refresh_token", &rt)];
    for kind in ["status500", "close", "malformed_body"] {
        s.fault("lawvu", "token", kind, 1, None).await;
        let r = s.http.post(&s.ep.lawvu.token_url).form(&form).send().await;
        assert!(r.map(|r| r.status() != 400).unwrap_or(true), "{kind}");
    }
    assert_eq!(s.lawvu_token(&form).await.status(), 200);
    // Logiless refresh.
    let l = s.ep.logiless.clone();
    let t = s.logiless_tokens().await;
    let rt = t["refresh_token"].as_str().unwrap().to_string();
    let q = [("client_id", l.client_id.as_str()), ("client_secret", &l.client_secret), ("refresh_token", &rt), ("grant_type", "refresh_token")];
    s.fault("logiless", "token", "status503", 1, None).await;
    assert_eq!(s.logiless_token(&q).await.status(), 503);
    s.fault("logiless", "token", "close", 1, None).await;
    assert!(s.http.get(&l.token_url).query(&q).send().await.is_err());
    assert_eq!(s.logiless_token(&q).await.status(), 200);
    assert_eq!(s.stats().await["logiless"]["refresh_reuse"], 0);
    // LegalOn token.
    s.fault("legalon", "token", "status500", 1, None).await;
    let cred = s.ep.legalon.credentials.clone().unwrap();
    let r = s.legalon_token_with(Some(&format!("Basic {cred}")), "grant_type=client_credentials").await;
    assert_eq!(r.status(), 500);
    assert!(!s.legalon_access().await.is_empty());
}

#[tokio::test]
async fn api_faults_per_provider() {
    let s = sandbox().await;
    let lawvu_at = s.lawvu_tokens(true).await["access_token"].as_str().unwrap().to_string();
    let logiless_at = s.logiless_tokens().await["access_token"].as_str().unwrap().to_string();
    let legalon_at = s.legalon_access().await;
    let l = s.ep.logiless.clone();
    let targets = [
        ("lawvu", format!("{}/account-apis/v1/users", s.ep.lawvu.api_base), lawvu_at),
        ("logiless", format!("{}/merchant/{}/stores", l.api_base, l.merchant_id), logiless_at),
        ("legalon", format!("{}/rest/v1/users", s.ep.legalon.api_base_url), legalon_at),
    ];
    for (provider, url, at) in &targets {
        let call = || s.http.get(url).bearer_auth(at).send();
        s.fault(provider, "api", "status503", 1, None).await;
        assert_eq!(call().await.unwrap().status(), 503, "{provider}");
        s.fault(provider, "api", "malformed_body", 1, None).await;
        let r = call().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
        s.fault(provider, "api", "close", 1, None).await;
        assert!(call().await.is_err(), "{provider} close");
        s.fault(provider, "api", "status500", 1, None).await;
        assert_eq!(call().await.unwrap().status(), 500);
        assert_eq!(call().await.unwrap().status(), 200, "{provider} back to normal");
    }
    let st = s.stats().await;
    for p in ["lawvu", "logiless", "legalon"] {
        assert_eq!(st[p]["api_calls"], 1, "faulted calls never reach the handler ({p})");
    }
    // Token faults do not leak into the API queue and vice versa.
    s.fault("legalon", "token", "status500", 1, None).await;
    assert_eq!(s.http.get(&targets[2].1).bearer_auth(&targets[2].2).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn fault_and_option_validation() {
    let s = sandbox().await;
    let bad = [
        json!({"provider": "github", "endpoint": "token", "kind": "status500"}),
        json!({"provider": "lawvu", "endpoint": "web", "kind": "status500"}),
        json!({"provider": "lawvu", "endpoint": "token", "kind": "explode"}),
        json!({"provider": "lawvu", "endpoint": "token", "kind": "delay_ms"}),
        json!({"provider": "lawvu", "endpoint": "token", "kind": "status500", "count": 0}),
    ];
    for b in bad {
        assert_eq!(s.post_control("faults", b.clone()).await.status(), 400, "{b}");
    }
    for b in [json!({"legalon_rate_limit": {"limit": 0, "window_secs": 1}}), json!({"logiless_rate_limit": {"limit": 1}}), json!({"unknown_switch": true})] {
        assert_eq!(s.post_control("options", b.clone()).await.status(), 400, "{b}");
    }
    let v = s.control_ok("options", json!({"logiless_sample_format": true})).await;
    assert_eq!(v["logiless_sample_format"], true);
    assert_eq!(v["lawvu_token_content_type"], "application/json");
}

#[tokio::test]
async fn reset_returns_to_the_seeded_state() {
    let s = sandbox().await;
    let t = s.lawvu_tokens(true).await;
    let lg = s.logiless_tokens().await;
    let legalon_at = s.legalon_access().await;
    let code = s.lawvu_code(&s.public_id(), "https://a.example/cb").await;
    s.advance(100).await;
    s.fault("lawvu", "token", "status500", 5, None).await;
    s.control_ok("options", json!({"lawvu_token_content_type": "text/plain", "logiless_sample_format": true})).await;
    s.control_ok("reset", json!({})).await;

    let v: Value = s.get_control("clock").await;
    assert_eq!(v["offset_secs"], 0);
    let o: Value = s.get_control("options").await;
    assert_eq!(o["lawvu_token_content_type"], "application/json");
    assert_eq!(o["logiless_sample_format"], false);
    let f: Value = s.get_control("faults").await;
    assert_eq!(f["pending"], json!([]));
    // Issued codes and tokens are gone.
    let r = s.http.post(&s.ep.lawvu.token_url).form(&lawvu_form(&s, &code)).send().await.unwrap();
    assert_eq!(error_of(r).await.2, "Supplied authorization_code is not valid or has expired");
    let r = s
        .lawvu_token(&[
            ("grant_type", "refresh_token"),
            ("client_id", &s.confidential_id()),
            ("client_secret", &s.confidential_secret()),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(error_of(r).await.2, "Refresh token is not valid");
    let r = s.http.get(format!("{}/account-apis/v1/users", s.ep.lawvu.api_base)).bearer_auth(t["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let l = &s.ep.logiless;
    let r = s.http.get(format!("{}/merchant/{}/stores", l.api_base, l.merchant_id)).bearer_auth(lg["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = s.http.get(format!("{}/rest/v1/users", s.ep.legalon.api_base_url)).bearer_auth(&legalon_at).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // Consents are forgotten.
    let query = format!("response_type=code&client_id={}&redirect_uri={}", s.public_id(), enc("https://a.example/cb"));
    let v: Value = s
        .http
        .post(format!("{}/__consent/lawvu", s.ep.lawvu.web_base))
        .json(&json!({"query": query, "user_id": "user-id-123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["consent_required"], true);
    // Stats only hold what happened after the reset.
    let st = s.stats().await;
    assert_eq!(st["lawvu"]["token_requests"]["authorization_code"], 1);
    assert_eq!(st["lawvu"]["token_requests"]["refresh_token"], 1);
    assert_eq!(st["lawvu"]["api_calls"], 1);
    assert_eq!(st["legalon"]["token_requests"]["client_credentials"], 0);
}

#[tokio::test]
async fn control_plane_answers_cors_on_every_port() {
    let s = sandbox().await;
    for b in all_bases(&s) {
        let r = s
            .http
            .request(reqwest::Method::OPTIONS, format!("{b}/__sandbox/faults"))
            .header("Origin", "http://localhost:8080")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "{b}");
        assert_eq!(r.headers()["access-control-allow-origin"], "http://localhost:8080");
        let r = s.http.get(format!("{b}/__sandbox/stats")).header("Origin", "http://localhost:8080").send().await.unwrap();
        assert_eq!(r.headers()["access-control-allow-origin"], "http://localhost:8080");
    }
    // Logiless and LegalOn themselves are server-side APIs: no CORS.
    let r = s.http.get(&s.ep.logiless.token_url).header("Origin", "http://localhost:8080").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn two_sandboxes_run_side_by_side() {
    let a = sandbox().await;
    let b = sandbox().await;
    assert_ne!(a.ep.control_url, b.ep.control_url);
    a.advance(500).await;
    let v: Value = b.get_control("clock").await;
    assert_eq!(v["offset_secs"], 0);
    let url = a.ep.control_url.clone();
    a.handle.shutdown().await;
    assert!(b.http.get(format!("{url}/stats")).send().await.is_err(), "stopped sandbox refuses connections");
}

use tsunagi_sandbox::Endpoints;
