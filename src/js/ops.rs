//! The operations behind the JS API as pure functions of typed Rust values (natively testable):
//! [`super::handle`] reads the JS values into them and makes their results JS values.
//!
//! Each takes the built [`Client`] (where it needs one) and returns text (JSON or a plain string);
//! every failure is a core [`Error`].

use super::args::Args;
use tsunagi_core::api::RetryPolicy;
use tsunagi_core::authorize::{AuthorizationRequest, PendingAuthorization};
use tsunagi_core::client::Client;
use tsunagi_core::http::{HttpRequest, Method};
use tsunagi_core::json::ObjectWriter;
use tsunagi_core::pkce::PkceChallenge;
use tsunagi_core::revocation::RevocableToken;
use tsunagi_core::secret::{AccessToken, RefreshToken};
use tsunagi_core::state::State;
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_set::{NextStep, TokenSet, DEFAULT_LEEWAY_SECS};
use tsunagi_core::{Error, ErrorCode, Result};

const P: ErrorCode = ErrorCode::InvalidParameter;

/// `path` relative to the API base for `tokens`: a path (`/…`) as it is, or an absolute URL
/// under the base with the base cut off.
pub(crate) fn relative_api_path<'a>(client: &Client, tokens: &TokenSet, path: &'a str) -> Result<&'a str> {
    let base = client.api_base(Some(tokens))?;
    match path.strip_prefix(base.as_str()) {
        Some(rest) if rest.starts_with('/') => Ok(rest),
        Some(_) => Err(Error::new(P, "the URL is not under the API base")),
        None if path.starts_with('/') => Ok(path),
        None => Err(Error::new(P, "the URL is not under the API base: pass a path such as \"/v1/items\"")),
    }
}

/// A `retryPolicy` object (`None` for the defaults) → [`RetryPolicy`].
pub(crate) fn retry_policy(p: Option<&Args<'_>>) -> Result<RetryPolicy> {
    let mut policy = RetryPolicy::default();
    if let Some(p) = p {
        policy.max_rate_limit_retries = p.opt_u64("maxRateLimitRetries")?.map_or(policy.max_rate_limit_retries, |n| u32::try_from(n).unwrap_or(u32::MAX));
        policy.max_wait_ms = p.opt_u64("maxWaitMs")?.unwrap_or(policy.max_wait_ms);
        policy.default_wait_ms = p.opt_u64("defaultWaitMs")?.unwrap_or(policy.default_wait_ms);
    }
    Ok(policy)
}

pub(crate) fn pairs_ref(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The authorization URL (RFC 6749 §4.1.1) with `state`, `codeChallenge` and extra parameters.
pub(crate) fn authorization_url(client: &Client, state: Option<&str>, challenge: Option<&str>, extra: &[(String, String)]) -> Result<String> {
    let state = state.map(State::new).transpose()?;
    let challenge = challenge.map(PkceChallenge::new).transpose()?;
    client.authorization_url(&AuthorizationRequest { state: state.as_ref(), code_challenge: challenge.as_ref(), extra_params: &pairs_ref(extra) })
}

/// `{ url, state, codeVerifier, nonce }` with fresh state (and PKCE verifier when the profile uses
/// PKCE, else `null`; a nonce for an OpenID Connect request, else `null`).
pub(crate) fn begin_authorization(client: &Client, extra: &[(String, String)]) -> Result<String> {
    // never a URL the server would refuse: a client that pushes (RFC 9126) goes through OAuthClient
    #[cfg(feature = "oidc")]
    if client.par_endpoint()?.is_some() {
        return Err(Error::new(
            ErrorCode::InvalidConfig,
            "this config pushes its authorization requests (RFC 9126): OAuthClient.authorize() does, beginAuthorization() does not",
        ));
    }
    let (url, pending) = client.begin_authorization(&pairs_ref(extra))?;
    Ok(begun(&url, &pending))
}

/// `{ url, state, codeVerifier, nonce }` of a begun authorization.
pub(crate) fn begun(url: &str, pending: &PendingAuthorization) -> String {
    let mut w = ObjectWriter::new();
    w.str("url", url).str("state", pending.state.as_str()).str_or_null("codeVerifier", pending.pkce_verifier.as_ref().map(|v| v.secret()));
    w.str_or_null("nonce", pending.nonce.as_ref().map(|n| n.as_str()));
    w.finish()
}

/// `use_access_token` | `refresh` | `reacquire` | `reauthorize` for the stored `tokens`.
pub(crate) fn next_step(client: &Client, tokens: Option<&TokenSet>, now: Timestamp, leeway_secs: Option<u64>) -> &'static str {
    match client.next_step(tokens, now, leeway_secs.unwrap_or(DEFAULT_LEEWAY_SECS)) {
        NextStep::UseAccessToken => "use_access_token",
        NextStep::Refresh => "refresh",
        NextStep::Reacquire => "reacquire",
        NextStep::Reauthorize => "reauthorize",
    }
}

/// An HTTP method name (absent: GET).
pub(crate) fn method_of(method: Option<&str>) -> Result<Method> {
    match method {
        None => Ok(Method::Get),
        Some(m) => Method::parse(m).ok_or_else(|| Error::new(P, "method must be GET, POST, PUT, PATCH or DELETE")),
    }
}

/// The RFC 7009 §2.1 revocation request for `token` (`hint`: `refresh_token`, the default, or
/// `access_token`).
pub(crate) fn revocation(client: &Client, token: &str, hint: Option<&str>) -> Result<HttpRequest> {
    match hint {
        None | Some("refresh_token") => client.revocation_request(RevocableToken::Refresh(&RefreshToken::new(token))),
        Some("access_token") => client.revocation_request(RevocableToken::Access(&AccessToken::new(token))),
        Some(_) => Err(Error::new(P, "tokenTypeHint must be \"refresh_token\" or \"access_token\"")),
    }
}
