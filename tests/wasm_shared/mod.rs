//! The JS layer's single export (`tsunagi::js::call`) inside a real JS engine: the same cases run
//! in Node (`tests/wasm_node.rs`) and headless Chromium (`tests/wasm_browser.rs`).

use tsunagi::js::call;
use wasm_bindgen_test::wasm_bindgen_test;

const LAWVU: &str = r#"{"provider":"lawvu","environment":"sandbox","clientId":"acme-inc","redirectUri":"https://acme-inc.com/auth"}"#;

fn code_of(err: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(err).unwrap_or_default();
    v["code"].as_str().unwrap_or_default().to_owned()
}

#[wasm_bindgen_test]
fn lawvu_document_url() {
    let url = call("authorization_url", "{}", LAWVU, "");
    assert_eq!(url.as_deref(), Ok("https://demo.lawvu.com/#/authorize?response_type=code&client_id=acme-inc&redirect_uri=https%3A%2F%2Facme-inc.com%2Fauth"));
}

#[wasm_bindgen_test]
fn csprng_and_pkce_in_the_js_engine() {
    let a = call("create_state", "{}", "", "");
    let b = call("create_state", "{}", "", "");
    assert!(a.is_ok() && a != b);
    let challenge = call("pkce_challenge", r#"{"verifier":"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}"#, "", "");
    assert_eq!(challenge.as_deref(), Ok("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
}

#[wasm_bindgen_test]
fn garbage_is_an_error_not_a_trap() {
    for (op, args, config, body, want) in [
        ("authorization_url", "garbage", LAWVU, "", "invalid_parameter"),
        ("authorization_url", "{}", "null", "", "invalid_config"),
        ("authorization_url", "{}", "garbage", "", "invalid_config"),
        ("parse_token_response", r#"{"response":{"status":200},"now":0}"#, "", "{", "token_response_invalid"),
        ("jwt_payload", "a.b", "", "", "jwt_malformed"),
        ("nope", "{}", "", "", "unsupported_operation"),
    ] {
        let err = call(op, args, config, body).err().unwrap_or_default();
        assert_eq!(code_of(&err), want, "{op} {args} {config}");
    }
    // The module still works after errors.
    assert!(call("create_state", "{}", "", "").is_ok());
}

#[wasm_bindgen_test]
fn logiless_sample_response() {
    let body = r#"{"access_token":"d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX","token_type":"bearer","expires_in":2592000,"refresh_token":d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX,"scope":""}"#;
    let logiless = r#"{"provider":"logiless","clientId":"c","clientSecret":"s","redirectUri":"https://app.example/cb"}"#;
    let tokens = call("parse_token_response", r#"{"response":{"status":200},"now":0}"#, logiless, body).unwrap_or_default();
    let tokens: serde_json::Value = serde_json::from_str(&tokens).unwrap_or_default();
    assert_eq!(tokens["refreshToken"], "d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX");
    assert_eq!(tokens["expiresAt"], 2_592_000_000u64);
    // issue 21 item 10: without a config it is a generic server's answer, read strictly
    let generic = call("parse_token_response", r#"{"response":{"status":200},"now":0}"#, "", body);
    assert_eq!(generic.err().map(|e| code_of(&e)).as_deref(), Some("token_response_invalid"));
}
