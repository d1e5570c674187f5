//! The low-level "build request / process response" exports (feature `lowlevel`): the handle's
//! request builders and response readers, and the plain PKCE, state and callback functions. The
//! browser's `tsunagi` and the server's module carry them; tsunagi/lawvu's `OAuthClient` does not.

pub(crate) mod ops;

use super::args::Args;
use super::handle::{done, WasmClient};
use super::ops as shared;
use super::{error, value};
use tsunagi_core::{Error, ErrorCode, Result};
use wasm_bindgen::prelude::*;

type JsResult<T> = std::result::Result<T, JsValue>;

const P: ErrorCode = ErrorCode::InvalidParameter;

#[wasm_bindgen]
impl WasmClient {
    /// The token endpoint request for `grant` (RFC 6749 §4.1.3, §6, §4.4).
    #[wasm_bindgen(js_name = tokenRequest, unchecked_return_type = "WasmHttpRequest")]
    pub fn token_request(&self, #[wasm_bindgen(unchecked_param_type = "unknown")] grant: JsValue) -> JsResult<JsValue> {
        done(value::object(&grant, "grant").and_then(|map| {
            let map = map.ok_or_else(|| Error::new(P, "grant must be an object"))?;
            ops::token_request(&self.client, &Args::new(&map, "grant", P))
        }))
    }

    /// The token endpoint's answer (RFC 6749 §5.1, §5.2) as a `TokenSet`; `previous` keeps a refresh
    /// token the answer leaves out (§6), `grantType` is the grant the request used.
    #[wasm_bindgen(js_name = parseTokenResponse, unchecked_return_type = "WasmTokenSet")]
    #[allow(clippy::too_many_arguments)]
    pub fn parse_token_response(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] status: JsValue,
        #[wasm_bindgen(unchecked_param_type = "WasmPairs | undefined")] headers: JsValue,
        body: &[u8],
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
        #[wasm_bindgen(unchecked_param_type = "WasmTokenSetIn | undefined")] previous: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] grant_type: JsValue,
    ) -> JsResult<JsValue> {
        let run = || {
            let previous = value::token_set(&previous, "options.previous")?;
            // the body as UTF-8 bytes (TextEncoder on the JS side: one native copy, where a string
            // argument is copied into wasm a character at a time)
            let body = std::str::from_utf8(body).map_err(|_| Error::new(P, "response.body is not UTF-8 text"))?;
            let (resp, now) = (response(&status, &headers, body)?, value::time(&now, "options.now")?);
            let grant = value::opt_str(&grant_type, "options.grantType")?;
            ops::parse_token_response(&self.client, &resp, now, previous.as_ref(), grant.as_deref())
        };
        done(run())
    }

    /// An API request with the bearer token (RFC 6750 §2.1); `path` relative to the API base or a
    /// URL under it.
    #[wasm_bindgen(js_name = apiRequest, unchecked_return_type = "WasmHttpRequest")]
    pub fn api_request(
        &self,
        #[wasm_bindgen(unchecked_param_type = "WasmTokenSetIn | null | undefined")] tokens: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] method: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] body: JsValue,
    ) -> JsResult<JsValue> {
        let run = || {
            let tokens = value::token_set(&tokens, "options.tokens")?;
            let (path, method) = (value::str(&path, "options.path")?, value::opt_str(&method, "options.method")?);
            let body = value::opt_str(&body, "options.body")?;
            ops::api_request(&self.client, tokens.as_ref(), &path, method.as_deref(), body.as_deref())
        };
        done(run())
    }

    /// The RFC 7009 §2.1 revocation request for `token` (`tokenTypeHint`: `refresh_token`, the
    /// default, or `access_token`).
    #[wasm_bindgen(js_name = revocationRequest, unchecked_return_type = "WasmHttpRequest")]
    pub fn revocation_request(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] token_type_hint: JsValue,
    ) -> JsResult<JsValue> {
        let run = || {
            let (token, hint) = (value::str(&token, "options.token")?, value::opt_str(&token_type_hint, "options.tokenTypeHint")?);
            Ok(ops::request_json(&shared::revocation(&self.client, &token, hint.as_deref())?))
        };
        done(run())
    }

    /// Returns when the revocation endpoint's answer says revoked (RFC 7009 §2.2), else throws.
    #[wasm_bindgen(js_name = parseRevocationResponse)]
    pub fn parse_revocation_response(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] token_type_hint: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] status: JsValue,
        #[wasm_bindgen(unchecked_param_type = "WasmPairs | undefined")] headers: JsValue,
        body: &str,
    ) -> JsResult<()> {
        let run = || {
            let (token, hint) = (value::str(&token, "options.token")?, value::opt_str(&token_type_hint, "options.tokenTypeHint")?);
            ops::parse_revocation_response(&self.client, &token, hint.as_deref(), &response(&status, &headers, body)?)
        };
        run().map_err(error::to_js)
    }
}

fn response(status: &JsValue, headers: &JsValue, body: &str) -> Result<tsunagi_core::HttpResponse> {
    ops::response(value::opt_u64(status, "response.status")?, value::pairs(headers, "response.headers")?, body)
}

/// A fresh `state` (256 bits from the platform's CSPRNG, base64url).
#[wasm_bindgen(js_name = createState)]
pub fn create_state() -> JsResult<String> {
    ops::create_state().map_err(error::to_js)
}

/// A fresh PKCE pair (RFC 7636 §4.1: a 256-bit verifier; §4.2: its S256 challenge).
#[wasm_bindgen(js_name = createPkce, unchecked_return_type = "{ verifier: string; challenge: string }")]
pub fn create_pkce() -> JsResult<JsValue> {
    done(ops::create_pkce())
}

/// `BASE64URL(SHA256(verifier))` (RFC 7636 §4.2).
#[wasm_bindgen(js_name = pkceChallenge)]
pub fn pkce_challenge(#[wasm_bindgen(unchecked_param_type = "string")] verifier: JsValue) -> JsResult<String> {
    value::str(&verifier, "options.verifier").map(|v| ops::pkce_challenge(&v)).map_err(error::to_js)
}

/// The authorization code of the callback `url` (RFC 6749 §4.1.2) after its `state` check; with
/// `issuer`, RFC 9207's `iss` check (`requireIss`: a missing `iss` fails too).
#[wasm_bindgen(js_name = parseCallback)]
pub fn parse_callback(
    #[wasm_bindgen(unchecked_param_type = "string")] url: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] expected_state: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | undefined")] issuer: JsValue,
    #[wasm_bindgen(unchecked_param_type = "boolean | undefined")] require_iss: JsValue,
) -> JsResult<String> {
    let run = || {
        let url = value::str(&url, "options.url")?;
        let expected = value::opt_str(&expected_state, "options.expectedState").map_err(|_| Error::new(P, "expectedState must be a non-empty string"))?;
        let issuer = value::opt_str(&issuer, "options.issuer")?;
        let require = value::opt_bool(&require_iss, "options.requireIss")?.unwrap_or(false);
        ops::parse_callback(&url, expected.as_deref(), issuer.as_deref(), require)
    };
    run().map_err(error::to_js)
}
