//! The JS layer's typed boundary (`tsunagi::js::handle`: the `WasmClient` handle and the plain
//! functions) inside a real JS engine: the same cases run in Node (`tests/wasm_node.rs`) and
//! headless Chromium (`tests/wasm_browser.rs`).

use tsunagi::js::handle::{jwt_payload, WasmClient};
use tsunagi::js::lowlevel::{create_state, pkce_challenge};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const LAWVU: &str = r#"{"provider":"lawvu","environment":"sandbox","clientId":"acme-inc","redirectUri":"https://acme-inc.com/auth"}"#;
const U: JsValue = JsValue::UNDEFINED;

fn object(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap_or(JsValue::NULL)
}

fn client(json: &str) -> Result<WasmClient, JsValue> {
    WasmClient::new(object(json))
}

fn code_of(err: JsValue) -> String {
    let v: serde_json::Value = serde_json::from_str(&err.as_string().unwrap_or_default()).unwrap_or_default();
    v["code"].as_str().unwrap_or_default().to_owned()
}

fn code<T>(r: Result<T, JsValue>) -> String {
    r.err().map(code_of).unwrap_or_default()
}

fn text(v: &JsValue) -> String {
    js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string()).unwrap_or_default()
}

#[wasm_bindgen_test]
fn lawvu_document_url() {
    let url = client(LAWVU).and_then(|c| c.authorization_url(U, U, U));
    assert_eq!(
        url.ok().as_deref(),
        Some("https://demo.lawvu.com/#/authorize?response_type=code&client_id=acme-inc&redirect_uri=https%3A%2F%2Facme-inc.com%2Fauth")
    );
}

#[wasm_bindgen_test]
fn csprng_and_pkce_in_the_js_engine() {
    let (a, b) = (create_state().ok(), create_state().ok());
    assert!(a.is_some() && a != b);
    let challenge = pkce_challenge(JsValue::from_str("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).ok();
    assert_eq!(challenge.as_deref(), Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
}

#[wasm_bindgen_test]
fn garbage_is_an_error_not_a_trap() {
    let lawvu = client(LAWVU).ok();
    assert_eq!(lawvu.as_ref().map(|c| code(c.authorization_url(JsValue::from_f64(5.0), U, U))).as_deref(), Some("invalid_parameter"));
    assert_eq!(lawvu.as_ref().map(|c| code(c.authorization_url(U, U, JsValue::from_str("garbage")))).as_deref(), Some("invalid_parameter"));
    assert_eq!(code(client("null")), "invalid_config");
    assert_eq!(code(WasmClient::new(JsValue::from_str("garbage"))), "invalid_config");
    assert_eq!(code(WasmClient::new(U)), "invalid_config");
    let generic = WasmClient::generic_reader().ok();
    let parsed = generic.as_ref().map(|c| code(c.parse_token_response(JsValue::from_f64(200.0), U, b"{", JsValue::from_f64(0.0), U, U)));
    assert_eq!(parsed.as_deref(), Some("token_response_invalid"));
    assert_eq!(code(jwt_payload("a.b")), "jwt_malformed");
    // The module still works after errors.
    assert!(create_state().is_ok());
}

#[wasm_bindgen_test]
fn logiless_sample_response() {
    let body = r#"{"access_token":"d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX","token_type":"bearer","expires_in":2592000,"refresh_token":d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX,"scope":""}"#;
    let logiless = r#"{"provider":"logiless","clientId":"c","clientSecret":"s","redirectUri":"https://app.example/cb"}"#;
    let parse = |c: &WasmClient| c.parse_token_response(JsValue::from_f64(200.0), U, body.as_bytes(), JsValue::from_f64(0.0), U, U);
    let tokens = client(logiless).and_then(|c| parse(&c)).map(|t| text(&t)).unwrap_or_default();
    let tokens: serde_json::Value = serde_json::from_str(&tokens).unwrap_or_default();
    assert_eq!(tokens["refreshToken"], "d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX");
    assert_eq!(tokens["expiresAt"], 2_592_000_000u64);
    // issue 21 item 10: without a config it is a generic server's answer, read strictly
    let generic = WasmClient::generic_reader().and_then(|c| parse(&c));
    assert_eq!(code(generic), "token_response_invalid");
}
