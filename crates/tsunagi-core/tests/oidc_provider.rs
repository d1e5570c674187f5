#![cfg(not(target_arch = "wasm32"))]
//! The core against a real OpenID Connect server: panva's oidc-provider (npm devDependency),
//! two issuers started by `tests/oidc/serve.mjs` on loopback with a scripted login. Every request
//! is built by tsunagi and sent by a plain HTTP client; every answer is processed by tsunagi —
//! what the Worker does with the same API: discovery, RFC 9207 `iss`, the id_token's claims and
//! key, scopes and resources, refresh rotation, RFC 7009 revocation.

mod common;

use reqwest::redirect::Policy;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};
use tsunagi_core::discovery::{metadata_requests, parse_metadata, ServerMetadata};
use tsunagi_core::id_token::{IdToken, IdTokenExpectations, JwsAlgorithm};
use tsunagi_core::jwt::decode_claims_unverified;
use tsunagi_core::providers::generic::GenericConfig;
use tsunagi_core::revocation::RevocableToken;
use tsunagi_core::scope::ScopeParams;
use tsunagi_core::token_set::TokenGrant;
use tsunagi_core::{jwks, Client, ClientAuthMethod, ClientSecret, ErrorCode, Grant, HttpRequest, HttpResponse, Method, Nonce, Timestamp};

/// The two issuers and the control endpoint `serve.mjs` printed; the node process ends with it.
struct Servers {
    child: Child,
    issuer: String,
    other: String,
    control: String,
    redirect: String,
    resource: String,
    http: reqwest::Client,
}

impl Drop for Servers {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long `serve.mjs` may take to print its line (it takes about a second). Once in a CI run it
/// printed nothing and the test waited forever: a start that goes quiet is killed and tried again.
const START_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

fn start() -> Servers {
    for attempt in 1..=2 {
        match start_once() {
            Ok(servers) => return servers,
            Err(why) if attempt == 1 => eprintln!("tests/oidc/serve.mjs, first start: {why}; starting it again"),
            Err(why) => panic!("tests/oidc/serve.mjs: {why}"),
        }
    }
    unreachable!("the second attempt returns or panics")
}

fn start_once() -> Result<Servers, String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut child = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
        .arg("tests/oidc/serve.mjs")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("node tests/oidc/serve.mjs (scripts/setup.sh installs node and oidc-provider): {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = tx.send(BufReader::new(stdout).read_line(&mut line).map(|_| line));
    });
    let line = match rx.recv_timeout(START_WAIT) {
        Ok(Ok(line)) if !line.is_empty() => line,
        other => {
            let _ = child.kill();
            let _ = child.wait();
            let mut said = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut said);
            return Err(format!("no line within {START_WAIT:?} ({other:?}); its stderr: {said:?}"));
        }
    };
    // its stderr (oidc-provider's runtime warning) is drained so the pipe never fills
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("serve.mjs printed {line:?}: {e}"));
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_else(|| panic!("serve.mjs: no {k}")).to_owned();
    let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap_or_else(|e| panic!("{e}"));
    Ok(Servers { issuer: s("issuer"), other: s("other"), control: s("control"), redirect: s("redirect"), resource: s("resource"), child, http })
}

fn now() -> Timestamp {
    Timestamp::from_millis(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64))
}

fn get(url: &str) -> HttpRequest {
    HttpRequest { method: Method::Get, url: url.to_owned(), headers: vec![("accept".into(), "application/json".into())], body: None }
}

impl Servers {
    async fn send(&self, req: &HttpRequest) -> HttpResponse {
        common::send(&self.http, req).await
    }

    /// The scripted login for `url` on `issuer`, as a browser follows it: the redirect back.
    async fn authorize(&self, url: &str, issuer: &str) -> String {
        let body = serde_json::json!({ "url": url, "issuer": issuer });
        let r = self.http.post(format!("{}/authorize", self.control)).json(&body).send().await.unwrap_or_else(|e| panic!("{e}"));
        let v: Value = r.json().await.unwrap_or(Value::Null);
        v.get("callback").and_then(Value::as_str).unwrap_or_else(|| panic!("no callback: {v}")).to_owned()
    }

    /// Discovery as a runtime does it: each location in order, the first 200 checked.
    async fn discover(&self, issuer: &str) -> tsunagi_core::Result<ServerMetadata> {
        let requests = metadata_requests(issuer)?;
        let mut last = None;
        for req in &requests {
            let resp = self.send(req).await;
            if resp.status == 200 {
                return parse_metadata(issuer, &resp);
            }
            last = Some(resp);
        }
        parse_metadata(issuer, &last.unwrap_or_else(|| HttpResponse::new(404, vec![], "")))
    }

    /// A confidential client (`client_secret_basic`) built from the metadata alone.
    fn client(&self, meta: &ServerMetadata, scope: &str) -> Client {
        let mut cfg = GenericConfig::from_metadata(meta, "web");
        cfg.redirect_uri = Some(self.redirect.clone());
        cfg.client_secret = Some(ClientSecret::new("web-secret-value"));
        cfg.client_auth = ClientAuthMethod::SecretBasic;
        cfg.scope_params = ScopeParams { scope: Some(scope.into()), ..ScopeParams::default() };
        cfg.client().unwrap_or_else(|e| panic!("{e}"))
    }
}

fn code<T>(r: tsunagi_core::Result<T>) -> Option<ErrorCode> {
    r.err().map(|e| e.code())
}

#[tokio::test]
async fn a_real_openid_provider_end_to_end() {
    let s = start();

    // discovery: RFC 8414 §3.1 for an issuer with a path, the issuer matched exactly
    let meta = s.discover(&s.issuer).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(meta.token_endpoint, format!("{}/token", s.issuer));
    assert!(meta.authorization_response_iss_parameter_supported);
    assert_eq!(code(s.discover(&format!("{}/", s.issuer)).await), Some(ErrorCode::MetadataIssuerMismatch));
    let client = s.client(&meta, "openid offline_access");
    assert!(client.server().require_iss && client.can_revoke());

    // authorization code with PKCE and a nonce
    let (url, pending) = client.begin_authorization(&[("prompt", "consent")]).unwrap_or_else(|e| panic!("{e}"));
    let nonce = pending.nonce.clone().unwrap_or_else(|| panic!("openid: a nonce"));
    assert!(url.contains(&format!("&nonce={}", nonce.as_str())));
    let callback = s.authorize(&url, &s.issuer).await;

    // RFC 9207: the same request answered by the second issuer comes back with its iss
    let to_other = url.replace(&format!("{}/auth", s.issuer), &format!("{}/auth", s.other));
    let mixed_up = s.authorize(&to_other, &s.other).await;
    assert_eq!(code(client.parse_callback(&mixed_up, Some(&pending.state))), Some(ErrorCode::IssuerMismatch));
    let without_iss = callback.split("&iss=").next().unwrap_or_default();
    assert_eq!(code(client.parse_callback(without_iss, Some(&pending.state))), Some(ErrorCode::IssuerMissing));

    let auth_code = client.parse_callback(&callback, Some(&pending.state)).unwrap_or_else(|e| panic!("{e}"));
    let req = client.authorization_code_request(&auth_code, pending.pkce_verifier.as_ref()).unwrap_or_else(|e| panic!("{e}"));
    let tokens = client.parse_token_response_to(&req, &s.send(&req).await, now(), None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tokens.scope.as_deref(), Some("openid offline_access"));

    // the id_token: the key for WebCrypto chosen from the JWKS, then the claims
    let id_token = tokens.extra.get_str("id_token").unwrap_or_else(|| panic!("no id_token"));
    let parsed = IdToken::parse(id_token).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.alg(), JwsAlgorithm::Es256);
    let jwks_uri = meta.jwks_uri.as_deref().unwrap_or_else(|| panic!("no jwks_uri"));
    let jwk = jwks::select_jwk(&s.send(&get(jwks_uri)).await.body, parsed.alg(), parsed.kid()).unwrap_or_else(|e| panic!("{e}"));
    assert!(jwk.is_some_and(|k| k.contains("\"crv\":\"P-256\"") && !k.contains("\"d\"")), "the public P-256 key");
    let expect = |nonce| IdTokenExpectations { issuer: &s.issuer, client_id: "web", nonce, now: now(), leeway_secs: 60 };
    assert!(parsed.check_claims(&expect(Some(&nonce))).is_ok());
    let other_nonce = Nonce::new("another-nonce").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(parsed.check_claims(&expect(Some(&other_nonce)))), Some(ErrorCode::NonceMismatch));
    let wrong_issuer = IdTokenExpectations { issuer: &s.other, ..expect(Some(&nonce)) };
    assert_eq!(code(parsed.check_claims(&wrong_issuer)), Some(ErrorCode::IdTokenInvalid));

    // refresh rotation: the spent refresh token gets invalid_grant
    let first = tokens.refresh_token.clone().unwrap_or_else(|| panic!("no refresh token"));
    let req = client.refresh_request(&first).unwrap_or_else(|e| panic!("{e}"));
    let refreshed = client.parse_token_response_to(&req, &s.send(&req).await, now(), Some(&tokens)).unwrap_or_else(|e| panic!("{e}"));
    let second = refreshed.refresh_token.clone().unwrap_or_else(|| panic!("no refresh token"));
    assert_ne!(second.secret(), first.secret());
    let req = client.refresh_request(&first).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(client.parse_token_response_to(&req, &s.send(&req).await, now(), Some(&tokens))), Some(ErrorCode::InvalidGrant));

    // RFC 7009: revoked, then refused
    let req = client.revocation_request(RevocableToken::Refresh(&second)).unwrap_or_else(|e| panic!("{e}"));
    assert!(client.parse_revocation_response(&req, &s.send(&req).await).is_ok());
    let req = client.refresh_request(&second).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(client.parse_token_response_to(&req, &s.send(&req).await, now(), Some(&refreshed))), Some(ErrorCode::InvalidGrant));

    // client credentials with scope and resource (RFC 8707): a token for that audience
    let params = ScopeParams { scope: Some("api:read".into()), resources: vec![s.resource.clone()], audience: None };
    let req = client.token_request_with(Grant::ClientCredentials, Some(&params)).unwrap_or_else(|e| panic!("{e}"));
    let own = client.parse_token_response_to(&req, &s.send(&req).await, now(), None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((own.grant, own.scope.as_deref()), (TokenGrant::ClientCredentials, Some("api:read")));
    let claims = decode_claims_unverified(own.access_token.secret()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(claims.raw.get_str("aud"), Some(s.resource.as_str()));
}
