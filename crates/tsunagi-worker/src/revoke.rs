//! What logout (and an administrator's disconnect) does with the tokens it forgets: where a
//! connection's provider offers revocation — a generic connection's `revocation_url`, RFC 7009 —
//! the refresh token (else the access token) is revoked there; the three vendors document none,
//! so their tokens are only forgotten, and the answer says so. Revocation is best effort: the
//! tokens are forgotten here whatever the provider answers.

use crate::config;
use crate::messages::StoredSet;
use crate::runtime::Fetcher;
use serde_json::{json, Map, Value};
use tsunagi_core::revocation::RevocableToken;
use tsunagi_core::{Result, TokenSet};
use tsunagi_flows::Transport;
use worker::Env;

/// Per forgotten connection: `{"revoked", "forgotten": true, "reason"?, "error"?}`.
pub async fn after_logout(env: &Env, origin: &str, forgotten: Vec<StoredSet>) -> Value {
    let mut out = Map::new();
    for set in forgotten {
        let v = revoke(env, origin, &set.connection, &set.tokens).await;
        out.insert(set.connection, v);
    }
    Value::Object(out)
}

/// Revokes one connection's tokens where its provider offers it; the answer for the browser.
pub async fn revoke(env: &Env, origin: &str, connection: &str, tokens: &TokenSet) -> Value {
    let offers = config::connection(env, connection).ok().filter(|c| c.revocation_url.is_some());
    let Some(c) = offers else {
        return json!({"revoked": false, "forgotten": true,
            "reason": "the provider documents no revocation endpoint: the tokens were forgotten here and stay valid upstream until they expire"});
    };
    match send(env, &c, origin, tokens).await {
        Ok(()) => json!({"revoked": true, "forgotten": true}),
        Err(e) => json!({"revoked": false, "forgotten": true, "error": e.code().as_str(),
            "reason": "the revocation request failed: the tokens were forgotten here"}),
    }
}

async fn send(env: &Env, c: &crate::connections::Connection, origin: &str, tokens: &TokenSet) -> Result<()> {
    let client = config::client(env, c, origin)?;
    // RFC 7009 §2.1: revoking the refresh token ends the grant (and its access tokens where the
    // server links them)
    let token = match &tokens.refresh_token {
        Some(r) => RevocableToken::Refresh(r),
        None => RevocableToken::Access(&tokens.access_token),
    };
    let request = client.revocation_request(token)?;
    let timeout_ms = config::timeout_ms(env);
    let response = Fetcher { timeout_ms }.send(&request).await?.read(timeout_ms).await?;
    client.parse_revocation_response(&request, &response)
}
