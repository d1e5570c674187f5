//! Native tests of the JS layer's operations (the same code the wasm module runs).

use super::dispatch::dispatch as run_op;
use super::ops::Side;
use serde_json::{json, Value};
use tsunagi_core::Result;

/// Calls `op` the way `js/core.js` does: `config` and `response.body` travel beside the other
/// arguments, not inside them. Text that is not a JSON object is passed as is.
fn dispatch(op: &str, args: &str) -> Result<String> {
    let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(args) else {
        return run_op(op, args, &Side::default());
    };
    let config = map.remove("config").map(|c| c.to_string()).unwrap_or_default();
    let body = match map.get_mut("response").and_then(Value::as_object_mut).and_then(|r| r.remove("body")) {
        Some(Value::String(b)) => b,
        Some(other) => other.to_string(),
        None => String::new(),
    };
    run_op(op, &Value::Object(map).to_string(), &Side { config: &config, body: &body })
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
    let decide = |status: u16, headers: Value, attempt: Value| {
        parsed(&ok("api_decide", json!({"config": lawvu(), "response": {"status": status, "headers": headers}, "now": 0, "attempt": attempt})))
    };
    assert_eq!(decide(200, json!([]), json!({}))["action"], "deliver");
    assert_eq!(decide(401, json!([]), json!({}))["action"], "reauthenticate");
    assert_eq!(decide(401, json!([]), json!({"reauthenticated": true}))["action"], "fail");
    let wait = decide(429, json!([["X-RateLimit-Reset", "2"]]), json!({}));
    assert_eq!((wait["action"].as_str(), wait["delayMs"].as_u64()), (Some("wait"), Some(2000)));
    assert_eq!(decide(429, json!([["X-RateLimit-Reset", "2"]]), json!({"rateLimitRetries": 2}))["action"], "fail");
    assert_eq!(
        code("api_error", &json!({"config": lawvu(), "response": {"status": 429, "headers": [["retry-after", "5"]]}, "now": 0}).to_string()),
        "rate_limited"
    );
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
        ("no_such_op", "{}", "unsupported_operation"),
    ] {
        assert_eq!(code(op, args), want, "{op} {args}");
    }
}

#[test]
fn lawvu_jwt_example() {
    let payload = r#"{"sub":"user-id-123","name":"Jane Smith","organisationId":"org-id-456","exp":1740000000,"iat":1739996400}"#;
    let jwt = format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", tsunagi_core::base64url::encode(payload.as_bytes()));
    assert_eq!(run_op("jwt_payload", &jwt, &Side::default()).ok().as_deref(), Some(payload));
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
