//! [`TokenSet`] ⇄ the package's JS `TokenSet` object (camelCase, epoch milliseconds):
//! `{ accessToken, tokenType, issuedAt, expiresAt, refreshToken?, refreshExpiresAt?, scope?,
//! apiBaseUrl?, extra, grant }`. `grant` is `"user"` or `"client_credentials"` (whose tokens
//! they are, [`TokenGrant`]); a set stored without it reads as `"user"`.

use super::args::Args;
use serde::Serialize;
use serde_json::{Map, Value};
use tsunagi_core::secret::{AccessToken, RefreshToken};
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_set::{TokenGrant, TokenSet};
use tsunagi_core::{Error, ErrorCode, Result};

/// The JS object for `t`, borrowed field by field (nothing is cloned on the way out).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsTokenSet<'a> {
    access_token: &'a str,
    token_type: &'a str,
    issued_at: u64,
    expires_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_expires_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_base_url: Option<&'a str>,
    extra: &'a Map<String, Value>,
    grant: &'static str,
}

/// The JSON text of the JS object for `t`. `expiresAt` is `null` when the server gave no
/// lifetime; optional fields are left out when absent.
pub(crate) fn to_json(t: &TokenSet) -> String {
    let js = JsTokenSet {
        access_token: t.access_token.secret(),
        token_type: &t.token_type,
        issued_at: t.issued_at.as_millis(),
        expires_at: t.expires_at.map(Timestamp::as_millis),
        refresh_token: t.refresh_token.as_ref().map(RefreshToken::secret),
        refresh_expires_at: t.refresh_expires_at.map(Timestamp::as_millis),
        scope: t.scope.as_deref(),
        api_base_url: t.api_base_url.as_deref(),
        extra: &t.extra,
        grant: t.grant.as_str(),
    };
    // serialising borrowed strings, numbers and a JSON map into a String cannot fail
    serde_json::to_string(&js).unwrap_or_default()
}

/// Reads a JS `TokenSet` (as stored by the package, or built by the app).
pub(crate) fn from_args(a: &Args<'_>) -> Result<TokenSet> {
    let access_token = a.str("accessToken")?;
    if access_token.is_empty() {
        return Err(Error::new(ErrorCode::InvalidParameter, "tokens.accessToken must not be empty"));
    }
    let extra = match a.value("extra") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(Error::new(ErrorCode::InvalidParameter, "tokens.extra must be an object")),
    };
    let expires_at = a.opt_time("expiresAt")?;
    let grant = match a.opt_str("grant")? {
        None => TokenGrant::User,
        Some(g) => TokenGrant::parse(g).ok_or_else(|| Error::new(ErrorCode::InvalidParameter, "tokens.grant must be \"user\" or \"client_credentials\""))?,
    };
    Ok(TokenSet {
        access_token: AccessToken::new(access_token),
        token_type: a.opt_str("tokenType")?.unwrap_or("Bearer").to_owned(),
        // Older stored sets without issuedAt: assume a long lifetime so the leeway is the full 60 s.
        issued_at: a.opt_time("issuedAt")?.unwrap_or(Timestamp::from_millis(0)),
        expires_at,
        refresh_token: a.opt_str("refreshToken")?.filter(|s| !s.is_empty()).map(RefreshToken::new),
        refresh_expires_at: a.opt_time("refreshExpiresAt")?,
        scope: a.opt_str("scope")?.map(str::to_owned),
        api_base_url: a.opt_str("apiBaseUrl")?.map(str::to_owned),
        extra,
        grant,
    })
}
