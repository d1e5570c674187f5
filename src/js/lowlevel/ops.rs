//! The low-level operations as pure functions of typed Rust values (natively testable, as
//! [`super::super::ops`]): [`super`] reads the JS values into them.

use super::super::args::Args;
use super::super::ops::{method_of, relative_api_path, revocation};
use super::super::tokens;
use tsunagi_core::client::Client;
use tsunagi_core::http::{HttpRequest, HttpResponse};
use tsunagi_core::issuer::AuthServer;
use tsunagi_core::json::ObjectWriter;
use tsunagi_core::pkce::{PkceChallenge, PkceVerifier};
use tsunagi_core::profile::GrantType;
use tsunagi_core::scope::ScopeParams;
use tsunagi_core::secret::{AuthorizationCode, RefreshToken};
use tsunagi_core::state::State;
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_request::Grant;
use tsunagi_core::token_set::TokenSet;
use tsunagi_core::{Error, ErrorCode, Result};

const P: ErrorCode = ErrorCode::InvalidParameter;

/// String pairs in the caller's order (headers, extra parameters).
pub(crate) type Pairs = Vec<(String, String)>;

/// A fresh `state` (256 bits, base64url).
pub(crate) fn create_state() -> Result<String> {
    Ok(State::generate()?.as_str().to_owned())
}

/// `{ verifier, challenge }` from a fresh 256-bit verifier (RFC 7636 §4.1, S256).
pub(crate) fn create_pkce() -> Result<String> {
    let v = PkceVerifier::generate()?;
    let mut w = ObjectWriter::new();
    w.str("verifier", v.secret()).str("challenge", v.challenge().as_str());
    Ok(w.finish())
}

/// The S256 challenge of `verifier` (RFC 7636 §4.2).
pub(crate) fn pkce_challenge(verifier: &str) -> String {
    PkceChallenge::s256(verifier).as_str().to_owned()
}

/// The authorization code of the callback `url` (RFC 6749 §4.1.2) whose `state` must be
/// `expected`; with `issuer`, the RFC 9207 `iss` check too (`require_iss`: a missing `iss` is
/// `issuer_missing`).
pub(crate) fn parse_callback(url: &str, expected: Option<&str>, issuer: Option<&str>, require_iss: bool) -> Result<String> {
    let expected = State::new(expected.filter(|s| !s.is_empty()).ok_or_else(|| Error::new(P, "expectedState must be a non-empty string"))?)?;
    let mut server = AuthServer::default();
    if let Some(issuer) = issuer {
        server.issuer = Some(AuthServer::check_issuer(issuer).map_err(|_| Error::new(P, "issuer must be an https URL without query or fragment"))?.to_owned());
        server.require_iss = require_iss;
    }
    let code = tsunagi_core::callback::parse_callback_from(url, Some(&expected), &server)?;
    Ok(code.secret().to_owned())
}

fn non_empty<'a>(a: &Args<'a>, key: &str, what: &str) -> Result<&'a str> {
    match a.str(key) {
        Ok(s) if !s.is_empty() => Ok(s),
        _ => Err(Error::new(P, format!("{what} must be a non-empty string"))),
    }
}

/// The token request (RFC 6749 §4.1.3, §6, §4.4) for the `grant` object, as
/// `{ method, url, headers, body }`.
pub(crate) fn token_request(client: &Client, g: &Args<'_>) -> Result<String> {
    let req = match g.str("grantType")? {
        "authorization_code" => {
            let code = AuthorizationCode::new(non_empty(g, "code", "grant.code")?);
            let verifier = g.opt_str("codeVerifier")?.map(PkceVerifier::new).transpose()?;
            // RFC 8707 §2.2: the grant's own resources instead of the config's (scope is not a code-grant parameter)
            let resources = ScopeParams { resources: g.strings("resource")?, ..ScopeParams::default() };
            let grant = Grant::AuthorizationCode { code: &code, pkce_verifier: verifier.as_ref() };
            match resources.is_empty() {
                true => client.token_request(grant)?,
                false => client.token_request_with(grant, Some(&resources))?,
            }
        }
        "refresh_token" => {
            let rt = RefreshToken::new(non_empty(g, "refreshToken", "grant.refreshToken")?);
            client.token_request_with(Grant::RefreshToken(&rt), scope_params(g)?.as_ref())?
        }
        "client_credentials" => match scope_params(g)? {
            Some(p) => client.token_request_with(Grant::ClientCredentials, Some(&p))?,
            None => client.client_credentials_request()?,
        },
        _ => return Err(Error::new(P, "grant.grantType must be \"authorization_code\", \"refresh_token\" or \"client_credentials\"")),
    };
    Ok(request_json(&req))
}

/// A grant's own `scope`, `resource` (string or list) and `audience`, if it names any.
fn scope_params(g: &Args<'_>) -> Result<Option<ScopeParams>> {
    let p =
        ScopeParams { scope: g.opt_str("scope")?.map(str::to_owned), resources: g.strings("resource")?, audience: g.opt_str("audience")?.map(str::to_owned) };
    Ok((!p.is_empty()).then_some(p))
}

/// The token endpoint's answer → the JS `TokenSet` (JSON text). `grant_type` is the grant the
/// request used (recorded as the set's `grant`); without it, as [`Client::parse_token_response`]
/// infers.
pub(crate) fn parse_token_response(
    client: &Client,
    resp: &HttpResponse,
    now: Timestamp,
    previous: Option<&TokenSet>,
    grant_type: Option<&str>,
) -> Result<String> {
    let set = match grant_type {
        None => client.parse_token_response(resp, now, previous)?,
        Some(g) => {
            let grant = match g {
                "authorization_code" => GrantType::AuthorizationCode,
                "refresh_token" => GrantType::RefreshToken,
                "client_credentials" => GrantType::ClientCredentials,
                _ => return Err(Error::new(P, "grantType must be \"authorization_code\", \"refresh_token\" or \"client_credentials\"")),
            };
            client.parse_token_response_for(grant, resp, now, previous)?
        }
    };
    Ok(tokens::to_json(&set))
}

/// `{ method, url, headers, body }` of an API request with the bearer token. `path` is relative
/// to the API base, or an absolute URL under it.
pub(crate) fn api_request(client: &Client, tokens: Option<&TokenSet>, path: &str, method: Option<&str>, body: Option<&str>) -> Result<String> {
    let t = tokens.ok_or_else(|| Error::new(ErrorCode::LoginRequired, "no tokens: authorize first"))?;
    let method = method_of(method)?;
    let path = relative_api_path(client, t, path)?;
    Ok(request_json(&client.api_request(t, method, path, body)?))
}

/// What the revocation endpoint's answer to that request means (RFC 7009 §2.2): `Ok` when revoked.
pub(crate) fn parse_revocation_response(client: &Client, token: &str, hint: Option<&str>, resp: &HttpResponse) -> Result<()> {
    let request = revocation(client, token, hint)?;
    client.parse_revocation_response(&request, resp)
}
/// `{ method, url, headers, body }` as JSON text (`headers` an object, `body` null when none).
pub(crate) fn request_json(req: &HttpRequest) -> String {
    let mut w = ObjectWriter::new();
    w.str("method", req.method.as_str()).str("url", &req.url);
    w.str_pairs("headers", req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    w.str_or_null("body", req.body.as_deref());
    w.finish()
}

/// A response's status (a JS number, checked) with its headers and body.
pub(crate) fn response(status: Option<u64>, headers: Pairs, body: &str) -> Result<HttpResponse> {
    let status = status
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| Error::new(P, "response.status must be an HTTP status (100-599)"))?;
    Ok(HttpResponse::new(status, headers, body))
}
