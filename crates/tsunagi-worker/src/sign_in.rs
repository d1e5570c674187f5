//! A sign-in's code exchange, for a browser session and for an administrator's grant alike: the
//! shared flow into memory, then an OpenID Connect id_token verified by the verifier the npm
//! package runs too (`tsunagi_flows::id_token`, OIDC Core §3.1.3.7) before the caller keeps
//! anything. The same verification serves an id_token a refresh returns (OIDC Core §12.2,
//! `refreshed.rs`).

use crate::connections::Connection;
use crate::dpop_key::{self, NewKey, WorkerKey};
use crate::runtime::{Fetcher, Timer, WorkerClock};
use crate::{config, jwks_cache, now};
use std::cell::RefCell;
use tsunagi_core::dpop::{is_dpop_token_type, NonceBook};
use tsunagi_core::id_token::IdTokenExpectations;
use tsunagi_core::token_set::DEFAULT_LEEWAY_SECS;
use tsunagi_core::{Client, Error, ErrorCode, Nonce, PendingAuthorization, Result, TokenSet};
use tsunagi_flows::id_token::{Expected, IdTokenVerifier};
use tsunagi_flows::memory::{LocalLock, MemoryStore};
use tsunagi_flows::Flow;
use tsunagi_webcrypto::WebCrypto;
use worker::Env;

/// Exchanges the code of `callback_url` (the `state` checked against `authorization`, the PKCE
/// verifier sent) into memory and verifies the set's id_token: the set a session or an unattended
/// grant may keep. A grant starts a new token history, so a connection that uses DPoP (RFC 9449)
/// proves the exchange with a **new key** (`nonces`: the object's book); the key is returned only
/// if the set is bound to it, for the caller to keep beside the set. Nothing is stored here, so a
/// set that fails is never seen by anyone.
pub async fn exchange(
    env: &Env,
    c: &Connection,
    client: &Client,
    nonces: &RefCell<NonceBook>,
    callback_url: &str,
    authorization: &PendingAuthorization,
) -> Result<(TokenSet, Option<NewKey>)> {
    let made = if client.uses_dpop() { Some(dpop_key::make().await?) } else { None };
    let fetcher = Fetcher::new(config::timeout_ms(env));
    let signer = WorkerKey::local(made.as_ref().map(|m| &m.key));
    let transport = dpop_key::proving(&fetcher, signer.as_ref(), nonces);
    let (store, lock) = (MemoryStore::default(), LocalLock::default());
    let flow = Flow { client, transport: &transport, store: &store, lock: &lock, clock: &WorkerClock, leeway_secs: 0 };
    let tokens = flow.exchange(callback_url, authorization).await?;
    verify(env, c, client, &tokens, authorization.nonce.as_ref()).await?;
    let key = made.filter(|_| is_dpop_token_type(&tokens.token_type));
    Ok((tokens, key))
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

/// Verifies `id_token` for `client`'s issuer with the shared verifier (`tsunagi_flows::id_token`):
/// its signature through WebCrypto with the key from the issuer's JWKS (`config::jwks_uri`, cached
/// in the isolate: [`jwks_cache`]), then the core's claim checks — a sign-in's with its `nonce`
/// (OIDC Core §3.1.3.7), or, with `original` (the claims JSON of the id_token the set started
/// with), a refresh's (OIDC Core §12.2: the same `iss`, `sub`, `aud`).
pub async fn verify_id_token(env: &Env, c: &Connection, client: &Client, id_token: &str, nonce: Option<&Nonce>, original: Option<&str>) -> Result<()> {
    let issuer = client.server().issuer.as_deref().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "checking an id_token needs the connection's issuer"))?;
    let client_id = client.client_id().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "checking an id_token needs the connection's client_id"))?;
    let jwks_uri = config::jwks_uri(env, c, client).await?;
    let timeout_ms = config::timeout_ms(env);
    let cache = jwks_cache::cache();
    let verifier =
        IdTokenVerifier { transport: &Fetcher::new(timeout_ms), clock: &WorkerClock, sleep: &Timer, signature: &WebCrypto, jwks: &cache, wait_ms: timeout_ms };
    let claims = IdTokenExpectations { issuer, client_id: client_id.as_str(), nonce, now: now(), leeway_secs: DEFAULT_LEEWAY_SECS };
    let expected = Expected { claims, original };
    verifier.verify(id_token, &jwks_uri, &expected).await.map(|_| ())
}
