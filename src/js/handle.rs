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
    pub(crate) client: Rc<Client>,
    /// The servers' latest DPoP nonces, for this client's life (RFC 9449 §8, §9; src/js/dpop.rs).
    nonces: super::dpop::Nonces,
}

impl WasmClient {
    /// The built client, shared with a flow that outlives this call.
    pub(crate) fn client(&self) -> Rc<Client> {
        Rc::clone(&self.client)
    }
    /// Its DPoP nonces, shared likewise.
    pub(crate) fn nonces(&self) -> super::dpop::Nonces {
        self.nonces.clone()
    }
}

fn handle(r: Result<Client>) -> JsResult<WasmClient> {
    r.map(|client| WasmClient { client: Rc::new(client), nonces: super::dpop::nonces() }).map_err(error::to_js)
}

pub(crate) fn done(r: Result<String>) -> JsResult<JsValue> {
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
}

/// The payload text of a compact JWT, **unverified** (RFC 7519 §7.2 steps 1–6, no signature).
#[wasm_bindgen(js_name = jwtPayload)]
pub fn jwt_payload(jwt: &str) -> JsResult<String> {
    tsunagi_core::jwt::payload_json_unverified(jwt).map_err(error::to_js)
}
