//! The operations behind the package's RFC 7009 functions (`buildRevocationRequest`,
//! `parseRevocationResponse`, `OAuthClient.logout`): the revocation request and what its answer
//! means. Discovery and the id_token's verification are `verifier.rs`.

use super::args::Args;
use super::ops::{client_of, request_json, response_of, Side};
use tsunagi_core::revocation::RevocableToken;
use tsunagi_core::secret::{AccessToken, RefreshToken};
use tsunagi_core::{Error, ErrorCode, Result};

const P: ErrorCode = ErrorCode::InvalidParameter;

fn revocation(a: &Args<'_>, side: &Side<'_>) -> Result<tsunagi_core::HttpRequest> {
    let client = client_of(side)?;
    let token = a.str("token")?;
    match a.opt_str("tokenTypeHint")? {
        None | Some("refresh_token") => client.revocation_request(RevocableToken::Refresh(&RefreshToken::new(token))),
        Some("access_token") => client.revocation_request(RevocableToken::Access(&AccessToken::new(token))),
        Some(_) => Err(Error::new(P, "tokenTypeHint must be \"refresh_token\" or \"access_token\"")),
    }
}

/// `{ token, tokenTypeHint? }` with the config → the RFC 7009 request `{ method, url, headers, body }`.
pub(crate) fn revocation_request(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    Ok(request_json(&revocation(a, side)?))
}

/// `{ token, tokenTypeHint?, response }` + body → `""` when revoked, else the error.
pub(crate) fn parse_revocation_response(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    let request = revocation(a, side)?;
    client_of(side)?.parse_revocation_response(&request, &response_of(a, side.body)?)?;
    Ok(String::new())
}
