//! [`TokenSet`] ⇄ the package's JS `TokenSet` object (camelCase, epoch milliseconds):
//! `{ accessToken, tokenType, issuedAt, expiresAt, refreshToken?, refreshExpiresAt?, scope?,
//! apiBaseUrl?, extra, grant }`. `grant` is `"user"` or `"client_credentials"` (whose tokens
//! they are, [`TokenGrant`]); a set stored without it reads as `"user"`.

use super::args::Args;
use tsunagi_core::json::{Json, JsonObject, ObjectWriter};
use tsunagi_core::secret::{AccessToken, RefreshToken};
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_set::{TokenGrant, TokenSet};
use tsunagi_core::{Error, ErrorCode, Result};

/// The JSON text of the JS object for `t`. `expiresAt` is `null` when the server gave no
/// lifetime; optional fields are left out when absent.
pub(crate) fn to_json(t: &TokenSet) -> String {
    let tokens = t.access_token.secret().len() + t.refresh_token.as_ref().map_or(0, |r| r.secret().len());
    let mut w = ObjectWriter::with_capacity(tokens + 512);
    w.str("accessToken", t.access_token.secret()).str("tokenType", &t.token_type).u64("issuedAt", t.issued_at.as_millis());
    w.u64_or_null("expiresAt", t.expires_at.map(Timestamp::as_millis));
    w.opt_str("refreshToken", t.refresh_token.as_ref().map(RefreshToken::secret));
    w.opt_u64("refreshExpiresAt", t.refresh_expires_at.map(Timestamp::as_millis));
    w.opt_str("scope", t.scope.as_deref()).opt_str("apiBaseUrl", t.api_base_url.as_deref());
    w.object("extra", &t.extra).str("grant", t.grant.as_str());
    w.finish()
}

/// Reads a JS `TokenSet` (as stored by the package, or built by the app).
pub(crate) fn from_args(a: &Args<'_>) -> Result<TokenSet> {
    let access_token = a.str("accessToken")?;
    if access_token.is_empty() {
        return Err(Error::new(ErrorCode::InvalidParameter, "tokens.accessToken must not be empty"));
    }
    let extra = match a.value("extra") {
        None => JsonObject::new(),
        Some(Json::Object(m)) => m.clone(),
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
