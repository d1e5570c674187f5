//! A sign-in's code exchange, for a browser session and for an administrator's grant alike: the
//! shared flow into memory, then an OpenID Connect id_token verified (OIDC Core §3.1.3.7: the
//! signature through WebCrypto against the issuer's JWKS, the core's claim checks) before the caller
//! keeps anything.

use crate::connections::Connection;
use crate::runtime::{Fetcher, WorkerClock};
use crate::{config, http, now};
use js_sys::{Array, Promise, Uint8Array, JSON};
use tsunagi_core::id_token::{IdToken, IdTokenExpectations};
use tsunagi_core::token_set::DEFAULT_LEEWAY_SECS;
use tsunagi_core::{jwks, Client, Error, ErrorCode, HttpRequest, Method, Nonce, PendingAuthorization, Result, TokenSet};
use tsunagi_flows::memory::{LocalLock, MemoryStore};
use tsunagi_flows::Flow;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use worker::Env;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = importKey, catch)]
    fn import_jwk(format: &str, key: &JsValue, algorithm: &JsValue, extractable: bool, usages: &Array) -> std::result::Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = verify, catch)]
    fn subtle_verify(algorithm: &JsValue, key: &JsValue, signature: &Uint8Array, data: &Uint8Array) -> std::result::Result<Promise, JsValue>;
}

fn signature_invalid() -> Error {
    Error::new(ErrorCode::IdTokenSignatureInvalid, "the id_token's signature does not verify with the issuer's key")
}

/// Exchanges the code of `callback_url` (the `state` checked against `authorization`, the PKCE
/// verifier sent) into memory and verifies the set's id_token: the set a session or an unattended
/// grant may keep. Nothing is stored here, so a set that fails is never seen by anyone.
pub async fn exchange(env: &Env, c: &Connection, client: &Client, callback_url: &str, authorization: &PendingAuthorization) -> Result<TokenSet> {
    let (store, lock) = (MemoryStore::default(), LocalLock::default());
    let transport = Fetcher { timeout_ms: config::timeout_ms(env) };
    let flow = Flow { client, transport: &transport, store: &store, lock: &lock, clock: &WorkerClock, leeway_secs: 0 };
    let tokens = flow.exchange(callback_url, authorization).await?;
    verify(env, c, client, &tokens, authorization.nonce.as_ref()).await?;
    Ok(tokens)
}

/// Verifies `tokens`' id_token for a sign-in that sent `nonce`. Nothing to do when the client has
/// no issuer (an endpoints-only configuration keeps any id_token unverified in `extra`, as the npm
/// package does); with an issuer, an id_token is required when a nonce was sent
/// ([`ErrorCode::IdTokenMissing`]). The JWKS (`config::jwks_uri`) is fetched for each sign-in (no
/// cache: sign-ins are rare, and a rotated key is then always seen).
async fn verify(env: &Env, c: &Connection, client: &Client, tokens: &TokenSet, nonce: Option<&Nonce>) -> Result<()> {
    let Some(issuer) = client.server().issuer.as_deref() else { return Ok(()) };
    let Some(id_token) = tokens.extra.get_str("id_token") else {
        return match nonce {
            Some(_) => Err(Error::new(ErrorCode::IdTokenMissing, "openid was requested but the token response has no id_token")),
            None => Ok(()),
        };
    };
    let client_id = client.client_id().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "checking an id_token needs the connection's client_id"))?;
    let t = IdToken::parse(id_token)?;
    let timeout_ms = config::timeout_ms(env);
    let request = HttpRequest {
        method: Method::Get,
        url: config::jwks_uri(env, c, client).await?,
        headers: vec![("accept".into(), "application/json".into())],
        body: None,
    };
    let answer = http::send_head(&request, timeout_ms).await?.read(timeout_ms).await?;
    if answer.status != 200 {
        return Err(Error::new(ErrorCode::JwksInvalid, "the issuer's JWKS could not be read").with_status(answer.status));
    }
    let jwk = jwks::select_jwk(&answer.body, t.alg(), t.kid())?
        .ok_or_else(|| Error::new(ErrorCode::JwkNotFound, "no key of the issuer's JWKS fits the id_token (kid, key type, alg)"))?;
    let parse = |text: &str| JSON::parse(text).map_err(|_| Error::new(ErrorCode::JwksInvalid, "the issuer's key is not JSON"));
    let usages = Array::of1(&JsValue::from_str("verify"));
    let import = import_jwk("jwk", &parse(&jwk)?, &parse(t.alg().webcrypto_import())?, false, &usages).map_err(|_| signature_invalid())?;
    // a key WebCrypto cannot import (wrong curve, an algorithm this runtime lacks) verifies nothing
    let key = JsFuture::from(import).await.map_err(|_| signature_invalid())?;
    let verify = subtle_verify(&parse(t.alg().webcrypto_verify())?, &key, &Uint8Array::from(t.signature()), &Uint8Array::from(t.signing_input()))
        .map_err(|_| signature_invalid())?;
    if JsFuture::from(verify).await.ok().and_then(|v| v.as_bool()) != Some(true) {
        return Err(signature_invalid());
    }
    t.check_claims(&IdTokenExpectations { issuer, client_id: client_id.as_str(), nonce, now: now(), leeway_secs: DEFAULT_LEEWAY_SECS })
}
