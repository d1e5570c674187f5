//! The Cloudflare Worker backend-for-frontend (RFC 10017 §6.1): runs the confidential flows,
//! keeps token sets server-side (Durable Objects, encrypted) and proxies API calls for the SPA
//! behind an HttpOnly session cookie. All protocol logic comes from the core (`Client`, `api`,
//! `bff`); this module only routes, stores and forwards. Routes and rules: README "Worker";
//! storage: docs/storage.md.

mod config;
mod crypto;
mod http;
// the `#[durable_object]` macro generates undocumented glue
#[allow(missing_docs)]
mod legalon;
#[allow(missing_docs)]
mod session;

pub use legalon::TsunagiLegalOn;
pub use session::TsunagiSession;

use crate::api::{decide, ApiDecision, Attempt, RetryPolicy};
use crate::bff::{self, RouteKind, SessionKeys, VerifiedCookie};
use crate::request_target::RequestTarget;
use crate::{Client, Error, ErrorCode, Method as CoreMethod, Result, Timestamp, TokenSet};
use config::SessionProvider;
use serde_json::json;
use std::time::Duration;
use wasm_bindgen::JsValue;
use worker::{event, Context, Delay, Env, Headers, Method, Request, RequestInit, Response, Stub};

/// Largest request body proxied to a provider.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// Binding names in wrangler.toml.
const SESSIONS: &str = "SESSIONS";
const LEGALON: &str = "LEGALON";

/// The Worker's clock.
pub(crate) fn now() -> Timestamp {
    Timestamp::from_millis(js_sys::Date::now().max(0.0) as u64)
}

fn bad(message: &str) -> Error {
    Error::new(ErrorCode::InvalidParameter, message.to_owned())
}

/// What the incoming request asked for.
enum Route {
    Login(SessionProvider),
    Callback(SessionProvider),
    Session,
    Api(String, String),
    Logout(Option<SessionProvider>),
    Token(SessionProvider),
    Refresh(SessionProvider),
}

fn provider(s: &str) -> Result<SessionProvider> {
    SessionProvider::parse(s).ok_or_else(|| Error::new(ErrorCode::NotFound, "unknown provider: lawvu or logiless"))
}

fn route(method: &Method, path: &str) -> Result<(Route, RouteKind)> {
    let segments: Vec<&str> = path.trim_start_matches('/').splitn(3, '/').collect();
    let get = *method == Method::Get || *method == Method::Head;
    let post = *method == Method::Post;
    let (route, kind, allowed) = match segments.as_slice() {
        ["auth", p, "login"] => (Route::Login(provider(p)?), RouteKind::Other, get),
        ["auth", p, "callback"] => (Route::Callback(provider(p)?), RouteKind::Other, get),
        ["auth", p, "logout"] => (Route::Logout(Some(provider(p)?)), RouteKind::Other, post),
        ["auth", p, "refresh"] => (Route::Refresh(provider(p)?), RouteKind::Other, post),
        ["auth", "logout"] => (Route::Logout(None), RouteKind::Other, post),
        ["session"] => (Route::Session, RouteKind::Other, get),
        ["token", p] => (Route::Token(provider(p)?), RouteKind::Token, post),
        ["api", p, rest] => (Route::Api((*p).to_owned(), format!("/{rest}")), RouteKind::Api, true),
        _ => return Err(Error::new(ErrorCode::NotFound, "no such route")),
    };
    if !allowed {
        return Err(Error::new(ErrorCode::MethodNotAllowed, "this route does not take this method"));
    }
    Ok((route, kind))
}

/// The Worker entry point.
#[event(fetch)]
pub async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    let origin = req.headers().get("origin").ok().flatten();
    let mut resp = match handle(req, &env, origin.as_deref()).await {
        Ok(r) => r,
        Err(e) => http::error(&e)?,
    };
    // CORS only for allowlisted origins (a disallowed one was already refused)
    if let (Some(o), Ok(policy)) = (origin.as_deref(), config::origins(&env)) {
        if policy.allows(o) {
            let headers = resp.headers_mut();
            for (k, v) in bff::cors_headers(o) {
                headers.set(&k, &v)?;
            }
        }
    }
    Ok(resp)
}

async fn handle(mut req: Request, env: &Env, origin: Option<&str>) -> Result<Response> {
    let method = req.method();
    let headers = req.headers().clone();
    let policy = config::origins(env)?;
    if method == Method::Options {
        return match origin {
            Some(o) if policy.allows(o) => {
                let h = Headers::new();
                for (k, v) in bff::preflight_headers(o) {
                    h.set(&k, &v).map_err(|_| bad("bad header"))?;
                }
                Ok(Response::empty().map_err(|_| bad("response"))?.with_status(204).with_headers(h))
            }
            _ => Err(Error::new(ErrorCode::ForbiddenOrigin, "preflight from an origin that is not allowed (ALLOWED_ORIGINS)")),
        };
    }
    let raw_url = req.inner().url();
    let url = RequestTarget::parse(&raw_url)?;
    let (route, kind) = route(&method, url.path)?;
    let csrf = headers.get(bff::CSRF_HEADER).ok().flatten();
    bff::guard(&policy, kind, method.as_ref(), origin, csrf.as_deref())?;
    let keys = config::keys(env)?;
    let self_origin = url.origin.clone();
    let cookie = session_cookie(&headers, &keys);
    let w = |r: worker::Result<Response>| r.map_err(|_| Error::new(ErrorCode::Transport, "response could not be built"));
    match route {
        Route::Login(p) => {
            let return_to = url.query_param("return_to");
            let return_to = bff::check_return_to(return_to.as_deref())?;
            config::session_client(env, p, &self_origin)?; // config errors before anything is stored
            let (sid, set_cookie) = match cookie {
                Ok(c) => (c.session_id, None),
                Err(_) => {
                    let sid = bff::session_id_from_entropy(&random_32()?);
                    let exp = now().plus_secs(bff::PENDING_LOGIN_SECS);
                    (sid.clone(), Some(bff::set_cookie_header(&bff::sign_cookie(&keys, &sid, exp), bff::PENDING_LOGIN_SECS)))
                }
            };
            let v = call(&session_stub(env, &keys, &sid)?, "login", json!({"provider": p.as_str(), "origin": self_origin, "return_to": return_to})).await?;
            let to = field(&v, "authorize_url").as_str().ok_or_else(|| bad("no authorize URL"))?;
            w(http::redirect(to, set_cookie.as_deref()))
        }
        Route::Callback(p) => {
            let c = cookie?;
            let v = call(&session_stub(env, &keys, &c.session_id)?, "callback", json!({"provider": p.as_str(), "origin": self_origin, "url": url.url})).await?;
            let to = bff::check_return_to(field(&v, "return_to").as_str())?;
            let set = renewed_cookie(&keys, &c, field(&v, "session_expires_at").as_u64());
            w(http::redirect(&to, set.as_deref()))
        }
        Route::Session => {
            let c = cookie?;
            let v = call(&session_stub(env, &keys, &c.session_id)?, "session", json!({})).await?;
            w(http::json(200, &v.to_string()))
        }
        Route::Logout(p) => {
            if let Ok(c) = cookie {
                call(&session_stub(env, &keys, &c.session_id)?, "logout", json!({"provider": p.map(SessionProvider::as_str)})).await?;
            }
            let mut r = w(http::json(200, &json!({"signed_out": true}).to_string()))?;
            if p.is_none() {
                r.headers_mut().append("set-cookie", &bff::clear_cookie_header()).map_err(|_| bad("header"))?;
            }
            Ok(r)
        }
        Route::Token(p) => {
            if !config::token_mediating(env) {
                return Err(Error::new(ErrorCode::NotFound, "token-mediating mode is off (TOKEN_MEDIATING)"));
            }
            let c = cookie?;
            let v = call(&session_stub(env, &keys, &c.session_id)?, "token", json!({"provider": p.as_str(), "origin": self_origin})).await?;
            // only the access token and its expiry, never the refresh token
            let body = json!({"access_token": field(&v, "access_token"), "token_type": field(&v, "token_type"), "expires_at": field(&v, "expires_at")});
            w(http::json(200, &body.to_string()))
        }
        Route::Refresh(p) => {
            // rotates now; answers with fingerprints only (old → new), never a token
            let c = cookie?;
            let v = call(&session_stub(env, &keys, &c.session_id)?, "refresh", json!({"provider": p.as_str(), "origin": self_origin})).await?;
            let mut r = w(http::json(200, &v.to_string()))?;
            if let Some(set) = renewed_cookie(&keys, &c, field(&v, "session_expires_at").as_u64()) {
                r.headers_mut().append("set-cookie", &set).map_err(|_| bad("header"))?;
            }
            Ok(r)
        }
        Route::Api(p, path) => {
            let query = url.query.map(|q| format!("?{q}")).unwrap_or_default();
            proxy(&mut req, env, &keys, cookie, &p, &format!("{path}{query}"), &self_origin).await
        }
    }
}

static NULL: serde_json::Value = serde_json::Value::Null;

/// `v[key]` without indexing: a missing key (or a non-object) reads as `null`.
fn field<'a>(v: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    v.get(key).unwrap_or(&NULL)
}

fn random_32() -> Result<[u8; 32]> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|_| Error::new(ErrorCode::InvalidConfig, "no random source"))?;
    Ok(b)
}

fn session_cookie(headers: &Headers, keys: &SessionKeys) -> Result<VerifiedCookie> {
    let header = headers.get("cookie").ok().flatten().unwrap_or_default();
    let value = bff::cookie_value(&header, bff::COOKIE_NAME).ok_or_else(|| Error::new(ErrorCode::SessionMissing, "no session cookie: sign in"))?;
    bff::verify_cookie(keys, value, now())
}

/// A new cookie when the session now lasts longer than the browser's copy (refresh rotation
/// slides the refresh token's lifetime).
fn renewed_cookie(keys: &SessionKeys, c: &VerifiedCookie, session_expires_ms: Option<u64>) -> Option<String> {
    let exp = Timestamp::from_millis(session_expires_ms?);
    if exp.as_secs() <= c.expires_at.as_secs().saturating_add(3600) {
        return None;
    }
    let max_age = now().millis_until(exp) / 1000;
    Some(bff::set_cookie_header(&bff::sign_cookie(keys, &c.session_id, exp), max_age))
}

fn session_stub(env: &Env, keys: &SessionKeys, sid: &str) -> Result<Stub> {
    let ns = env.durable_object(SESSIONS).map_err(|_| Error::new(ErrorCode::ConfigMissing, "the SESSIONS Durable Object binding is missing"))?;
    let id = ns.id_from_name(&keys.object_name(&format!("session:{sid}"))).map_err(|_| bad("object id"))?;
    id.get_stub().map_err(|_| bad("object stub"))
}

/// Calls an object: 200 → its JSON; otherwise its error body is rebuilt into an [`Error`]
/// with the same code and message.
async fn call(stub: &Stub, op: &str, body: serde_json::Value) -> Result<serde_json::Value> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(JsValue::from_str(&body.to_string())));
    let req = Request::new_with_init(&format!("https://tsunagi.internal/{op}"), &init).map_err(|_| bad("internal request"))?;
    let mut resp = stub.fetch_with_request(req).await.map_err(|_| Error::new(ErrorCode::Transport, "the session store could not be reached"))?;
    let status = resp.status_code();
    let text = resp.text().await.map_err(|_| Error::new(ErrorCode::Transport, "the session store could not be read"))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| Error::new(ErrorCode::Transport, "the session store answered garbage"))?;
    if status == 200 {
        return Ok(v);
    }
    Err(rebuild_error(&v))
}

/// The object's error body back into an [`Error`] (same code, message and upstream details).
fn rebuild_error(v: &serde_json::Value) -> Error {
    let code = field(v, "error").as_str().and_then(ErrorCode::parse).unwrap_or(ErrorCode::Transport);
    let mut e = Error::new(code, field(v, "message").as_str().unwrap_or("the session store failed").to_owned())
        .with_request_id(field(v, "request_id").as_str().map(str::to_owned))
        .with_retry_after_ms(field(v, "retry_after_ms").as_u64())
        .with_description(field(v, "description").as_str().map(str::to_owned));
    if let Some(s) = field(v, "upstream_status").as_u64().and_then(|s| u16::try_from(s).ok()) {
        e = e.with_status(s);
    }
    e
}

enum Source<'a> {
    Session(Stub, VerifiedCookie, SessionProvider, &'a str),
    /// The LegalOn object's name; its stub is made only when the isolate's memory has no token.
    LegalOn(&'a Env, String),
}

impl Source<'_> {
    async fn token(&self, failed: Option<&str>) -> Result<(TokenSet, Option<u64>)> {
        match self {
            Source::Session(stub, _, p, origin) => {
                let v = call(stub, "token", json!({"provider": p.as_str(), "origin": origin, "failed": failed})).await?;
                let t = TokenSet {
                    access_token: crate::AccessToken::new(field(&v, "access_token").as_str().unwrap_or_default()),
                    token_type: field(&v, "token_type").as_str().unwrap_or("Bearer").to_owned(),
                    issued_at: now(),
                    expires_at: field(&v, "expires_at").as_u64().map(Timestamp::from_millis),
                    refresh_token: None,
                    refresh_expires_at: None,
                    scope: None,
                    api_base_url: None,
                    grant: crate::token_set::TokenGrant::User,
                    extra: serde_json::Map::new(),
                };
                Ok((t, field(&v, "session_expires_at").as_u64()))
            }
            Source::LegalOn(env, name) => {
                if let Some(t) = legalon::from_memory(name, failed) {
                    return Ok((t, None));
                }
                let ns = env.durable_object(LEGALON).map_err(|_| Error::new(ErrorCode::ConfigMissing, "the LEGALON Durable Object binding is missing"))?;
                let stub = ns.id_from_name(name).and_then(|id| id.get_stub()).map_err(|_| bad("object stub"))?;
                let v = call(&stub, "token", json!({ "failed": failed })).await?;
                let t: TokenSet = serde_json::from_value(v).map_err(|_| Error::new(ErrorCode::Transport, "bad token from the LegalOn object"))?;
                legalon::remember(name, &t);
                Ok((t, None))
            }
        }
    }
}

async fn read_body(req: &mut Request, method: CoreMethod) -> Result<Option<String>> {
    if matches!(method, CoreMethod::Get | CoreMethod::Delete) {
        return Ok(None);
    }
    let headers = req.headers().clone();
    if let Some(len) = headers.get("content-length").ok().flatten() {
        let n: usize = len.trim().parse().map_err(|_| bad("Content-Length is not a number"))?;
        if n > MAX_REQUEST_BODY {
            // Read (and drop) a moderately oversized body before answering: a server that answers
            // mid-upload makes the client see a reset instead of the 413. Far larger ones are
            // refused at once rather than read.
            if n <= MAX_REQUEST_BODY.saturating_mul(4) {
                let _ = req.bytes().await;
            }
            return Err(Error::new(ErrorCode::BodyTooLarge, format!("request bodies are limited to {MAX_REQUEST_BODY} bytes")));
        }
    }
    let bytes = req.bytes().await.map_err(|_| bad("the request body could not be read"))?;
    if bytes.len() > MAX_REQUEST_BODY {
        return Err(Error::new(ErrorCode::BodyTooLarge, format!("request bodies are limited to {MAX_REQUEST_BODY} bytes")));
    }
    if bytes.is_empty() {
        return Ok(None);
    }
    let content_type = headers.get("content-type").ok().flatten().unwrap_or_default().to_ascii_lowercase();
    if content_type.split(';').next().is_none_or(|m| m.trim() != "application/json") {
        return Err(bad("request bodies must be application/json"));
    }
    let text = String::from_utf8(bytes).map_err(|_| bad("the request body is not UTF-8"))?;
    serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|_| bad("the request body is not JSON"))?;
    Ok(Some(text))
}

async fn proxy(req: &mut Request, env: &Env, keys: &SessionKeys, cookie: Result<VerifiedCookie>, p: &str, path: &str, self_origin: &str) -> Result<Response> {
    let method = CoreMethod::parse(req.method().as_ref()).ok_or_else(|| Error::new(ErrorCode::MethodNotAllowed, "GET, POST, PUT, PATCH or DELETE"))?;
    crate::api::check_api_path(path)?;
    let body = read_body(req, method).await?;
    let (client, source): (Client, Source<'_>) = match p {
        "legalon" => {
            let (client, name) = config::legalon_client(env)?;
            (client, Source::LegalOn(env, name))
        }
        other => {
            let sp = provider(other).map_err(|_| Error::new(ErrorCode::NotFound, "unknown provider: lawvu, logiless or legalon"))?;
            let client = config::session_client(env, sp, self_origin)?;
            let c = cookie?;
            let stub = session_stub(env, keys, &c.session_id)?;
            (client, Source::Session(stub, c, sp, self_origin))
        }
    };
    let policy = RetryPolicy { max_rate_limit_retries: 1, max_wait_ms: config::max_rate_limit_wait_ms(env), default_wait_ms: 1_000 };
    let timeout = config::timeout_ms(env);
    let mut attempt = Attempt::default();
    let (mut tokens, mut session_exp) = source.token(None).await?;
    loop {
        let mut request = client.api_request(&tokens, method, path, body.as_deref())?;
        // only the core's headers go upstream: never the browser's cookies or authorization
        request.headers.retain(|(k, _)| k != "cookie");
        // status and headers decide; the body is read only for an error, else streamed on
        let upstream = http::send_head(&request, timeout).await?;
        match decide(&client, &policy, &attempt, &upstream.response, now()) {
            ApiDecision::Deliver => {
                let mut resp = deliver(&client, upstream, timeout).await?;
                if let Source::Session(_, c, ..) = &source {
                    if let Some(set) = renewed_cookie(keys, c, session_exp) {
                        resp.headers_mut().append("set-cookie", &set).map_err(|_| bad("header"))?;
                    }
                }
                return Ok(resp);
            }
            ApiDecision::Reauthenticate => {
                attempt.reauthenticated = true;
                let failed = tokens.access_token.fingerprint();
                (tokens, session_exp) = source.token(Some(&failed)).await?;
            }
            ApiDecision::Wait { delay_ms } => {
                attempt.rate_limit_retries += 1;
                Delay::from(Duration::from_millis(delay_ms)).await;
            }
            ApiDecision::Fail(_) => {
                // the same error, now with what the body says (error codes, description, excerpt)
                let full = upstream.read(timeout).await?;
                let mut resp = http::error(&client.api_error(&full, now())).map_err(|_| bad("response"))?;
                for (k, v) in &full.headers {
                    if bff::forwardable_response_header(k) && !k.eq_ignore_ascii_case("content-type") {
                        resp.headers_mut().set(k, v).map_err(|_| bad("header"))?;
                    }
                }
                return Ok(resp);
            }
        }
    }
}

/// The upstream answer for the browser: its status and body (streamed on untouched when its length
/// is declared and within [`http::MAX_UPSTREAM_BODY`], else read within that bound), with only the
/// safe headers (never `Set-Cookie`); a 5xx becomes a 502 `upstream_error` JSON body.
async fn deliver(client: &Client, upstream: http::Head, timeout: u64) -> Result<Response> {
    let status = upstream.response.status;
    if status >= 500 {
        let full = upstream.read(timeout).await?;
        let err = client.api_error(&full, now());
        let mut resp = http::error(&err).map_err(|_| bad("response"))?;
        if let Some(id) = full.request_id() {
            resp.headers_mut().set("x-request-id", &id).map_err(|_| bad("header"))?;
        }
        return Ok(resp);
    }
    let headers = Headers::new();
    for (k, v) in &upstream.response.headers {
        if bff::forwardable_response_header(k) {
            headers.append(k, v).map_err(|_| bad("header"))?;
        }
    }
    let resp = if status == 204 || status == 304 {
        Response::empty()
    } else if upstream.declared_length().is_some_and(|n| n <= http::MAX_UPSTREAM_BODY) {
        // a declared, bounded length: streamed on without passing through wasm
        Response::from_body(upstream.body())
    } else {
        // no length (chunked) or too long: read within the bound, or fail with body_too_large
        let (_, bytes) = upstream.read_bytes(timeout).await?;
        Response::from_bytes(bytes)
    };
    Ok(resp.map_err(|_| bad("response"))?.with_status(status).with_headers(headers))
}
