#![cfg(not(target_arch = "wasm32"))]
//! The core against the provider sandbox over real HTTP on loopback: every request is built by
//! tsunagi, sent by a plain HTTP client, and every response processed by tsunagi. This is the
//! proof that the sans-IO core speaks each provider's documented dialect.

mod common;

use reqwest::redirect::Policy;
use serde_json::{json, Value};
use tsunagi_core::api::{decide, ApiDecision, Attempt, RetryPolicy};
use tsunagi_core::jwt::decode_claims_unverified;
use tsunagi_core::providers::generic::GenericConfig;
use tsunagi_core::providers::lawvu::{LawVuConfig, LawVuEnvironment};
use tsunagi_core::providers::legalon::{LegalOnConfig, LegalOnRegion};
use tsunagi_core::providers::logiless::LogilessConfig;
use tsunagi_core::token_set::TokenGrant;
use tsunagi_core::{
    BasicCredentials, Client, ClientAuthMethod, ClientSecret, ErrorCode, GrantType, HttpRequest, HttpResponse, Method, NextStep, Timestamp, TokenSet,
};
use tsunagi_sandbox::{start, Config, Endpoints, Handle};

const SPA_CALLBACK: &str = "http://localhost:5173/callback";

struct World {
    _handle: Handle,
    ep: Endpoints,
    http: reqwest::Client,
}

async fn world() -> World {
    let cfg = Config { base_port: 0, ..Config::default() };
    let handle = start(cfg).await.unwrap_or_else(|e| panic!("sandbox: {e}"));
    let ep = handle.endpoints().clone();
    let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap_or_else(|e| panic!("{e}"));
    World { _handle: handle, ep, http }
}

impl World {
    async fn send(&self, req: &HttpRequest) -> HttpResponse {
        common::send(&self.http, req).await
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        let r = self.http.post(format!("{}/{path}", self.ep.control_url)).json(&body).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(r.status().is_success(), "control {path}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }

    async fn stats(&self) -> Value {
        let r = self.http.get(format!("{}/stats", self.ep.control_url)).send().await.unwrap_or_else(|e| panic!("{e}"));
        r.json().await.unwrap_or(Value::Null)
    }

    /// The sandbox clock: tokens are stamped with it, so the client's `now` must follow it.
    async fn now(&self) -> Timestamp {
        let r = self.http.get(format!("{}/clock", self.ep.control_url)).send().await.unwrap_or_else(|e| panic!("{e}"));
        let v: Value = r.json().await.unwrap_or(Value::Null);
        Timestamp::from_secs(v["now"].as_u64().unwrap_or_else(|| panic!("clock: {v}")))
    }

    /// Consent without a browser: the sandbox's approve endpoint returns where the user would land.
    async fn approve(&self, provider: &str, authorize_url: &str) -> String {
        let v = self.control(&format!("{provider}/approve"), json!({"authorize_url": authorize_url, "user_id": "user-id-123"})).await;
        v["redirect_url"].as_str().unwrap_or_else(|| panic!("approve: {v}")).to_owned()
    }

    fn lawvu(&self, confidential: bool) -> Client {
        let lv = &self.ep.lawvu;
        let (id, secret, redirect) = if confidential {
            let c = lv.confidential_client.as_ref().unwrap_or_else(|| panic!("no confidential client"));
            (c.client_id.clone(), c.client_secret.clone(), c.redirect_uris.first().cloned().unwrap_or_default())
        } else {
            let c = lv.public_client.as_ref().unwrap_or_else(|| panic!("no public client"));
            (c.client_id.clone(), None, SPA_CALLBACK.to_owned())
        };
        let mut cfg = LawVuConfig::new(LawVuEnvironment::Sandbox, id, redirect);
        cfg.client_secret = secret.map(ClientSecret::new);
        cfg.authorize_url = Some(lv.authorize_url.clone());
        cfg.token_url = Some(lv.token_url.clone());
        cfg.api_base = Some(lv.api_base.clone());
        cfg.client().unwrap_or_else(|e| panic!("{e}"))
    }

    async fn lawvu_login(&self, client: &Client) -> TokenSet {
        let (url, pending) = client.begin_authorization(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(url.contains("/#/authorize?response_type=code&client_id="), "{url}");
        let landing = self.approve("lawvu", &url).await;
        let code = client.parse_callback(&landing, Some(&pending.state)).unwrap_or_else(|e| panic!("{e}"));
        let req = client.authorization_code_request(&code, None).unwrap_or_else(|e| panic!("{e}"));
        let resp = self.send(&req).await;
        client.parse_token_response(&resp, self.now().await, None).unwrap_or_else(|e| panic!("{e}"))
    }
}

fn code_of<T>(r: tsunagi_core::Result<T>) -> Option<ErrorCode> {
    r.err().map(|e| e.code())
}

#[tokio::test]
async fn lawvu_public_client_full_flow_rotation_and_one_day_expiry() {
    let w = world().await;
    let client = w.lawvu(false);
    let tokens = w.lawvu_login(&client).await;
    let claims = decode_claims_unverified(tokens.access_token.secret()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (claims.sub.as_deref(), claims.name.as_deref(), claims.organisation_id.as_deref()),
        (Some("user-id-123"), Some("Jane Smith"), Some("org-id-456"))
    );
    let now = w.now().await;
    assert_eq!(tokens.refresh_expires_at, Some(now.plus_secs(86_400)), "no secret: 1-day refresh token");

    // an API call with the token
    let req = client.api_request(&tokens, Method::Get, "/account-apis/v1/users", None).unwrap_or_else(|e| panic!("{e}"));
    let resp = w.send(&req).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert!(resp.request_id().is_some());

    // refresh rotates; the spent token is rejected with LawVu's own message
    let refresh =
        |t: &TokenSet| client.refresh_request(t.refresh_token.as_ref().unwrap_or_else(|| panic!("no refresh token"))).unwrap_or_else(|e| panic!("{e}"));
    let resp = w.send(&refresh(&tokens)).await;
    let rotated = client.parse_token_response(&resp, w.now().await, Some(&tokens)).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(rotated.refresh_token, tokens.refresh_token);
    let resp = w.send(&refresh(&tokens)).await;
    let err = client.parse_token_response(&resp, w.now().await, Some(&tokens)).err().unwrap_or_else(|| panic!("reuse accepted"));
    assert_eq!((err.code(), err.status()), (ErrorCode::RefreshTokenInvalid, Some(400)));
    assert!(err.requires_reauthorization());

    assert_eq!(w.stats().await["lawvu"]["refresh_reuse"], 1);
    // the sandbox (like LawVu's document) does not revoke the family on reuse: the newest pair works
    let resp = w.send(&refresh(&rotated)).await;
    let fresh = client.parse_token_response(&resp, w.now().await, Some(&rotated)).unwrap_or_else(|e| panic!("{e}"));

    // 25 hours later the public refresh token has expired, and the client knows before asking
    w.control("clock", json!({"advance_secs": 25 * 3600})).await;
    let later = w.now().await;
    assert_eq!(client.next_step(Some(&fresh), later, 60), NextStep::Reauthorize);
    let resp = w.send(&refresh(&fresh)).await;
    let err = client.parse_token_response(&resp, later, Some(&fresh)).err().unwrap_or_else(|| panic!("expired refresh accepted"));
    assert_eq!(err.code(), ErrorCode::RefreshTokenExpired, "{err}");
    assert!(err.refresh_expired_at().is_some_and(|t| t <= later), "{err:?}");
}

#[tokio::test]
async fn lawvu_confidential_client_thirty_days_and_documented_errors() {
    let w = world().await;
    let client = w.lawvu(true);
    let tokens = w.lawvu_login(&client).await;
    assert_eq!(tokens.refresh_expires_at, Some(w.now().await.plus_secs(30 * 86_400)));
    w.control("clock", json!({"advance_secs": 25 * 3600})).await;
    let now = w.now().await;
    assert_eq!(client.next_step(Some(&tokens), now, 60), NextStep::Refresh);
    let resp = w.send(&client.refresh_request(tokens.refresh_token.as_ref().unwrap_or_else(|| panic!())).unwrap_or_else(|e| panic!("{e}"))).await;
    assert!(client.parse_token_response(&resp, now, Some(&tokens)).is_ok(), "confidential refresh after 25 h: {}", resp.body);

    // a code can be exchanged once
    let (url, pending) = client.begin_authorization(&[]).unwrap_or_else(|e| panic!("{e}"));
    let code = client.parse_callback(&w.approve("lawvu", &url).await, Some(&pending.state)).unwrap_or_else(|e| panic!("{e}"));
    let req = client.authorization_code_request(&code, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.send(&req).await.status, 200);
    assert_eq!(code_of(client.parse_token_response(&w.send(&req).await, now, None)), Some(ErrorCode::AuthorizationCodeInvalid));

    // the redirect URI must be byte-identical: a trailing slash differs
    let (url, pending) = client.begin_authorization(&[]).unwrap_or_else(|e| panic!("{e}"));
    let code = client.parse_callback(&w.approve("lawvu", &url).await, Some(&pending.state)).unwrap_or_else(|e| panic!("{e}"));
    let c = w.ep.lawvu.confidential_client.clone().unwrap_or_else(|| panic!());
    let mut cfg = LawVuConfig::new(LawVuEnvironment::Sandbox, c.client_id.clone(), format!("{}/", c.redirect_uris.first().cloned().unwrap_or_default()));
    cfg.client_secret = c.client_secret.clone().map(ClientSecret::new);
    cfg.token_url = Some(w.ep.lawvu.token_url.clone());
    let slash = cfg.client().unwrap_or_else(|e| panic!("{e}"));
    let resp = w.send(&slash.authorization_code_request(&code, None).unwrap_or_else(|e| panic!("{e}"))).await;
    assert_eq!(code_of(slash.parse_token_response(&resp, now, None)), Some(ErrorCode::RedirectUriMismatch));

    // a wrong secret
    cfg.redirect_uri = c.redirect_uris.first().cloned().unwrap_or_default();
    cfg.client_secret = Some(ClientSecret::new("not-the-secret"));
    let wrong = cfg.client().unwrap_or_else(|e| panic!("{e}"));
    let resp = w.send(&wrong.refresh_request(&tsunagi_core::RefreshToken::new("x")).unwrap_or_else(|e| panic!("{e}"))).await;
    assert_eq!(code_of(wrong.parse_token_response(&resp, now, None)), Some(ErrorCode::ClientSecretIncorrect));
}

#[tokio::test]
async fn lawvu_text_plain_token_responses_parse() {
    let w = world().await;
    w.control("options", json!({"lawvu_token_content_type": "text/plain"})).await;
    let tokens = w.lawvu_login(&w.lawvu(false)).await;
    assert!(tokens.extra.contains_key("userName"), "{:?}", tokens.extra.keys().collect::<Vec<_>>());
}

#[tokio::test]
async fn logiless_get_exchange_sample_format_and_ascii_bodies() {
    let w = world().await;
    let lg = &w.ep.logiless;
    let mut cfg = LogilessConfig::new(lg.client_id.clone(), ClientSecret::new(lg.client_secret.clone()), lg.redirect_uri.clone());
    cfg.authorize_url = Some(lg.authorize_url.clone());
    cfg.token_url = Some(lg.token_url.clone());
    cfg.api_base = Some(lg.api_base.clone());
    cfg.merchant_id = Some(lg.merchant_id.clone());
    let client = cfg.client().unwrap_or_else(|e| panic!("{e}"));
    w.control("options", json!({"logiless_sample_format": true, "logiless_rate_limit": {"limit": 3, "window_secs": 60}})).await;

    let (url, pending) = client.begin_authorization(&[]).unwrap_or_else(|e| panic!("{e}"));
    let code = client.parse_callback(&w.approve("logiless", &url).await, Some(&pending.state)).unwrap_or_else(|e| panic!("{e}"));
    let req = client.authorization_code_request(&code, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(req.method, Method::Get);
    let resp = w.send(&req).await;
    assert!(resp.body.contains(r#","refresh_token":"#) && !resp.body.contains(r#""refresh_token":""#), "sample format: {}", resp.body);
    let now = w.now().await;
    let tokens = client.parse_token_response(&resp, now, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tokens.expires_at, Some(now.plus_secs(2_592_000)));

    let req = client.api_request(&tokens, Method::Get, "/stores?limit=20&page=1", None).unwrap_or_else(|e| panic!("{e}"));
    let resp = w.send(&req).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let page: Value = serde_json::from_str(&resp.body).unwrap_or(Value::Null);
    assert_eq!(page["current_page"], 1);

    // Japanese text goes out \uNNNN-escaped and is accepted; the raw form would be rejected
    let order = json!({"buyer_name": "山田 太郎", "items": [{"name": "段ボール箱", "quantity": 2}]}).to_string();
    let req = client.api_request(&tokens, Method::Post, "/sales_orders/new", Some(&order)).unwrap_or_else(|e| panic!("{e}"));
    assert!(req.body.as_deref().is_some_and(str::is_ascii));
    let resp = w.send(&req).await;
    assert_eq!(resp.status, 201, "{}", resp.body);
    let mut raw = req.clone();
    raw.body = Some(order);
    let resp = w.send(&raw).await;
    assert_eq!(client.api_error(&resp, now).code(), ErrorCode::ValidationFailed, "{}", resp.body);

    // over the limit: 429 with X-RateLimit-* → the policy waits for the reset
    let req = client.api_request(&tokens, Method::Get, "/stores", None).unwrap_or_else(|e| panic!("{e}"));
    let resp = w.send(&req).await;
    assert_eq!(resp.status, 429, "{}", resp.body);
    match decide(&client, &RetryPolicy { max_wait_ms: 120_000, ..RetryPolicy::default() }, &Attempt::default(), &resp, now) {
        ApiDecision::Wait { delay_ms } => assert!((1..=60_000).contains(&delay_ms), "{delay_ms}"),
        other => panic!("expected a wait, got {other:?}"),
    }
    assert_eq!(client.api_error(&resp, now).code(), ErrorCode::RateLimited);
}

#[tokio::test]
async fn legalon_client_credentials_api_base_and_reacquire_on_401() {
    let w = world().await;
    let lo = &w.ep.legalon;
    let mut cfg = LegalOnConfig::new(LegalOnRegion::Us, BasicCredentials::new(lo.credentials.clone().unwrap_or_default()));
    cfg.token_url = Some(lo.token_url.clone());
    let client = cfg.client().unwrap_or_else(|e| panic!("{e}"));
    let now = w.now().await;
    assert_eq!(client.next_step(None, now, 60), NextStep::Reacquire);
    let resp = w.send(&client.client_credentials_request().unwrap_or_else(|e| panic!("{e}"))).await;
    let tokens = client.parse_token_response(&resp, now, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tokens.expires_at, Some(now.plus_secs(1200)));
    assert_eq!(client.api_base(Some(&tokens)).ok(), Some(format!("{}/rest/v1", lo.api_base_url)));

    // token pagination, forward-compatible parsing
    let req = client.api_request(&tokens, Method::Get, "/users?page_size=2", None).unwrap_or_else(|e| panic!("{e}"));
    let resp = w.send(&req).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let rl = tsunagi_core::rate_limit::RateLimit::from_headers(&resp.headers, now);
    assert!(rl.limit.is_some() && rl.remaining.is_some() && rl.reset_after_ms.is_some(), "{rl:?}");
    let page: Value = serde_json::from_str(&resp.body).unwrap_or(Value::Null);
    let next = page["next_page_token"].as_str().unwrap_or_else(|| panic!("no next page: {page}"));
    let req = client.api_request(&tokens, Method::Get, &format!("/users?page_size=2&page_token={next}"), None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.send(&req).await.status, 200);

    // 20 minutes later: 401 → re-acquire once
    w.control("clock", json!({"advance_secs": 1201})).await;
    let later = w.now().await;
    assert_eq!(client.next_step(Some(&tokens), later, 60), NextStep::Reacquire);
    let resp = w.send(&req).await;
    assert_eq!(resp.status, 401);
    assert_eq!(decide(&client, &RetryPolicy::default(), &Attempt::default(), &resp, later), ApiDecision::Reauthenticate);

    // expired credentials are refused
    let mut bad = cfg.clone();
    bad.credentials = BasicCredentials::new(lo.expired_credentials.clone().unwrap_or_default());
    let bad = bad.client().unwrap_or_else(|e| panic!("{e}"));
    let resp = w.send(&bad.client_credentials_request().unwrap_or_else(|e| panic!("{e}"))).await;
    let err = bad.parse_token_response(&resp, later, None).err().unwrap_or_else(|| panic!("expired credentials accepted"));
    assert_eq!(err.status(), Some(401));
    assert!(!format!("{err:?}").contains(lo.expired_credentials.as_deref().unwrap_or("\u{0}")));
}

/// Issue 13 item 4: a generic confidential client can use client credentials too, but a user's
/// expired session ends in re-authorization; the client-credentials token is for a client that
/// asked for one (here: a generic client with no redirect URI, against LegalOn's token endpoint).
#[tokio::test]
async fn generic_confidential_client_never_swaps_a_user_session_for_a_client_token() {
    let w = world().await;
    let lv = &w.ep.lawvu;
    let c = lv.confidential_client.clone().unwrap_or_else(|| panic!("no confidential client"));
    let mut cfg = GenericConfig::new(Some(lv.authorize_url.clone()), lv.token_url.clone(), c.client_id.clone());
    cfg.hash_route = true;
    cfg.pkce = false;
    cfg.client_auth = ClientAuthMethod::SecretPost;
    cfg.client_secret = c.client_secret.clone().map(ClientSecret::new);
    cfg.redirect_uri = c.redirect_uris.first().cloned();
    cfg.refresh_lifetime_secs = Some(3600);
    let client = cfg.client().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(client.next_step(None, w.now().await, 60), NextStep::Reauthorize, "a client set up for users asks for one");
    let user = w.lawvu_login(&client).await;
    let now = w.now().await;
    assert_eq!(client.next_step(Some(&user), now, 60), NextStep::UseAccessToken);
    // two hours on, the access token and the (configured 1-hour) refresh token have expired
    assert_eq!(client.next_step(Some(&user), now.plus_secs(2 * 3600), 60), NextStep::Reauthorize);
    // what Reacquire would have done: LawVu refuses the grant, and nothing is the user's anyway
    let resp = w.send(&client.client_credentials_request().unwrap_or_else(|e| panic!("{e}"))).await;
    assert_eq!(code_of(client.parse_token_response(&resp, now, None)), Some(ErrorCode::UnsupportedGrantType));

    // a generic client used for client credentials only keeps re-acquiring
    let lo = &w.ep.legalon;
    let mut cfg = GenericConfig::new(None, lo.token_url.clone(), "");
    cfg.client_id = None;
    cfg.client_auth = ClientAuthMethod::RawBasic;
    cfg.credentials = lo.credentials.clone().map(BasicCredentials::new);
    let machine = cfg.client().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(machine.next_step(None, now, 60), NextStep::Reacquire);
    let resp = w.send(&machine.client_credentials_request().unwrap_or_else(|e| panic!("{e}"))).await;
    let tokens = machine.parse_token_response_for(GrantType::ClientCredentials, &resp, now, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tokens.grant, TokenGrant::ClientCredentials);
    assert_eq!(user.grant, TokenGrant::User);
    assert_eq!(machine.next_step(Some(&tokens), now, 60), NextStep::UseAccessToken);
    assert_eq!(machine.next_step(Some(&tokens), now.plus_secs(1200), 60), NextStep::Reacquire);
}
