//! The operations behind the package's OpenID Connect and RFC 8414/7009 functions (`js/oidc.js`):
//! metadata locations and the checked document, the id_token's parts for WebCrypto and its claim
//! checks, the JWKS key choice, and revocation. The wrapper fetches, caches and verifies.

use super::args::Args;
use super::ops::{client_of, now_of, request_json, response_of, Side};
use tsunagi_core::discovery::{self, MetadataKind};
use tsunagi_core::id_token::{IdToken, IdTokenExpectations, JwsAlgorithm};
use tsunagi_core::json::{Json, ObjectWriter};
use tsunagi_core::revocation::RevocableToken;
use tsunagi_core::secret::{AccessToken, RefreshToken};
use tsunagi_core::token_set::DEFAULT_LEEWAY_SECS;
use tsunagi_core::{jwks, Error, ErrorCode, Nonce, Result};

const P: ErrorCode = ErrorCode::InvalidParameter;

/// `{ issuer }` → the metadata URLs to try, in order (RFC 8414 §3.1, then OIDC Discovery §4.1).
pub(crate) fn metadata_urls(a: &Args<'_>) -> Result<String> {
    let issuer = a.str("issuer")?;
    let urls: Vec<Json> =
        [MetadataKind::OAuth, MetadataKind::OpenId].into_iter().map(|k| discovery::metadata_url(issuer, k).map(Json::from)).collect::<Result<_>>()?;
    Ok(Json::Array(urls).to_json(tsunagi_core::json::Escape::Minimal))
}

/// `{ issuer, response }` + body → `""` when the document is usable for `issuer` (RFC 8414 §3.3:
/// the same issuer; endpoints `https`), else the error. The wrapper keeps the document.
pub(crate) fn parse_metadata(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    discovery::parse_metadata(a.str("issuer")?, &response_of(a, side.body)?)?;
    Ok(String::new())
}

/// `{ idToken }` → `{ alg, kid }` once the compact JWS is well-formed and its `alg` one tsunagi
/// verifies (the wrapper then splits the checked token for WebCrypto). Nothing is verified here.
pub(crate) fn id_token_parts(a: &Args<'_>) -> Result<String> {
    let t = IdToken::parse(a.str("idToken")?)?;
    let mut w = ObjectWriter::new();
    w.str("alg", alg_name(t.alg())).str_or_null("kid", t.kid());
    Ok(w.finish())
}

fn alg_name(alg: JwsAlgorithm) -> &'static str {
    match alg {
        JwsAlgorithm::Rs256 => "RS256",
        JwsAlgorithm::Ps256 => "PS256",
        JwsAlgorithm::Es256 => "ES256",
        JwsAlgorithm::EdDsa => "EdDSA",
    }
}

/// `{ alg, kid? }` + the JWKS as body → the public JWK's JSON text, or `""` when no key fits.
pub(crate) fn select_jwk(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    let alg = JwsAlgorithm::parse(a.str("alg")?)?;
    Ok(jwks::select_jwk(side.body, alg, a.opt_str("kid")?)?.unwrap_or_default())
}

/// `{ idToken, nonce?, original?, now, leewaySecs? }` with the config (its issuer and client id) →
/// the claims' JSON text, once every claim check passed. With `original` (the claims JSON of the
/// id_token the session started with) the token is a refresh's, checked by OIDC Core §12.2's rule
/// ([`IdToken::check_refreshed`]). Called only after the signature verified.
pub(crate) fn check_id_token(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    let client = client_of(side)?;
    let issuer = client.server().issuer.as_deref().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "checking an id_token needs config.issuer"))?;
    let client_id = client.client_id().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "checking an id_token needs config.clientId"))?;
    let nonce = a.opt_str("nonce")?.map(Nonce::new).transpose()?;
    let t = IdToken::parse(a.str("idToken")?)?;
    let expected = IdTokenExpectations {
        issuer,
        client_id: client_id.as_str(),
        nonce: nonce.as_ref(),
        now: now_of(a)?,
        leeway_secs: a.opt_u64("leewaySecs")?.unwrap_or(DEFAULT_LEEWAY_SECS),
    };
    match a.opt_str("original")? {
        Some(original) => t.check_refreshed(original, &expected)?,
        None => t.check_claims(&expected)?,
    }
    Ok(t.claims_json_unverified().to_owned())
}

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
