//! Native tests of the JS layer's operations (the same code the wasm module runs). The handle's
//! methods (`handle.rs`) only read JS values into these functions' arguments; [`run_op`] does the
//! same from JSON here, under the names the methods had as operations.

use super::args::Args;
use super::handle::client_from_text;
use super::lowlevel::ops as low;
use super::ops;
use serde_json::{json, Value};
use tsunagi_core::json::{self as core_json, Json, JsonObject};
use tsunagi_core::token_set::TokenSet;
use tsunagi_core::{Error, ErrorCode, Result};

const P: ErrorCode = ErrorCode::InvalidParameter;

fn object(v: Option<&Value>, what: &str) -> Result<Option<JsonObject>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match core_json::parse(&v.to_string()) {
            Ok(Json::Object(m)) => Ok(Some(m)),
            _ => Err(Error::new(P, format!("{what} must be an object"))),
        },
    }
}

fn tokens(v: Option<&Value>) -> Result<Option<TokenSet>> {
    object(v, "tokens")?.map(|m| super::tokens::from_args(&Args::new(&m, "tokens", P))).transpose()
}

fn opt_str<'a>(v: &'a Value, key: &str) -> Result<Option<&'a str>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::new(P, format!("options.{key} must be a string"))),
    }
}

fn time(v: &Value, key: &str) -> Result<tsunagi_core::time::Timestamp> {
    v.get(key)
        .and_then(Value::as_u64)
        .map(tsunagi_core::time::Timestamp::from_millis)
        .ok_or_else(|| Error::new(P, format!("options.{key} must be epoch milliseconds")))
}

fn pairs(v: Option<&Value>) -> Result<low::Pairs> {
    let Some(v) = v.filter(|v| !v.is_null()) else { return Ok(Vec::new()) };
    let bad = || Error::new(P, "must be an array of [name, value] string pairs");
    v.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
            _ => Err(bad()),
        })
        .collect()
}

fn response(a: &Value) -> Result<tsunagi_core::HttpResponse> {
    let r = a.get("response").filter(|r| r.is_object()).ok_or_else(|| Error::new(P, "response must be an object"))?;
    let status = match r.get("status") {
        None | Some(Value::Null) => None,
        Some(s) => Some(s.as_u64().ok_or_else(|| Error::new(P, "response.status must be a non-negative number"))?),
    };
    let body = match r.get("body") {
        Some(Value::String(b)) => b.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    low::response(status, pairs(r.get("headers"))?, &body)
}

/// Runs the operation `op` on the JSON arguments `args` (with `config` among them), as the
/// package's functions call the handle's methods and the plain functions.
fn run_op(op: &str, args: &str) -> Result<String> {
    if op == "jwt_payload" {
        return tsunagi_core::jwt::payload_json_unverified(args);
    }
    let a: Value = match serde_json::from_str(args) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Err(Error::new(P, "the arguments must be a JSON object")),
    };
    let client = || match a.get("config") {
        None | Some(Value::Null) => Err(Error::new(ErrorCode::InvalidConfig, "config must be an object")),
        Some(c) => client_from_text(&c.to_string()),
    };
    match op {
        "create_state" => low::create_state(),
        "create_pkce" => low::create_pkce(),
        "pkce_challenge" => Ok(low::pkce_challenge(opt_str(&a, "verifier")?.ok_or_else(|| Error::new(P, "verifier must be a string"))?)),
        "parse_callback" => low::parse_callback(
            opt_str(&a, "url")?.ok_or_else(|| Error::new(P, "url must be a string"))?,
            opt_str(&a, "expectedState")?,
            opt_str(&a, "issuer")?,
            a.get("requireIss").and_then(Value::as_bool).unwrap_or(false),
        ),
        "authorization_url" => ops::authorization_url(&client()?, opt_str(&a, "state")?, opt_str(&a, "codeChallenge")?, &pairs(a.get("extraParams"))?),
        "begin_authorization" => ops::begin_authorization(&client()?, &pairs(a.get("extraParams"))?),
        "token_request" => {
            let g = object(a.get("grant"), "grant")?.ok_or_else(|| Error::new(P, "grant must be an object"))?;
            low::token_request(&client()?, &Args::new(&g, "grant", P))
        }
        "parse_token_response" => {
            let client = match a.get("config") {
                None | Some(Value::Null) => super::config::generic_reader()?,
                Some(_) => client()?,
            };
            let previous = tokens(a.get("previous"))?;
            low::parse_token_response(&client, &response(&a)?, time(&a, "now")?, previous.as_ref(), opt_str(&a, "grantType")?)
        }
        "next_step" => {
            let t = tokens(a.get("tokens"))?;
            Ok(ops::next_step(&client()?, t.as_ref(), time(&a, "now")?, a.get("leewaySecs").and_then(Value::as_u64)).to_owned())
        }
        "api_request" => {
            let t = tokens(a.get("tokens"))?;
            let path = opt_str(&a, "path")?.ok_or_else(|| Error::new(P, "path must be a string"))?;
            low::api_request(&client()?, t.as_ref(), path, opt_str(&a, "method")?, opt_str(&a, "body")?)
        }
        _ => Err(Error::new(ErrorCode::UnsupportedOperation, "unknown operation")),
    }
}

fn dispatch(op: &str, args: &str) -> Result<String> {
    run_op(op, args)
}

fn ok(op: &str, args: Value) -> String {
    dispatch(op, &args.to_string()).unwrap_or_else(|e| panic!("{op}: {e}"))
}

fn code(op: &str, args: &str) -> String {
    match dispatch(op, args) {
        Ok(v) => panic!("{op} should fail, got {v}"),
        Err(e) => e.code().as_str().to_owned(),
    }
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn lawvu() -> Value {
    json!({"provider": "lawvu", "environment": "sandbox", "clientId": "acme-inc", "redirectUri": "https://acme-inc.com/auth"})
}

#[test]
fn lawvu_document_url_byte_for_byte() {
    assert_eq!(
        ok("authorization_url", json!({"config": lawvu()})),
        "https://demo.lawvu.com/#/authorize?response_type=code&client_id=acme-inc&redirect_uri=https%3A%2F%2Facme-inc.com%2Fauth"
    );
    let with = ok("authorization_url", json!({"config": lawvu(), "state": "xyz", "extraParams": [["prompt", "login"], ["a", "b c"]]}));
    assert!(with.ends_with("&state=xyz&prompt=login&a=b%20c"), "{with}");
}

#[test]
fn begin_authorization_gives_state_and_verifier_when_pkce() {
    let v = parsed(&ok("begin_authorization", json!({"config": lawvu()})));
    assert!(v["codeVerifier"].is_null());
    let state = v["state"].as_str().unwrap_or_default();
    assert_eq!(state.len(), 43);
    assert!(v["url"].as_str().unwrap_or_default().ends_with(&format!("state={state}")));
    let generic = json!({"provider": "generic", "authorizationEndpoint": "https://as.example/authorize", "tokenEndpoint": "https://as.example/token", "clientId": "c", "redirectUri": "https://app.example/cb"});
    let v = parsed(&ok("begin_authorization", json!({"config": generic})));
    let verifier = v["codeVerifier"].as_str().unwrap_or_default();
    let challenge = ok("pkce_challenge", json!({"verifier": verifier}));
    assert!(v["url"].as_str().unwrap_or_default().contains(&format!("code_challenge={challenge}&code_challenge_method=S256")));
}

#[test]
fn rfc7636_vector_and_fresh_pkce() {
    assert_eq!(ok("pkce_challenge", json!({"verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"})), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    let p = parsed(&ok("create_pkce", json!({})));
    let verifier = p["verifier"].as_str().unwrap_or_default();
    assert_eq!(ok("pkce_challenge", json!({"verifier": verifier})), p["challenge"].as_str().unwrap_or_default());
    assert_ne!(ok("create_state", json!({})), ok("create_state", json!({})));
}

#[test]
fn callback_checks_state() {
    assert_eq!(ok("parse_callback", json!({"url": "https://acme-inc.com/auth?code=C1&state=s1", "expectedState": "s1"})), "C1");
    assert_eq!(code("parse_callback", &json!({"url": "https://acme-inc.com/auth?code=C1&state=s2", "expectedState": "s1"}).to_string()), "state_mismatch");
    assert_eq!(
        code("parse_callback", &json!({"url": "https://acme-inc.com/auth?error=access_denied&state=s1", "expectedState": "s1"}).to_string()),
        "access_denied"
    );
    assert_eq!(code("parse_callback", &json!({"url": "https://acme-inc.com/auth?code=C1"}).to_string()), "invalid_parameter");
}

#[test]
fn token_requests_per_provider() {
    let r = parsed(&ok("token_request", json!({"config": lawvu(), "grant": {"grantType": "authorization_code", "code": "SplxlOBeZQQYbYS6WxSbIA"}})));
    assert_eq!(r["method"], "POST");
    assert_eq!(r["url"], "https://api-sandbox.lawvu.com/account-apis/v1/auth/token");
    assert_eq!(r["headers"]["content-type"], "application/x-www-form-urlencoded");
    assert_eq!(r["body"], "grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&redirect_uri=https%3A%2F%2Facme-inc.com%2Fauth&client_id=acme-inc");
    let logiless = json!({"provider": "logiless", "clientId": "cid", "clientSecret": "sec", "redirectUri": "https://app.example/cb"});
    let r = parsed(&ok("token_request", json!({"config": logiless, "grant": {"grantType": "refresh_token", "refreshToken": "rt"}})));
    assert_eq!(r["method"], "GET");
    assert!(r["body"].is_null());
    assert_eq!(r["url"], "https://app2.logiless.com/oauth2/token?grant_type=refresh_token&refresh_token=rt&client_id=cid&client_secret=sec");
    let legalon = json!({"provider": "legalon", "region": "jp", "credentials": "Q1JFRA=="});
    let r = parsed(&ok("token_request", json!({"config": legalon, "grant": {"grantType": "client_credentials"}})));
    assert_eq!(r["headers"]["authorization"], "Basic Q1JFRA==");
    assert_eq!(r["url"], "https://public-api.legalon-cloud.com/oauth/token");
    let e = code("token_request", &json!({"config": legalon, "grant": {"grantType": "refresh_token", "refreshToken": "x"}}).to_string());
    assert_eq!(e, "unsupported_operation");
}

#[test]
fn logiless_sample_response_as_printed() {
    let body = r#"{"access_token":"d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX","token_type":"bearer","expires_in":2592000,"refresh_token":d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX,"scope":""}"#;
    let logiless = json!({"provider": "logiless", "clientId": "c", "clientSecret": "s", "redirectUri": "https://app.example/cb"});
    let response = json!({"status": 200, "headers": [["content-type", "text/plain"]], "body": body});
    // issue 21 item 10: the repair is Logiless' alone; without a config the answer is a generic server's
    assert_eq!(code("parse_token_response", &json!({"response": response, "now": 1000}).to_string()), "token_response_invalid");
    let t = parsed(&ok("parse_token_response", json!({"config": logiless, "response": response, "now": 1000})));
    assert_eq!(t["accessToken"], "d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX");
    assert_eq!(t["refreshToken"], "d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX");
    assert_eq!(t["expiresAt"], 1000 + 2_592_000_000u64);
    assert_eq!(t["issuedAt"], 1000);
    assert_eq!(t["scope"], "");
}

#[test]
fn token_set_round_trips_as_previous() {
    let first = parsed(&ok(
        "parse_token_response",
        json!({"config": lawvu(), "response": {"status": 200, "body": r#"{"access_token":"a1","refresh_token":"r1","expires_in":3600,"userId":"u"}"#}, "now": 0}),
    ));
    assert_eq!(first["refreshExpiresAt"], 86_400_000u64);
    assert_eq!(first["extra"]["userId"], "u");
    let second = parsed(&ok(
        "parse_token_response",
        json!({"config": lawvu(), "response": {"status": 200, "body": r#"{"access_token":"a2","expires_in":3600}"#}, "now": 10, "previous": first}),
    ));
    assert_eq!(second["refreshToken"], "r1");
    assert_eq!(second["refreshExpiresAt"], 86_400_000u64);
    assert_eq!(ok("next_step", json!({"config": lawvu(), "tokens": second, "now": 20})), "use_access_token");
    assert_eq!(ok("next_step", json!({"config": lawvu(), "tokens": second, "now": 3_600_000})), "refresh");
    assert_eq!(ok("next_step", json!({"config": lawvu(), "now": 0})), "reauthorize");
}

#[test]
fn token_sets_record_their_grant() {
    // issue 13 item 4: a generic confidential client can use client credentials, but only its
    // own token is re-acquired; a user's expired session is sent to authorize again
    let generic = json!({"provider": "generic", "authorizationEndpoint": "https://as.example/authorize", "tokenEndpoint": "https://as.example/token", "clientId": "c", "clientAuth": "client_secret_post", "clientSecret": "s", "redirectUri": "https://app.example/cb"});
    let parse = |grant: Option<&str>, previous: Option<&Value>| {
        let mut args = json!({"config": generic, "response": {"status": 200, "body": r#"{"access_token":"a","expires_in":60}"#}, "now": 0});
        if let Some(g) = grant {
            args["grantType"] = json!(g);
        }
        if let Some(p) = previous {
            args["previous"] = p.clone();
        }
        parsed(&ok("parse_token_response", args))
    };
    let user = parse(None, None);
    assert_eq!(user["grant"], "user");
    assert_eq!(parse(Some("authorization_code"), None)["grant"], "user");
    let own = parse(Some("client_credentials"), None);
    assert_eq!(own["grant"], "client_credentials");
    assert_eq!(parse(Some("refresh_token"), Some(&own))["grant"], "client_credentials");
    assert_eq!(parse(None, Some(&user))["grant"], "user");
    let step = |tokens: Value| ok("next_step", json!({"config": generic, "tokens": tokens, "now": 60_000}));
    assert_eq!(step(user.clone()), "reauthorize");
    assert_eq!(step(own), "reacquire");
    // stored before the field existed: a user's
    let mut old = user;
    old.as_object_mut().map(|m| m.remove("grant"));
    assert_eq!(step(old), "reauthorize");
    assert_eq!(ok("next_step", json!({"config": generic, "now": 0})), "reauthorize");
    let bad = json!({"config": generic, "response": {"status": 200, "body": "{}"}, "now": 0, "grantType": "password"});
    assert_eq!(code("parse_token_response", &bad.to_string()), "invalid_parameter");
    let bad = json!({"config": generic, "tokens": {"accessToken": "a", "grant": "admin"}, "now": 0});
    assert_eq!(code("next_step", &bad.to_string()), "invalid_parameter");
}

#[test]
fn lawvu_refresh_errors_require_reauthorization() {
    let r = dispatch(
        "parse_token_response",
        &json!({"config": lawvu(), "response": {"status": 400, "headers": [["x-request-id", "req-9"]], "body": "Refresh token is not valid"}, "now": 0})
            .to_string(),
    );
    let e = r.err().unwrap_or_else(|| panic!("should fail"));
    let v = parsed(&super::error::to_json(&e));
    assert_eq!(v["code"], "refresh_token_invalid");
    assert_eq!(v["status"], 400);
    assert_eq!(v["requestId"], "req-9");
    assert_eq!(v["requiresReauthorization"], true);
}

#[test]
fn api_request_and_decisions() {
    let tokens = json!({"accessToken": "AT", "expiresAt": null});
    let r = parsed(&ok("api_request", json!({"config": lawvu(), "tokens": tokens, "path": "/account-apis/v1/users"})));
    assert_eq!(r["url"], "https://api-sandbox.lawvu.com/account-apis/v1/users");
    assert_eq!(r["headers"]["authorization"], "Bearer AT");
    let r =
        parsed(&ok("api_request", json!({"config": lawvu(), "tokens": tokens, "path": "https://api-sandbox.lawvu.com/x?y=1", "method": "post", "body": "{}"})));
    assert_eq!(r["url"], "https://api-sandbox.lawvu.com/x?y=1");
    assert_eq!(r["method"], "POST");
    for bad in ["https://evil.example/x", "https://api-sandbox.lawvu.com.evil.example/x", "/../x", "//evil.example/x"] {
        assert_eq!(code("api_request", &json!({"config": lawvu(), "tokens": tokens, "path": bad}).to_string()), "invalid_parameter", "{bad}");
    }
    // the API loop's decisions are the flows' (api::decide in Rust, no export of their own): on LawVu's config
    use tsunagi_core::api::{decide, ApiDecision, Attempt, RetryPolicy};
    let client = client_from_text(&lawvu().to_string()).unwrap_or_else(|e| panic!("{e}"));
    let resp = |status: u16, headers: &[(&str, &str)]| {
        tsunagi_core::HttpResponse::new(status, headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), "")
    };
    let (p, now, first) = (RetryPolicy::default(), tsunagi_core::time::Timestamp::from_millis(0), Attempt::default());
    let again = Attempt { reauthenticated: true, ..Attempt::default() };
    let spent = Attempt { rate_limit_retries: 2, ..Attempt::default() };
    assert_eq!(decide(&client, &p, &first, &resp(200, &[]), now), ApiDecision::Deliver);
    assert_eq!(decide(&client, &p, &first, &resp(401, &[]), now), ApiDecision::Reauthenticate);
    assert!(matches!(decide(&client, &p, &again, &resp(401, &[]), now), ApiDecision::Fail(_)));
    assert_eq!(decide(&client, &p, &first, &resp(429, &[("X-RateLimit-Reset", "2")]), now), ApiDecision::Wait { delay_ms: 2000 });
    assert!(matches!(decide(&client, &p, &spent, &resp(429, &[("X-RateLimit-Reset", "2")]), now), ApiDecision::Fail(_)));
    assert_eq!(client.api_error(&resp(429, &[("retry-after", "5")]), now).code().as_str(), "rate_limited");
}

#[test]
fn garbage_is_a_typed_error_never_a_panic() {
    for (op, args, want) in [
        ("authorization_url", "not json", "invalid_parameter"),
        ("authorization_url", "[]", "invalid_parameter"),
        ("authorization_url", "{}", "invalid_config"),
        ("authorization_url", r#"{"config": 5}"#, "invalid_config"),
        ("authorization_url", r#"{"config": {"provider": "nope"}}"#, "invalid_config"),
        (
            "authorization_url",
            r#"{"config": {"provider": "lawvu", "environment": "sandbox", "clientId": 7, "redirectUri": "https://a.example/"}}"#,
            "invalid_config",
        ),
        (
            "authorization_url",
            r#"{"config": {"provider": "lawvu", "environment": "moon", "clientId": "c", "redirectUri": "https://a.example/"}}"#,
            "invalid_config",
        ),
        (
            "authorization_url",
            r#"{"config": {"provider": "lawvu", "environment": "sandbox", "clientId": "c", "redirectUri": "http://a.example/"}}"#,
            "invalid_redirect_uri",
        ),
        ("authorization_url", r#"{"config": {"provider": "legalon", "region": "us", "credentials": "x"}}"#, "unsupported_operation"),
        (
            "authorization_url",
            r#"{"config": {"provider": "lawvu", "environment": "sandbox", "clientId": "c", "redirectUri": "https://a.example/"}, "codeChallenge": "x"}"#,
            "invalid_parameter",
        ),
        (
            "authorization_url",
            r#"{"config": {"provider": "lawvu", "environment": "sandbox", "clientId": "c", "redirectUri": "https://a.example/"}, "extraParams": {"a": 1}}"#,
            "invalid_parameter",
        ),
        ("token_request", r#"{"config": {"provider": "legalon", "region": "us", "credentials": "x"}, "grant": "x"}"#, "invalid_parameter"),
        ("token_request", r#"{"config": {"provider": "legalon", "region": "us", "credentials": "x"}, "grant": {"grantType": "magic"}}"#, "invalid_parameter"),
        ("parse_token_response", r#"{"response": {"status": 99999, "body": ""}, "now": 0}"#, "invalid_parameter"),
        ("parse_token_response", r#"{"response": {"status": 200, "body": "<html>"}, "now": 0}"#, "token_response_invalid"),
        ("parse_token_response", r#"{"response": {"status": 200, "body": "{}"}, "now": -1}"#, "invalid_parameter"),
        ("parse_token_response", r#"{"response": {"status": 200, "headers": {"a": "b"}, "body": "{}"}, "now": 0}"#, "invalid_parameter"),
        (
            "parse_token_response",
            r#"{"response": {"status": 200, "body": "{\"access_token\":\"a\"}"}, "now": 0, "previous": {"accessToken": 3}}"#,
            "invalid_parameter",
        ),
        ("jwt_payload", "a.b", "jwt_malformed"),
        ("jwt_payload", "a.!!!.c", "jwt_invalid_base64"),
    ] {
        assert_eq!(code(op, args), want, "{op} {args}");
    }
}

#[test]
fn lawvu_jwt_example() {
    let payload = r#"{"sub":"user-id-123","name":"Jane Smith","organisationId":"org-id-456","exp":1740000000,"iat":1739996400}"#;
    let jwt = format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", tsunagi_core::base64url::encode(payload.as_bytes()));
    assert_eq!(run_op("jwt_payload", &jwt).ok().as_deref(), Some(payload));
}

#[test]
fn errors_never_carry_secrets() {
    let logiless = json!({"provider": "logiless", "clientId": "cid", "clientSecret": "S3CRET-VALUE", "redirectUri": "https://app.example/cb"});
    let body = r#"{"error":"invalid_grant","error_description":"refresh_token RT-SECRET-123 is bad"}"#;
    let r = dispatch("parse_token_response", &json!({"config": logiless, "response": {"status": 400, "body": body}, "now": 0}).to_string());
    let text = super::error::to_json(&r.err().unwrap_or_else(|| panic!("should fail")));
    assert!(!text.contains("S3CRET-VALUE"), "{text}");
    assert!(parsed(&text)["code"] == "invalid_grant");
}

#[test]
fn cached_clients_follow_the_config_text() {
    // the same config text reuses its client; a changed one builds a new client, a broken one
    // fails every time (nothing cached for it), and a good one still works afterwards
    let url = |cfg: &Value| ok("authorization_url", json!({"config": cfg, "state": "s"}));
    let a = url(&lawvu());
    assert_eq!(url(&lawvu()), a);
    let mut other = lawvu();
    other["clientId"] = json!("other-client");
    assert!(url(&other).contains("client_id=other-client"), "{}", url(&other));
    let mut broken = lawvu();
    broken["redirectUri"] = json!("http://not-loopback.example/");
    for _ in 0..2 {
        assert_eq!(code("authorization_url", &json!({"config": broken}).to_string()), "invalid_redirect_uri");
    }
    for i in 0..20 {
        let mut c = lawvu();
        c["clientId"] = json!(format!("c{i}"));
        assert!(url(&c).contains(&format!("client_id=c{i}&")));
    }
    assert_eq!(url(&lawvu()), a);
}

#[test]
fn the_package_reads_dpop() {
    // `dpop`: true, false or "auto" (RFC 9449; the browser's key: src/js/dpop.rs); nothing else
    let config = |dpop: &str| {
        format!(
            r#"{{"config": {{"provider": "generic", "authorizationEndpoint": "https://as.example/auth", "tokenEndpoint": "https://as.example/token", "clientId": "c", "redirectUri": "https://app.example/cb"{dpop}}}}}"#
        )
    };
    for ok in ["", r#","dpop": false"#, r#","dpop": true"#, r#","dpop": "auto""#] {
        assert!(run_op("begin_authorization", &config(ok)).is_ok(), "{ok}");
    }
    for bad in [r#","dpop": "yes""#, r#","dpop": 1"#] {
        let err = run_op("begin_authorization", &config(bad)).err().unwrap_or_else(|| panic!("{bad} taken"));
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
        assert!(err.to_string().contains("config.dpop"), "{err}");
    }
}
