//! The operations behind the JS API, as pure functions of JSON text (natively testable).
//!
//! Each takes the call's arguments as one JSON object and returns its result as text (JSON or a
//! plain string); every failure is a core [`Error`].

use super::args::{self, Args};
use super::{config, tokens};
use std::cell::RefCell;
use std::rc::Rc;
use tsunagi_core::api::{self, ApiDecision, Attempt, RetryPolicy};
use tsunagi_core::authorize::AuthorizationRequest;
use tsunagi_core::client::Client;
use tsunagi_core::http::{HttpRequest, HttpResponse, Method};
use tsunagi_core::issuer::AuthServer;
use tsunagi_core::json::{self, Json, ObjectWriter};
use tsunagi_core::pkce::{PkceChallenge, PkceVerifier};
use tsunagi_core::profile::GrantType;
use tsunagi_core::scope::ScopeParams;
use tsunagi_core::secret::{AuthorizationCode, RefreshToken};
use tsunagi_core::state::State;
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_request::Grant;
use tsunagi_core::token_set::{NextStep, TokenSet, DEFAULT_LEEWAY_SECS};
use tsunagi_core::{Error, ErrorCode, Result};

const P: ErrorCode = ErrorCode::InvalidParameter;

/// What travels beside the arguments: the `config` object's JSON text (empty when absent) and a
/// response body, passed as is so a token response is not escaped into JSON-in-JSON.
#[derive(Clone, Copy, Default)]
pub(crate) struct Side<'a> {
    /// The `config` object as JSON text, or `""`.
    pub config: &'a str,
    /// The response body (token or API response), or `""`.
    pub body: &'a str,
}

/// How many recently used configurations keep their built [`Client`].
const CACHED_CLIENTS: usize = 8;

thread_local! {
    // Clients built from the last few `config` texts, most recent first. An app calls with the
    // same one or two configs over and over; parsing and validating one costs more than most
    // operations themselves. Keyed by the exact text, so a changed config builds a new client.
    static CLIENTS: RefCell<Vec<(String, Rc<Client>)>> = const { RefCell::new(Vec::new()) };
}

/// The client cached under `key`, or the one `build` makes (then cached, most recent first).
fn cached(key: &str, build: impl FnOnce() -> Result<Client>) -> Result<Rc<Client>> {
    let hit = CLIENTS.with(|c| c.try_borrow().ok().and_then(|c| c.iter().find(|(k, _)| k == key).map(|(_, v)| Rc::clone(v))));
    if let Some(client) = hit {
        return Ok(client);
    }
    let client = Rc::new(build()?);
    CLIENTS.with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            c.insert(0, (key.to_owned(), Rc::clone(&client)));
            c.truncate(CACHED_CLIENTS);
        }
    });
    Ok(client)
}

/// The client for `side.config` (required), reused while its JSON text is unchanged.
pub(crate) fn client_of(side: &Side<'_>) -> Result<Rc<Client>> {
    client_for(side.config)
}

/// The client for a `config` object's JSON text, reused while the text is unchanged.
pub(crate) fn client_for(config_text: &str) -> Result<Rc<Client>> {
    if config_text.is_empty() {
        return Err(Error::new(ErrorCode::InvalidConfig, "config must be an object"));
    }
    cached(config_text, || match json::parse(config_text) {
        Ok(Json::Object(map)) => config::client(&Args::new(&map, "config", ErrorCode::InvalidConfig)),
        _ => Err(Error::new(ErrorCode::InvalidConfig, "config must be an object")),
    })
}

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

/// A `retryPolicy` object's JSON text (`""` for the defaults) → [`RetryPolicy`].
pub(crate) fn policy_of(text: &str) -> Result<RetryPolicy> {
    if text.is_empty() {
        return Ok(RetryPolicy::default());
    }
    let map = args::parse(text)?;
    retry_policy(Some(Args::new(&map, "policy", P)))
}

fn retry_policy(p: Option<Args<'_>>) -> Result<RetryPolicy> {
    let mut policy = RetryPolicy::default();
    if let Some(p) = p {
        policy.max_rate_limit_retries = p.opt_u64("maxRateLimitRetries")?.map_or(policy.max_rate_limit_retries, |n| u32::try_from(n).unwrap_or(u32::MAX));
        policy.max_wait_ms = p.opt_u64("maxWaitMs")?.unwrap_or(policy.max_wait_ms);
        policy.default_wait_ms = p.opt_u64("defaultWaitMs")?.unwrap_or(policy.default_wait_ms);
    }
    Ok(policy)
}

fn tokens_of(a: &Args<'_>, key: &str) -> Result<Option<TokenSet>> {
    a.opt_object(key, "tokens", P)?.map(|t| tokens::from_args(&t)).transpose()
}

pub(crate) fn now_of(a: &Args<'_>) -> Result<Timestamp> {
    a.opt_time("now")?.ok_or_else(|| Error::new(P, "now must be epoch milliseconds"))
}

fn pairs_ref(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

pub(crate) fn response_of(a: &Args<'_>, body: &str) -> Result<HttpResponse> {
    let r = a.object("response", "response", P)?;
    let status = r
        .opt_u64("status")?
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| Error::new(P, "response.status must be an HTTP status (100-599)"))?;
    Ok(HttpResponse::new(status, r.headers("headers")?, body))
}

pub(crate) fn request_json(req: &HttpRequest) -> String {
    let mut w = ObjectWriter::new();
    w.str("method", req.method.as_str()).str("url", &req.url);
    w.str_pairs("headers", req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    w.str_or_null("body", req.body.as_deref());
    w.finish()
}

fn non_empty<'a>(a: &Args<'a>, key: &str, what: &str) -> Result<&'a str> {
    match a.str(key) {
        Ok(s) if !s.is_empty() => Ok(s),
        _ => Err(Error::new(P, format!("{what} must be a non-empty string"))),
    }
}

/// `{ config, state?, codeChallenge?, extraParams? }` → the authorization URL.
pub(crate) fn authorization_url(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    let client = client_of(side)?;
    let state = a.opt_str("state")?.map(State::new).transpose()?;
    let challenge = a.opt_str("codeChallenge")?.map(PkceChallenge::new).transpose()?;
    let extra = a.pairs("extraParams")?;
    client.authorization_url(&AuthorizationRequest { state: state.as_ref(), code_challenge: challenge.as_ref(), extra_params: &pairs_ref(&extra) })
}

/// `{ config, extraParams? }` → `{ url, state, codeVerifier }` with fresh state (and PKCE
/// verifier when the profile uses PKCE, else `null`).
pub(crate) fn begin_authorization(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    let client = client_of(side)?;
    let extra = a.pairs("extraParams")?;
    let (url, pending) = client.begin_authorization(&pairs_ref(&extra))?;
    let mut w = ObjectWriter::new();
    w.str("url", &url).str("state", pending.state.as_str()).str_or_null("codeVerifier", pending.pkce_verifier.as_ref().map(|v| v.secret()));
    w.str_or_null("nonce", pending.nonce.as_ref().map(|n| n.as_str()));
    Ok(w.finish())
}

/// A fresh `state` (256 bits, base64url).
pub(crate) fn create_state() -> Result<String> {
    Ok(State::generate()?.as_str().to_owned())
}

/// `{ verifier, challenge }` from a fresh 256-bit verifier.
pub(crate) fn create_pkce() -> Result<String> {
    let v = PkceVerifier::generate()?;
    let mut w = ObjectWriter::new();
    w.str("verifier", v.secret()).str("challenge", v.challenge().as_str());
    Ok(w.finish())
}

/// `{ verifier }` → its S256 challenge.
pub(crate) fn pkce_challenge(a: &Args<'_>) -> Result<String> {
    Ok(PkceChallenge::s256(a.str("verifier")?).as_str().to_owned())
}

/// `{ url, expectedState, issuer?, requireIss? }` → the authorization code; with `issuer`, the
/// RFC 9207 `iss` check too (`requireIss`: a missing `iss` is `issuer_missing`).
pub(crate) fn parse_callback(a: &Args<'_>) -> Result<String> {
    let expected = State::new(non_empty(a, "expectedState", "expectedState")?)?;
    let mut server = AuthServer::default();
    if let Some(issuer) = a.opt_str("issuer")? {
        server.issuer = Some(AuthServer::check_issuer(issuer).map_err(|_| Error::new(P, "issuer must be an https URL without query or fragment"))?.to_owned());
        server.require_iss = a.opt_bool("requireIss")?.unwrap_or(false);
    }
    let code = tsunagi_core::callback::parse_callback_from(a.str("url")?, Some(&expected), &server)?;
    Ok(code.secret().to_owned())
}

/// `{ config, grant }` → `{ method, url, headers, body }`.
pub(crate) fn token_request(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    let client = client_of(side)?;
    let g = a.object("grant", "grant", P)?;
    let req = match g.str("grantType")? {
        "authorization_code" => {
            let code = AuthorizationCode::new(non_empty(&g, "code", "grant.code")?);
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
            let rt = RefreshToken::new(non_empty(&g, "refreshToken", "grant.refreshToken")?);
            client.token_request_with(Grant::RefreshToken(&rt), scope_params(&g)?.as_ref())?
        }
        "client_credentials" => match scope_params(&g)? {
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

/// `{ config?, response, now, previous?, grantType? }` → the JS `TokenSet`. `grantType` is the
/// grant the request used (recorded as the set's `grant`); without it, as
/// [`Client::parse_token_response`] infers.
pub(crate) fn parse_token_response(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    let client = match side.config {
        // no config: read it as generic RFC 6749 (cached under "", which no config text is)
        "" | "null" => cached("", config::generic_reader)?,
        _ => client_of(side)?,
    };
    let previous = tokens_of(a, "previous")?;
    let (resp, now) = (response_of(a, side.body)?, now_of(a)?);
    let set = match a.opt_str("grantType")? {
        None => client.parse_token_response(&resp, now, previous.as_ref())?,
        Some(g) => {
            let grant = match g {
                "authorization_code" => GrantType::AuthorizationCode,
                "refresh_token" => GrantType::RefreshToken,
                "client_credentials" => GrantType::ClientCredentials,
                _ => return Err(Error::new(P, "grantType must be \"authorization_code\", \"refresh_token\" or \"client_credentials\"")),
            };
            client.parse_token_response_for(grant, &resp, now, previous.as_ref())?
        }
    };
    Ok(tokens::to_json(&set))
}

/// `{ config, tokens?, now, leewaySecs? }` → `use_access_token` | `refresh` | `reacquire` |
/// `reauthorize`.
pub(crate) fn next_step(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    let client = client_of(side)?;
    let t = tokens_of(a, "tokens")?;
    let leeway = a.opt_u64("leewaySecs")?.unwrap_or(DEFAULT_LEEWAY_SECS);
    Ok(match client.next_step(t.as_ref(), now_of(a)?, leeway) {
        NextStep::UseAccessToken => "use_access_token",
        NextStep::Refresh => "refresh",
        NextStep::Reacquire => "reacquire",
        NextStep::Reauthorize => "reauthorize",
    }
    .to_owned())
}

/// `{ config, tokens, method?, path, body? }` → `{ method, url, headers, body }`. `path` is
/// relative to the API base, or an absolute URL under it.
pub(crate) fn api_request(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    let client = client_of(side)?;
    let t = tokens_of(a, "tokens")?.ok_or_else(|| Error::new(ErrorCode::LoginRequired, "no tokens: authorize first"))?;
    let method = match a.opt_str("method")? {
        None => Method::Get,
        Some(m) => Method::parse(m).ok_or_else(|| Error::new(P, "method must be GET, POST, PUT, PATCH or DELETE"))?,
    };
    let path = relative_api_path(&client, &t, a.str("path")?)?;
    Ok(request_json(&client.api_request(&t, method, path, a.opt_str("body")?)?))
}

/// `{ config, response, now, attempt, policy? }` → `{ action: "deliver" | "reauthenticate" |
/// "wait" | "fail", delayMs? }`. On `fail` the wrapper reads the body and calls `api_error`.
pub(crate) fn api_decide(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    let client = client_of(side)?;
    let policy = retry_policy(a.opt_object("policy", "policy", P)?)?;
    let mut attempt = Attempt::default();
    if let Some(t) = a.opt_object("attempt", "attempt", P)? {
        attempt.reauthenticated = t.opt_bool("reauthenticated")?.unwrap_or(false);
        attempt.rate_limit_retries = t.opt_u64("rateLimitRetries")?.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
    }
    let (action, delay) = match api::decide(&client, &policy, &attempt, &response_of(a, side.body)?, now_of(a)?) {
        ApiDecision::Deliver => ("deliver", None),
        ApiDecision::Reauthenticate => ("reauthenticate", None),
        ApiDecision::Wait { delay_ms } => ("wait", Some(delay_ms)),
        ApiDecision::Fail(_) => ("fail", None),
    };
    let mut w = ObjectWriter::new();
    w.str("action", action).opt_u64("delayMs", delay);
    Ok(w.finish())
}

/// `{ config, response, now }` → the API error for a response (always `Err`).
pub(crate) fn api_error(a: &Args<'_>, side: &Side<'_>) -> Result<String> {
    Err(client_of(side)?.api_error(&response_of(a, side.body)?, now_of(a)?))
}
