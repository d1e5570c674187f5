//! Worker configuration: `[vars]` from wrangler.toml (all overridable) and secrets
//! (`wrangler secret put`, `.dev.vars` locally). A missing secret or required variable is a
//! [`ErrorCode::ConfigMissing`] error on the routes that need it, never a panic.

use crate::bff::{OriginPolicy, SessionKeys};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use tsunagi_core::providers::lawvu::{LawVuConfig, LawVuEnvironment};
use tsunagi_core::providers::legalon::{LegalOnConfig, LegalOnRegion};
use tsunagi_core::providers::logiless::LogilessConfig;
use tsunagi_core::secret::{BasicCredentials, ClientSecret};
use tsunagi_core::{Client, Error, ErrorCode, Method, Result};
use worker::Env;

/// What is derived from the variables and secrets, kept per isolate: they are fixed for an
/// isolate's life (a new deployment or secret starts new isolates), and deriving keys or building
/// and validating a client on every request costs more than looking it up. Errors are not kept.
#[derive(Default)]
struct Memo {
    keys: Option<SessionKeys>,
    origins: Option<OriginPolicy>,
    /// Session clients by provider and the Worker origin their default redirect URI comes from.
    clients: Vec<(SessionProvider, String, Client)>,
    legalon: Option<(Client, String)>,
    legalon_access: Option<LegalOnAccess>,
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// `get` from the memo, or `build` and `put` it there.
fn memo<T: Clone>(get: impl FnOnce(&Memo) -> Option<T>, put: impl FnOnce(&mut Memo, T), build: impl FnOnce() -> Result<T>) -> Result<T> {
    if let Some(hit) = MEMO.with(|m| m.try_borrow().ok().and_then(|m| get(&m))) {
        return Ok(hit);
    }
    let value = build()?;
    MEMO.with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            put(&mut m, value.clone());
        }
    });
    Ok(value)
}

/// A session-backed provider (authorization-code flow).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionProvider {
    /// LawVu.
    LawVu,
    /// Logiless.
    Logiless,
}

impl SessionProvider {
    /// Parses the route segment.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "lawvu" => Some(SessionProvider::LawVu),
            "logiless" => Some(SessionProvider::Logiless),
            _ => None,
        }
    }
    /// The route segment and storage key part.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionProvider::LawVu => "lawvu",
            SessionProvider::Logiless => "logiless",
        }
    }
}

/// A variable or secret, trimmed; empty counts as unset.
pub fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string().trim().to_owned()).filter(|v| !v.is_empty())
}

fn required(env: &Env, name: &str) -> Result<String> {
    var(env, name).ok_or_else(|| Error::new(ErrorCode::ConfigMissing, format!("{name} is not set")))
}

fn secret(env: &Env, name: &str) -> Result<String> {
    var(env, name).ok_or_else(|| Error::new(ErrorCode::ConfigMissing, format!("the secret {name} is not set (wrangler secret put {name})")))
}

/// Keys derived from `SESSION_KEY`.
pub fn keys(env: &Env) -> Result<SessionKeys> {
    memo(|m| m.keys.clone(), |m, v| m.keys = Some(v), || SessionKeys::derive(var(env, "SESSION_KEY").as_deref()))
}

/// `ALLOWED_ORIGINS`.
pub fn origins(env: &Env) -> Result<OriginPolicy> {
    memo(|m| m.origins.clone(), |m, v| m.origins = Some(v), || OriginPolicy::parse(&var(env, "ALLOWED_ORIGINS").unwrap_or_default()))
}

/// `TOKEN_MEDIATING=true` enables `POST /token/{provider}`.
pub fn token_mediating(env: &Env) -> bool {
    var(env, "TOKEN_MEDIATING").is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `UPSTREAM_TIMEOUT_MS` (default 10 000): how long one upstream request may take.
pub fn timeout_ms(env: &Env) -> u64 {
    var(env, "UPSTREAM_TIMEOUT_MS").and_then(|v| v.parse().ok()).filter(|v| *v > 0).unwrap_or(10_000)
}

/// `RATE_LIMIT_MAX_WAIT_MS` (default 3 000): a 429 whose reset is at most this long is waited out
/// once; a longer one is passed back to the browser.
pub fn max_rate_limit_wait_ms(env: &Env) -> u64 {
    var(env, "RATE_LIMIT_MAX_WAIT_MS").and_then(|v| v.parse().ok()).unwrap_or(3_000)
}

fn redirect_uri(env: &Env, name: &str, origin: &str, provider: SessionProvider) -> String {
    var(env, name).unwrap_or_else(|| format!("{origin}/auth/{}/callback", provider.as_str()))
}

/// The confidential client for a session provider. `origin` (the Worker's own) gives the default
/// redirect URI `{origin}/auth/{provider}/callback`.
pub fn session_client(env: &Env, provider: SessionProvider, origin: &str) -> Result<Client> {
    memo(
        |m| m.clients.iter().find(|(p, o, _)| *p == provider && o == origin).map(|(_, _, c)| c.clone()),
        |m, c| {
            // the origin comes from the request's Host: keep a few, so odd hosts cannot grow it
            m.clients.insert(0, (provider, origin.to_owned(), c));
            m.clients.truncate(8);
        },
        || build_session_client(env, provider, origin),
    )
}

fn build_session_client(env: &Env, provider: SessionProvider, origin: &str) -> Result<Client> {
    match provider {
        SessionProvider::LawVu => {
            let environment = match var(env, "LAWVU_ENVIRONMENT").as_deref() {
                None => LawVuEnvironment::Production,
                Some(e) => LawVuEnvironment::parse(e).ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "LAWVU_ENVIRONMENT is sandbox or production"))?,
            };
            let mut cfg = LawVuConfig::new(environment, required(env, "LAWVU_CLIENT_ID")?, redirect_uri(env, "LAWVU_REDIRECT_URI", origin, provider));
            cfg.client_secret = Some(ClientSecret::new(secret(env, "LAWVU_CLIENT_SECRET")?));
            cfg.authorize_url = var(env, "LAWVU_AUTHORIZE_URL");
            cfg.token_url = var(env, "LAWVU_TOKEN_URL");
            cfg.api_base = var(env, "LAWVU_API_BASE");
            cfg.client()
        }
        SessionProvider::Logiless => {
            let mut cfg = LogilessConfig::new(
                required(env, "LOGILESS_CLIENT_ID")?,
                ClientSecret::new(secret(env, "LOGILESS_CLIENT_SECRET")?),
                redirect_uri(env, "LOGILESS_REDIRECT_URI", origin, provider),
            );
            cfg.merchant_id = var(env, "LOGILESS_MERCHANT_ID");
            cfg.authorize_url = var(env, "LOGILESS_AUTHORIZE_URL");
            cfg.token_url = var(env, "LOGILESS_TOKEN_URL");
            cfg.api_base = var(env, "LOGILESS_API_BASE");
            cfg.client()
        }
    }
}

/// The LegalOn client-credentials client, and the name of its Durable Object: a keyed hash
/// ([`SessionKeys::object_name`]) of the token endpoint and the credential, never in clear.
pub fn legalon_client(env: &Env) -> Result<(Client, String)> {
    memo(|m| m.legalon.clone(), |m, v| m.legalon = Some(v), || build_legalon_client(env))
}

fn build_legalon_client(env: &Env) -> Result<(Client, String)> {
    let region = match var(env, "LEGALON_REGION").as_deref() {
        None => LegalOnRegion::Jp,
        Some(r) => LegalOnRegion::parse(r).ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "LEGALON_REGION is us or jp"))?,
    };
    let credentials = secret(env, "LEGALON_API_CREDENTIALS")?;
    let mut cfg = LegalOnConfig::new(region, BasicCredentials::new(credentials.clone()));
    cfg.token_url = var(env, "LEGALON_TOKEN_URL");
    let client = cfg.client()?;
    let label = format!("legalon:{}:{credentials}", client.profile().token_endpoint.as_str());
    Ok((client, keys(env)?.object_name(&label)))
}

/// Who may call LegalOn through `/api/legalon` (least privilege, RFC 10017 §6.1): LegalOn's
/// token is the organisation's (client credentials), so a session alone is not enough.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalOnAccess {
    /// `LEGALON_ALLOWED_FOR`: a session signed in to one of these may call LegalOn. Default: none
    /// (closed).
    pub allowed_for: Vec<SessionProvider>,
    /// `LEGALON_METHODS`: the methods forwarded. Default: `GET` (read-only).
    pub methods: Vec<Method>,
}

/// `LEGALON_ALLOWED_FOR` (comma- or space-separated `lawvu`, `logiless`) and `LEGALON_METHODS`
/// (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`); an unknown entry is [`ErrorCode::InvalidConfig`]
/// naming it.
pub fn legalon_access(env: &Env) -> Result<LegalOnAccess> {
    memo(|m| m.legalon_access.clone(), |m, v| m.legalon_access = Some(v), || parse_legalon_access(var(env, "LEGALON_ALLOWED_FOR"), var(env, "LEGALON_METHODS")))
}

fn entries(list: &str) -> impl Iterator<Item = &str> {
    list.split([',', ' ', '\n', '\t']).map(str::trim).filter(|e| !e.is_empty())
}

fn parse_legalon_access(allowed_for: Option<String>, methods: Option<String>) -> Result<LegalOnAccess> {
    let invalid = |what: &str, entry: &str| {
        Error::new(
            ErrorCode::InvalidConfig,
            format!("{what} entry '{entry}' is not one of {}", if what == "LEGALON_ALLOWED_FOR" { "lawvu, logiless" } else { "GET, POST, PUT, PATCH, DELETE" }),
        )
    };
    let allowed_for = entries(allowed_for.as_deref().unwrap_or_default())
        .map(|e| SessionProvider::parse(&e.to_ascii_lowercase()).ok_or_else(|| invalid("LEGALON_ALLOWED_FOR", e)))
        .collect::<Result<Vec<_>>>()?;
    let methods = entries(methods.as_deref().unwrap_or("GET"))
        .map(|e| Method::parse(&e.to_ascii_uppercase()).ok_or_else(|| invalid("LEGALON_METHODS", e)))
        .collect::<Result<Vec<_>>>()?;
    Ok(LegalOnAccess { allowed_for, methods })
}
