//! A sign-in's code exchange, for a browser session and for an administrator's grant alike: the
//! shared flow into memory, then an OpenID Connect id_token verified (OIDC Core §3.1.3.7: the
//! signature through WebCrypto against the issuer's JWKS, the core's claim checks) before the caller
//! keeps anything. The same verification serves an id_token a refresh returns (OIDC Core §12.2,
//! `refreshed.rs`).

use crate::connections::Connection;
use crate::runtime::{Fetcher, WorkerClock};
use crate::{config, jwks_cache, now};
use js_sys::{Array, Promise, Uint8Array, JSON};
use tsunagi_core::id_token::{IdToken, IdTokenExpectations};
use tsunagi_core::token_set::DEFAULT_LEEWAY_SECS;
use tsunagi_core::{Client, Error, ErrorCode, Nonce, PendingAuthorization, Result, TokenSet};
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
/// ([`ErrorCode::IdTokenMissing`]).
async fn verify(env: &Env, c: &Connection, client: &Client, tokens: &TokenSet, nonce: Option<&Nonce>) -> Result<()> {
    if client.server().issuer.is_none() {
        return Ok(());
    }
    match tokens.extra.get_str("id_token") {
        Some(id_token) => verify_id_token(env, c, client, id_token, nonce, None).await,
        None if nonce.is_some() => Err(Error::new(ErrorCode::IdTokenMissing, "openid was requested but the token response has no id_token")),
        None => Ok(()),
    }
}

/// Verifies `id_token` for `client`'s issuer: its signature through WebCrypto with the key from the
/// issuer's JWKS (`config::jwks_uri`, cached in the isolate: [`jwks_cache`]), then the core's claim
/// checks — a sign-in's with its `nonce` (OIDC Core §3.1.3.7), or, with `original` (the claims JSON
/// of the id_token the set started with), a refresh's (OIDC Core §12.2: the same `iss`, `sub`, `aud`).
pub async fn verify_id_token(env: &Env, c: &Connection, client: &Client, id_token: &str, nonce: Option<&Nonce>, original: Option<&str>) -> Result<()> {
    let issuer = client.server().issuer.as_deref().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "checking an id_token needs the connection's issuer"))?;
    let client_id = client.client_id().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "checking an id_token needs the connection's client_id"))?;
    let t = IdToken::parse(id_token)?;
    let jwk = jwks_cache::key(&config::jwks_uri(env, c, client).await?, config::timeout_ms(env), t.alg(), t.kid()).await?;
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
    let expected = IdTokenExpectations { issuer, client_id: client_id.as_str(), nonce, now: now(), leeway_secs: DEFAULT_LEEWAY_SECS };
    match original {
        Some(original) => t.check_refreshed(original, &expected),
        None => t.check_claims(&expected),
    }
}
