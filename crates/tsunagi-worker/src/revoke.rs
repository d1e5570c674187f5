//! What logout (and an administrator's disconnect) does with the tokens it forgets: where a
//! connection's provider offers revocation — a generic connection's `revocation_url`, RFC 7009 —
//! the refresh token (else the access token) is revoked there; the three vendors document none,
//! so their tokens are only forgotten, and the answer says so. Revocation is best effort: the
//! tokens are forgotten here whatever the provider answers.

use crate::config;
use crate::messages::StoredSet;
use crate::runtime::Fetcher;
use tsunagi_core::json::{Json, JsonObject};
use tsunagi_core::revocation::RevocableToken;
use tsunagi_core::{ErrorCode, Result, TokenSet};
use tsunagi_flows::Transport;
use worker::Env;

/// Per forgotten connection: `{"revoked", "forgotten": true, "reason"?, "error"?}`.
pub async fn after_logout(env: &Env, origin: &str, forgotten: Vec<StoredSet>) -> Json {
    let mut out = JsonObject::new();
    for set in forgotten {
        let v = revoke(env, origin, &set.connection, &set.tokens).await;
        out.insert(set.connection, v);
    }
    Json::from(out)
}

/// Revokes one connection's tokens where its provider offers it (a configured `revocation_url`, or
/// a `revocation_endpoint` in the discovered metadata); the answer for the browser.
pub async fn revoke(env: &Env, origin: &str, connection: &str, tokens: &TokenSet) -> Json {
    let outcome = send(env, origin, connection, tokens).await;
    let mut o = JsonObject::new();
    o.insert("revoked", outcome.is_ok());
    o.insert("forgotten", true);
    match outcome {
        Ok(()) => {}
        Err(e) if e.code() == ErrorCode::UnsupportedOperation => {
            o.insert("reason", "the provider documents no revocation endpoint: the tokens were forgotten here and stay valid upstream until they expire");
        }
        Err(e) => {
            o.insert("error", e.code().as_str());
            o.insert("reason", "the revocation request failed: the tokens were forgotten here");
        }
    }
    Json::from(o)
}

async fn send(env: &Env, origin: &str, connection: &str, tokens: &TokenSet) -> Result<()> {
    let c = config::connection(env, connection)?;
    let client = config::client(env, &c, origin).await?;
    // RFC 7009 §2.1: revoking the refresh token ends the grant (and its access tokens where the
    // server links them); no endpoint is unsupported_operation
    let token = match &tokens.refresh_token {
        Some(r) => RevocableToken::Refresh(r),
        None => RevocableToken::Access(&tokens.access_token),
    };
    let request = client.revocation_request(token)?;
    let timeout_ms = config::timeout_ms(env);
    let response = Fetcher::new(timeout_ms).send(&request).await?.read().await?;
    client.parse_revocation_response(&request, &response)
}
