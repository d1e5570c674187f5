//! Worker configuration: `[vars]` from wrangler.toml (all overridable) — the connections document
//! ([`crate::connections`]) and the Worker-wide settings — and secrets (`wrangler secret put`,
//! `.dev.vars` locally). A missing secret is a [`ErrorCode::ConfigMissing`] error, an invalid
//! connection a `config_invalid` one, each on the routes that need it, never a panic.

use crate::bff::{OriginPolicy, SessionKeys};
use crate::connections::{Connection, Connections, GrantKind, VARIABLE};
use crate::runtime::Fetcher;
use std::cell::RefCell;
use std::rc::Rc;
use tsunagi_core::discovery::ServerMetadata;
use tsunagi_core::{Client, Error, ErrorCode, Result};
use wasm_bindgen::JsValue;
use worker::Env;

/// What is derived from the variables and secrets, kept per isolate: they are fixed for an
/// isolate's life (a new deployment or secret starts new isolates), and deriving keys or parsing,
/// validating and building clients on every request costs more than looking them up. Errors of
/// the keys and origins are not kept; the connections document is parsed once, each invalid
/// connection keeping its own error.
#[derive(Default)]
struct Memo {
    keys: Option<SessionKeys>,
    origins: Option<OriginPolicy>,
    connections: Option<Rc<Connections>>,
    /// Clients by connection and the Worker origin their default redirect URI comes from.
    clients: Vec<(String, String, Client)>,
    /// Discovered server metadata by issuer.
    metadata: Vec<(String, ServerMetadata)>,
    /// The Worker-wide numbers read from `[vars]`.
    settings: Option<Settings>,
    /// Held connections' object names by connection and token endpoint (a keyed hash each).
    held_names: Vec<(String, String, String)>,
}

/// The Worker-wide numbers of `[vars]`, read once per isolate.
#[derive(Clone, Copy)]
struct Settings {
    timeout_ms: u64,
    max_rate_limit_wait_ms: u64,
    session_cache_ms: u64,
}

fn settings(env: &Env) -> Settings {
    let read = || Settings {
        timeout_ms: var(env, "UPSTREAM_TIMEOUT_MS").and_then(|v| v.parse().ok()).filter(|v| *v > 0).unwrap_or(10_000),
        max_rate_limit_wait_ms: var(env, "RATE_LIMIT_MAX_WAIT_MS").and_then(|v| v.parse().ok()).unwrap_or(3_000),
        session_cache_ms: var(env, "SESSION_CACHE_SECS").and_then(|v| v.parse::<u64>().ok()).unwrap_or(10).min(60) * 1000,
    };
    memo(|m| m.settings, |m, v| m.settings = Some(v), || Ok(read())).unwrap_or_else(|_| read())
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

/// A variable or secret, trimmed; empty counts as unset.
pub fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string().trim().to_owned()).filter(|v| !v.is_empty())
}

fn secret(env: &Env, name: &str) -> Option<String> {
    var(env, name)
}

/// Keys derived from `SESSION_KEY`.
pub fn keys(env: &Env) -> Result<SessionKeys> {
    memo(|m| m.keys.clone(), |m, v| m.keys = Some(v), || SessionKeys::derive(var(env, "SESSION_KEY").as_deref()))
}

/// `ALLOWED_ORIGINS`.
pub fn origins(env: &Env) -> Result<OriginPolicy> {
    memo(|m| m.origins.clone(), |m, v| m.origins = Some(v), || OriginPolicy::parse(&var(env, "ALLOWED_ORIGINS").unwrap_or_default()))
}

/// `TOKEN_MEDIATING=true` enables `POST /token/{connection}`.
pub fn token_mediating(env: &Env) -> bool {
    var(env, "TOKEN_MEDIATING").is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// `UPSTREAM_TIMEOUT_MS` (default 10 000): how long one upstream request may take.
pub fn timeout_ms(env: &Env) -> u64 {
    settings(env).timeout_ms
}

/// `SESSION_CACHE_SECS` (default 10, at most 60, 0 for none) in ms: how long an isolate may use
/// its copy of a session object's answer (an access token, the signed-in list) without asking
/// the object again — so how long another isolate can go on serving a session after a sign-out
/// (docs/security.md).
pub fn session_cache_ms(env: &Env) -> u64 {
    settings(env).session_cache_ms
}

/// `RATE_LIMIT_MAX_WAIT_MS` (default 3 000): a 429 whose reset is at most this long is waited out
/// once; a longer one is passed back to the browser.
pub fn max_rate_limit_wait_ms(env: &Env) -> u64 {
    settings(env).max_rate_limit_wait_ms
}

/// The connections document ([`VARIABLE`]): a table under `[vars]` (an object binding, read
/// through `JSON.stringify`) or the same as JSON text (`.dev.vars`, `--var`, the dashboard).
/// Parsed and validated once per isolate.
pub fn connections(env: &Env) -> Result<Rc<Connections>> {
    memo(
        |m| m.connections.clone(),
        |m, v| m.connections = Some(v),
        || {
            let raw = js_sys::Reflect::get(env, &JsValue::from_str(VARIABLE)).unwrap_or(JsValue::UNDEFINED);
            if let Some(text) = raw.as_string() {
                Connections::parse(&text).map(Rc::new)
            } else if raw.is_object() {
                // the `[vars]` table, a JS object: its JSON text read by the core's reader (no
                // serde, no float code in the Worker: issue 24)
                let text = js_sys::JSON::stringify(&raw)
                    .ok()
                    .and_then(|s| s.as_string())
                    .ok_or_else(|| Error::new(ErrorCode::ConfigInvalid, format!("{VARIABLE} is not a table of connections")))?;
                Connections::parse(&text).map(Rc::new)
            } else {
                Err(Error::new(ErrorCode::ConfigMissing, format!("{VARIABLE} is not set: no connections are configured (docs/configuration.md)")))
            }
        },
    )
}

/// The connection `name` ([`ErrorCode::NotFound`] if none; its own `config_invalid` if invalid).
pub fn connection(env: &Env, name: &str) -> Result<Connection> {
    connections(env)?.get(name).cloned()
}

/// The connection `name`, which browsers sign in to: a held one (client credentials, unattended)
/// has no sign-in, refresh or token route ([`ErrorCode::NotFound`]).
pub fn session_connection(env: &Env, name: &str) -> Result<Connection> {
    let c = connection(env, name)?;
    if !c.is_session() {
        return Err(Error::new(
            ErrorCode::NotFound,
            format!("connection '{name}' is held for the deployment (client credentials or unattended): browsers do not sign in to it"),
        ));
    }
    Ok(c)
}

/// The client [`client`] built for `c` and `origin` earlier in this isolate, if any.
pub fn built_client(c: &Connection, origin: &str) -> Option<Client> {
    MEMO.with(|m| m.try_borrow().ok().and_then(|m| m.clients.iter().find(|(n, o, _)| *n == c.name && o == origin).map(|(_, _, cl)| cl.clone())))
}

/// The core client of `c`, with its secret from the Worker's secrets; `origin` (the Worker's own)
/// gives the default redirect URI `{origin}/auth/{name}/callback`. A connection that
/// [`Connection::discovers`] gets its endpoints from its issuer's metadata, fetched once per
/// isolate (a failure is not kept: the next request tries again).
pub async fn client(env: &Env, c: &Connection, origin: &str) -> Result<Client> {
    if let Some(cl) = built_client(c, origin) {
        return Ok(cl);
    }
    let metadata = if c.discovers() { Some(metadata(env, c).await?) } else { None };
    let cl = c.client(c.secret.as_deref().and_then(|name| secret(env, name)).as_deref(), origin, metadata.as_ref())?;
    MEMO.with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            // the origin comes from the request's Host: keep a few, so odd hosts cannot grow it
            m.clients.insert(0, (c.name.clone(), origin.to_owned(), cl.clone()));
            m.clients.truncate(16);
        }
    });
    Ok(cl)
}

/// Where the issuer of `c` publishes its keys, to verify id_tokens: the client's `jwks_uri` (from
/// discovery), else the issuer's metadata (a connection configured by its endpoints and an issuer).
pub async fn jwks_uri(env: &Env, c: &Connection, client: &Client) -> Result<String> {
    if let Some(uri) = &client.server().jwks_uri {
        return Ok(uri.as_str().to_owned());
    }
    metadata(env, c)
        .await?
        .jwks_uri
        .ok_or_else(|| Error::new(ErrorCode::MetadataInvalid, "the issuer's metadata names no jwks_uri: its id_tokens cannot be verified"))
}

/// The issuer's metadata through the flows' one discovery (`tsunagi_flows::discovery`, the npm
/// package's too): RFC 8414 §3.1's location, then OpenID Connect Discovery §4's; a location that
/// does not answer or answers anything but 200 moves on to the next, the first 200's `issuer` must
/// be exactly the configured one, and when every location fails the error names them all.
async fn metadata(env: &Env, c: &Connection) -> Result<ServerMetadata> {
    let issuer = c.issuer.clone().unwrap_or_default();
    if let Some(hit) = MEMO.with(|m| m.try_borrow().ok().and_then(|m| m.metadata.iter().find(|(i, _)| *i == issuer).map(|(_, md)| md.clone()))) {
        return Ok(hit);
    }
    let (md, _) = tsunagi_flows::discovery::discover(&Fetcher::new(timeout_ms(env)), &issuer)
        .await
        .map_err(|e| Error::new(e.code(), format!("connection '{}': {}", c.name, e.message())))?;
    MEMO.with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            m.metadata.insert(0, (issuer.clone(), md.clone()));
            m.metadata.truncate(16);
        }
    });
    Ok(md)
}

/// The name of a held connection's object: a keyed hash ([`SessionKeys::object_name`]) of the
/// connection, its token endpoint and client — and, for client credentials, the credential — so
/// a changed endpoint or credential starts afresh. Never in clear. Computed once per isolate.
pub fn held_object_name(env: &Env, c: &Connection, client: &Client) -> Result<String> {
    let endpoint = client.profile().token_endpoint.as_str();
    let hit = MEMO.with(|m| m.try_borrow().ok().and_then(|m| m.held_names.iter().find(|(n, e, _)| *n == c.name && e == endpoint).map(|(_, _, o)| o.clone())));
    if let Some(name) = hit {
        return Ok(name);
    }
    let mut label = format!("connection:{}:{}:{}", c.name, endpoint, c.client_id.as_deref().unwrap_or_default());
    if c.grant == GrantKind::ClientCredentials {
        label.push(':');
        label.push_str(&c.secret.as_deref().and_then(|n| secret(env, n)).unwrap_or_default());
    }
    let name = keys(env)?.object_name(&label);
    MEMO.with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            m.held_names.insert(0, (c.name.clone(), endpoint.to_owned(), name.clone()));
            m.held_names.truncate(16);
        }
    });
    Ok(name)
}

/// The origin a held client's default redirect URI is built from when no browser request gives
/// one (client credentials have none; nothing is redirected there).
pub const SERVER_ORIGIN: &str = "https://broker.tsunagi.invalid";

/// The connection `name`, if it may be served to other Workers: held (client credentials or
/// unattended) and marked `server = true`; else [`ErrorCode::ConnectionNotAllowed`].
pub fn served(env: &Env, name: &str) -> Result<Connection> {
    let c = connection(env, name)?;
    if !c.server || !c.is_held() {
        return Err(Error::new(
            ErrorCode::ConnectionNotAllowed,
            format!("connection '{name}' is not served to other Workers (server = true on a held connection)"),
        ));
    }
    Ok(c)
}
