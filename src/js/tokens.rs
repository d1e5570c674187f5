//! [`TokenSet`] ⇄ the package's JS `TokenSet` object (camelCase, epoch milliseconds):
//! `{ accessToken, tokenType, issuedAt, expiresAt, refreshToken?, refreshExpiresAt?, scope?,
//! apiBaseUrl?, extra }`.

use super::args::Args;
use crate::secret::{AccessToken, RefreshToken};
use crate::time::Timestamp;
use crate::token_set::TokenSet;
use crate::{Error, ErrorCode, Result};
use serde_json::{Map, Value};

fn millis(t: Timestamp) -> Value {
    Value::from(t.as_millis())
}

/// The JS object for `t`. `expiresAt` is `null` when the server gave no lifetime; optional
/// fields are left out when absent.
pub(crate) fn to_value(t: &TokenSet) -> Value {
    let mut m = Map::new();
    m.insert("accessToken".into(), Value::from(t.access_token.secret()));
    m.insert("tokenType".into(), Value::from(t.token_type.as_str()));
    m.insert("issuedAt".into(), millis(t.issued_at));
    m.insert("expiresAt".into(), t.expires_at.map_or(Value::Null, millis));
    if let Some(rt) = &t.refresh_token {
        m.insert("refreshToken".into(), Value::from(rt.secret()));
    }
    if let Some(at) = t.refresh_expires_at {
        m.insert("refreshExpiresAt".into(), millis(at));
    }
    if let Some(scope) = &t.scope {
        m.insert("scope".into(), Value::from(scope.as_str()));
    }
    if let Some(base) = &t.api_base_url {
        m.insert("apiBaseUrl".into(), Value::from(base.as_str()));
    }
    m.insert("extra".into(), Value::Object(t.extra.clone()));
    Value::Object(m)
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
    })
}
