//! The browser's one typed boundary: [`WasmClient`], a handle built and validated once from the
//! `config` object, whose methods take typed JS arguments (checked in [`super::value`]) and
//! return JS values; and the plain functions that need no config. Every export throws the one
//! error shape of [`super::error`].

use super::args::Args;
use super::{config, error, ops, value};
use std::rc::Rc;
use tsunagi_core::client::Client;
use tsunagi_core::json::{self, Json};
use tsunagi_core::{Error, ErrorCode, Result};
use wasm_bindgen::prelude::*;

type JsResult<T> = std::result::Result<T, JsValue>;

const P: ErrorCode = ErrorCode::InvalidParameter;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A token set as the package stores it (epoch milliseconds; see the package's `TokenSet`). */
export interface WasmTokenSet {
  accessToken: string;
  tokenType: string;
  issuedAt: number;
  expiresAt: number | null;
  refreshToken?: string;
  refreshExpiresAt?: number;
  scope?: string;
  apiBaseUrl?: string;
  extra: Record<string, unknown>;
  grant: 'user' | 'client_credentials';
}
/** A token set as an app may hand it back (stored before `grant` existed: a user's). */
export type WasmTokenSetIn = Omit<WasmTokenSet, 'grant'> & { grant?: 'user' | 'client_credentials' };
/** A request for the app's `fetch` (`body` null when none, e.g. a GET token request). */
export interface WasmHttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body: string | null;
}
/** Fresh state (and PKCE verifier, nonce) with the URL that carries them. */
export interface WasmBeginAuthorization {
  url: string;
  state: string;
  codeVerifier: string | null;
  nonce: string | null;
}
/** What to do with the stored tokens now. */
export type WasmNextStep = 'use_access_token' | 'refresh' | 'reacquire' | 'reauthorize';
/** `[name, value]` pairs: headers, extra parameters. */
export type WasmPairs = [string, string][];
"#;

/// The core client of a `config` object's JSON text (`invalid_config` when it is not an object or
/// a field is wrong, naming the field).
pub(crate) fn client_from_text(text: &str) -> Result<Client> {
    match json::parse(text) {
        Ok(Json::Object(map)) => config::client(&Args::new(&map, "config", ErrorCode::InvalidConfig)),
        _ => Err(Error::new(ErrorCode::InvalidConfig, "config must be an object")),
    }
}

/// A provider client built once from the package's `config` object (`LawVuConfig`,
/// `GenericConfig`, …: read with the core's JSON reader, every field checked), held by
/// `OAuthClient` for its life and by the low-level functions per config object.
#[wasm_bindgen]
pub struct WasmClient {
    client: Rc<Client>,
}

impl WasmClient {
    /// The built client, shared with a flow that outlives this call.
    pub(crate) fn client(&self) -> Rc<Client> {
        Rc::clone(&self.client)
    }
}

fn handle(r: Result<Client>) -> JsResult<WasmClient> {
    r.map(|client| WasmClient { client: Rc::new(client) }).map_err(error::to_js)
}

fn response(status: &JsValue, headers: &JsValue, body: &str) -> Result<tsunagi_core::HttpResponse> {
    ops::response(value::opt_u64(status, "response.status")?, value::pairs(headers, "response.headers")?, body)
}

fn done(r: Result<String>) -> JsResult<JsValue> {
    value::parsed(&r.map_err(error::to_js)?)
}

#[wasm_bindgen]
impl WasmClient {
    /// Builds and validates the client of `config` once. Throws `invalid_config` for anything but
    /// a valid config object, `invalid_parameter` for values JSON cannot hold (a `BigInt`).
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "unknown")] config: JsValue) -> JsResult<WasmClient> {
        handle(value::json_text(&config, "config", P).and_then(|text| match text {
            Some(text) => client_from_text(&text),
            None => Err(Error::new(ErrorCode::InvalidConfig, "config must be an object")),
        }))
    }

    /// The client that reads a token response without a config: a generic RFC 6749 server's (no
    /// provider messages, unknown refresh lifetime).
    #[cfg(feature = "generic")]
    #[wasm_bindgen(js_name = genericReader)]
    pub fn generic_reader() -> JsResult<WasmClient> {
        handle(config::generic_reader())
    }

    /// The authorization URL (RFC 6749 §4.1.1; LawVu's hash route included) with `state`, the PKCE
    /// `codeChallenge` (RFC 7636 §4.3) and extra parameters.
    #[wasm_bindgen(js_name = authorizationUrl)]
    pub fn authorization_url(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] state: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] code_challenge: JsValue,
        #[wasm_bindgen(unchecked_param_type = "WasmPairs | undefined")] extra_params: JsValue,
    ) -> JsResult<String> {
        let run = || {
            let state = value::opt_str(&state, "options.state")?;
            let challenge = value::opt_str(&code_challenge, "options.codeChallenge")?;
            let extra = value::pairs(&extra_params, "options.extraParams")?;
            ops::authorization_url(&self.client, state.as_deref(), challenge.as_deref(), &extra)
        };
        run().map_err(error::to_js)
    }

    /// Fresh state (and PKCE verifier, nonce where the profile uses them) and the URL with them.
    #[wasm_bindgen(js_name = beginAuthorization, unchecked_return_type = "WasmBeginAuthorization")]
    pub fn begin_authorization(&self, #[wasm_bindgen(unchecked_param_type = "WasmPairs | undefined")] extra_params: JsValue) -> JsResult<JsValue> {
        done(value::pairs(&extra_params, "options.extraParams").and_then(|extra| ops::begin_authorization(&self.client, &extra)))
    }

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
        body: &str,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
        #[wasm_bindgen(unchecked_param_type = "WasmTokenSetIn | undefined")] previous: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] grant_type: JsValue,
    ) -> JsResult<JsValue> {
        let run = || {
            let previous = value::token_set(&previous, "options.previous")?;
            let (resp, now) = (response(&status, &headers, body)?, value::time(&now, "options.now")?);
            let grant = value::opt_str(&grant_type, "options.grantType")?;
            ops::parse_token_response(&self.client, &resp, now, previous.as_ref(), grant.as_deref())
        };
        done(run())
    }

    /// What to do with the stored `tokens` now.
    #[wasm_bindgen(js_name = nextStep, unchecked_return_type = "WasmNextStep")]
    pub fn next_step(
        &self,
        #[wasm_bindgen(unchecked_param_type = "WasmTokenSetIn | null | undefined")] tokens: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] leeway_secs: JsValue,
    ) -> JsResult<String> {
        let run = || {
            let tokens = value::token_set(&tokens, "options.tokens")?;
            let (now, leeway) = (value::time(&now, "options.now")?, value::opt_u64(&leeway_secs, "options.leewaySecs")?);
            Ok(ops::next_step(&self.client, tokens.as_ref(), now, leeway).to_owned())
        };
        run().map_err(error::to_js)
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
            Ok(ops::request_json(&ops::revocation(&self.client, &token, hint.as_deref())?))
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

/// The payload text of a compact JWT, **unverified** (RFC 7519 §7.2 steps 1–6, no signature).
#[wasm_bindgen(js_name = jwtPayload)]
pub fn jwt_payload(jwt: &str) -> JsResult<String> {
    tsunagi_core::jwt::payload_json_unverified(jwt).map_err(error::to_js)
}
