//! The Worker's entry point: routes each request, applies the BFF rules ([`crate::bff`]) and
//! proxies API calls; the session and LegalOn objects hold the tokens.

use crate::bff::{self, PendingLogin, RouteKind, SessionKeys, VerifiedCookie};
use crate::config::{self, SessionProvider};
use crate::messages::{PutAnswer, SessionOp, StoredSet, TokenAnswer};
use crate::request_target::RequestTarget;
use crate::runtime::{Fetcher, Timer, WorkerClock};
use crate::{crypto, http, legalon};
use serde::de::DeserializeOwned;
use serde_json::json;
use std::cell::Cell;
use tsunagi_core::api::RetryPolicy;
use tsunagi_core::PendingAuthorization;
use tsunagi_core::{Client, Error, ErrorCode, Method as CoreMethod, Result, Timestamp, TokenSet};
use tsunagi_flows::memory::{LocalLock, MemoryStore};
use tsunagi_flows::{ApiCall, Flow, Outcome, TokenSource};
use wasm_bindgen::JsValue;
use worker::{event, Context, Env, Headers, Method, Request, RequestInit, Response, Stub};

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
            // nothing is stored server-side before a sign-in completes: the pending login travels
            // sealed in its own short-lived cookie
            let return_to = bff::check_return_to(url.query_param("return_to").as_deref())?;
            let client = config::session_client(env, p, &self_origin)?;
            let (authorize_url, pending) = client.begin_authorization(&[])?;
            let expires_at = now().plus_secs(bff::PENDING_LOGIN_SECS);
            let record = PendingLogin { provider: p.as_str().to_owned(), state: pending.state, pkce_verifier: pending.pkce_verifier, return_to, expires_at };
            let text = serde_json::to_string(&record).map_err(|_| bad("the sign-in could not be recorded"))?;
            let sealed = crypto::seal(&keys, &keys.login_aad(p.as_str()), &text).await?;
            w(http::redirect(&authorize_url, &[bff::login_cookie_header(p.as_str(), &sealed)]))
        }
        Route::Callback(p) => {
            let login_cookie = bff::cookie_value(&cookie_header(&headers), &bff::login_cookie_name(p.as_str())).map(str::to_owned);
            // the sign-in cookie is spent by its callback, whatever the outcome
            let spent = login_cookie.as_ref().map(|_| bff::login_cookie_header(p.as_str(), bff::SPENT_LOGIN));
            match callback(env, &keys, cookie, login_cookie.as_deref(), p, &self_origin, url.url).await {
                Ok((to, session_cookie)) => w(http::redirect(&to, &[Some(session_cookie), spent].into_iter().flatten().collect::<Vec<_>>())),
                Err(e) => {
                    let mut r = http::error(&e).map_err(|_| bad("response"))?;
                    if let Some(spent) = spent {
                        r.headers_mut().append("set-cookie", &spent).map_err(|_| bad("header"))?;
                    }
                    Ok(r)
                }
            }
        }
        Route::Session => {
            // being signed out is a state, not an error: 200 with signed_in false (a cookie that
            // no longer verifies is cleared)
            let c = match cookie {
                Ok(c) => c,
                Err(_) => {
                    let mut r = w(http::json(200, &json!({"signed_in": false, "providers": {}}).to_string()))?;
                    if headers.get("cookie").ok().flatten().is_some_and(|h| bff::cookie_value(&h, bff::COOKIE_NAME).is_some()) {
                        r.headers_mut().append("set-cookie", &bff::clear_cookie_header()).map_err(|_| bad("header"))?;
                    }
                    return Ok(r);
                }
            };
            let v: serde_json::Value = call(&session_stub(env, &keys, &c.session_id)?, &SessionOp::Session).await?;
            w(http::json(200, &v.to_string()))
        }
        Route::Logout(p) => {
            if let Ok(c) = cookie {
                let _: serde_json::Value = call(&session_stub(env, &keys, &c.session_id)?, &SessionOp::Logout { provider: p }).await?;
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
            let t: TokenAnswer = call(&session_stub(env, &keys, &c.session_id)?, &SessionOp::Token { provider: p, origin: self_origin, failed: None }).await?;
            // only the access token and its expiry, never the refresh token
            let body = json!({"access_token": t.access_token.secret(), "token_type": t.token_type, "expires_at": t.expires_at});
            w(http::json(200, &body.to_string()))
        }
        Route::Refresh(p) => {
            // rotates now; answers with fingerprints only (old → new), never a token
            let c = cookie?;
            let v: serde_json::Value = call(&session_stub(env, &keys, &c.session_id)?, &SessionOp::Refresh { provider: p, origin: self_origin }).await?;
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

/// The callback: the sealed sign-in from its cookie, the `state` check, the code exchange — all
/// before any server-side state exists — then a **fresh session id** (RFC 6819 §4.2.4 / OWASP
/// session fixation: an id issued before a sign-in never grants the signed-in session). The
/// browser's earlier session, if its cookie verifies, hands its other providers' token sets over
/// and is emptied, so any copy of the old cookie grants nothing. Answers `(return_to, Set-Cookie)`.
async fn callback(
    env: &Env,
    keys: &SessionKeys,
    old: Result<VerifiedCookie>,
    login_cookie: Option<&str>,
    p: SessionProvider,
    origin: &str,
    url: &str,
) -> Result<(String, String)> {
    let over = || Error::new(ErrorCode::StateMismatch, "this sign-in is over (already completed, refused or expired): nothing was exchanged");
    let sealed = match login_cookie {
        None => return Err(Error::new(ErrorCode::SessionMissing, "no sign-in is in progress in this browser: start at /auth/{provider}/login")),
        Some(bff::SPENT_LOGIN) => return Err(over()),
        Some(v) => v,
    };
    let text = crypto::open(keys, &keys.login_aad(p.as_str()), sealed).await.map_err(|_| over())?;
    let pending: PendingLogin = serde_json::from_str(&text).map_err(|_| over())?;
    if !pending.is_live(now()) || pending.provider != p.as_str() {
        return Err(over());
    }
    // the shared exchange (state check, code + verifier, the answer parsed as the answer to that
    // request), into memory: the set goes to a fresh session object below
    let client = config::session_client(env, p, origin)?;
    let authorization = PendingAuthorization { state: pending.state.clone(), pkce_verifier: pending.pkce_verifier.clone() };
    let (store, lock) = (MemoryStore::default(), LocalLock::default());
    let flow =
        Flow { client: &client, transport: &Fetcher { timeout_ms: config::timeout_ms(env) }, store: &store, lock: &lock, clock: &WorkerClock, leeway_secs: 0 };
    let tokens = flow.exchange(url, &authorization).await?;
    let mut sets = vec![StoredSet { provider: p, tokens }];
    if let Ok(old) = old {
        // best effort: a session that cannot be read keeps nothing worth moving
        if let Ok(taken) = call::<Vec<StoredSet>>(&session_stub(env, keys, &old.session_id)?, &SessionOp::Take).await {
            sets.extend(taken.into_iter().filter(|s| s.provider != p));
        }
    }
    let sid = bff::session_id_from_entropy(&random_32()?);
    let put: PutAnswer = call(&session_stub(env, keys, &sid)?, &SessionOp::Put { sets }).await?;
    let exp = put.session_expires_at.map(Timestamp::from_millis).unwrap_or_else(|| now().plus_secs(3600));
    let max_age = now().millis_until(exp) / 1000;
    Ok((pending.return_to, bff::set_cookie_header(&bff::sign_cookie(keys, &sid, exp), max_age)))
}

fn cookie_header(headers: &Headers) -> String {
    headers.get("cookie").ok().flatten().unwrap_or_default()
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
    let header = cookie_header(headers);
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

/// Sends `op` to a session object: 200 → its typed answer; otherwise its error body is rebuilt
/// into an [`Error`] with the same code and message.
async fn call<T: DeserializeOwned>(stub: &Stub, op: &SessionOp) -> Result<T> {
    let body = serde_json::to_string(op).map_err(|_| bad("internal request"))?;
    let text = send_to_object(stub, body).await?;
    serde_json::from_str(&text).map_err(|_| Error::new(ErrorCode::Transport, "the session store answered garbage"))
}

/// Posts `body` to an object; its answer text on 200, else its error rebuilt.
async fn send_to_object(stub: &Stub, body: String) -> Result<String> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(JsValue::from_str(&body)));
    let req = Request::new_with_init("https://tsunagi.internal/", &init).map_err(|_| bad("internal request"))?;
    let mut resp = stub.fetch_with_request(req).await.map_err(|_| Error::new(ErrorCode::Transport, "the session store could not be reached"))?;
    let status = resp.status_code();
    let text = resp.text().await.map_err(|_| Error::new(ErrorCode::Transport, "the session store could not be read"))?;
    if status == 200 {
        return Ok(text);
    }
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| Error::new(ErrorCode::Transport, "the session store answered garbage"))?;
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
                let op = SessionOp::Token { provider: *p, origin: (*origin).to_owned(), failed: failed.map(str::to_owned) };
                let v: TokenAnswer = call(stub, &op).await?;
                let t = TokenSet {
                    access_token: v.access_token,
                    token_type: v.token_type,
                    issued_at: now(),
                    expires_at: v.expires_at.map(Timestamp::from_millis),
                    refresh_token: None,
                    refresh_expires_at: None,
                    scope: None,
                    api_base_url: None,
                    grant: tsunagi_core::token_set::TokenGrant::User,
                    extra: serde_json::Map::new(),
                };
                Ok((t, v.session_expires_at))
            }
            Source::LegalOn(env, name) => {
                if let Some(t) = legalon::from_memory(name, failed) {
                    return Ok((t, None));
                }
                let ns = env.durable_object(LEGALON).map_err(|_| Error::new(ErrorCode::ConfigMissing, "the LEGALON Durable Object binding is missing"))?;
                let stub = ns.id_from_name(name).and_then(|id| id.get_stub()).map_err(|_| bad("object stub"))?;
                let op = serde_json::to_string(&legalon::TokenOp { failed: failed.map(str::to_owned) }).map_err(|_| bad("internal request"))?;
                let text = send_to_object(&stub, op).await?;
                let t: TokenSet = serde_json::from_str(&text).map_err(|_| Error::new(ErrorCode::Transport, "bad token from the LegalOn object"))?;
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

/// LegalOn's token is the organisation's (client credentials): the Worker forwards only for a
/// valid session signed in to a provider named in `LEGALON_ALLOWED_FOR` (default none), and only
/// the methods of `LEGALON_METHODS` (default `GET`). RFC 10017 §6.1; checked before anything is
/// read or forwarded.
async fn check_legalon_access(env: &Env, keys: &SessionKeys, cookie: Result<VerifiedCookie>, method: CoreMethod) -> Result<()> {
    let c = cookie?;
    let rules = config::legalon_access(env)?;
    if !rules.methods.contains(&method) {
        return Err(Error::new(ErrorCode::MethodRefused, "LegalOn takes only the methods in LEGALON_METHODS through this Worker (default GET: read-only)"));
    }
    if rules.allowed_for.is_empty() {
        return Err(Error::new(ErrorCode::ConnectionNotAllowed, "LegalOn is open to no signed-in provider (LEGALON_ALLOWED_FOR is empty)"));
    }
    let signed_in: Vec<SessionProvider> = call(&session_stub(env, keys, &c.session_id)?, &SessionOp::SignedIn).await?;
    if signed_in.is_empty() {
        return Err(Error::new(ErrorCode::SessionMissing, "this session is signed in to no provider: sign in first"));
    }
    if !signed_in.iter().any(|p| rules.allowed_for.contains(p)) {
        return Err(Error::new(
            ErrorCode::ConnectionNotAllowed,
            "LegalOn is open only to sessions signed in to a provider in LEGALON_ALLOWED_FOR: sign in to one first",
        ));
    }
    Ok(())
}

async fn proxy(req: &mut Request, env: &Env, keys: &SessionKeys, cookie: Result<VerifiedCookie>, p: &str, path: &str, self_origin: &str) -> Result<Response> {
    let method = CoreMethod::parse(req.method().as_ref()).ok_or_else(|| Error::new(ErrorCode::MethodNotAllowed, "GET, POST, PUT, PATCH or DELETE"))?;
    tsunagi_core::api::check_api_path(path)?;
    let (client, source): (Client, Source<'_>) = match p {
        "legalon" => {
            check_legalon_access(env, keys, cookie, method).await?;
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
    let body = read_body(req, method).await?;
    let tokens = Tokens { source, session_exp: Cell::new(None) };
    let timeout_ms = config::timeout_ms(env);
    let call = ApiCall {
        client: &client,
        transport: &Fetcher { timeout_ms },
        tokens: &tokens,
        clock: &WorkerClock,
        sleep: &Timer,
        policy: RetryPolicy { max_rate_limit_retries: 1, max_wait_ms: config::max_rate_limit_wait_ms(env), default_wait_ms: 1_000 },
    };
    // the request carries only the core's headers (accept, bearer, content type): never the
    // browser's cookies or authorization; status and headers decide, a delivered body streams on
    match call.send(method, path, body.as_deref()).await? {
        Outcome::Delivered(upstream) => {
            let mut resp = deliver(&client, upstream, timeout_ms).await?;
            if let Source::Session(_, c, ..) = &tokens.source {
                if let Some(set) = renewed_cookie(keys, c, tokens.session_exp.get()) {
                    resp.headers_mut().append("set-cookie", &set).map_err(|_| bad("header"))?;
                }
            }
            Ok(resp)
        }
        Outcome::Refused { error, response } => {
            // the error the body explains, with the provider's rate-limit and request-id headers
            let mut resp = http::error(&error).map_err(|_| bad("response"))?;
            for (k, v) in &response.headers {
                if bff::forwardable_response_header(k) && !k.eq_ignore_ascii_case("content-type") {
                    resp.headers_mut().set(k, v).map_err(|_| bad("header"))?;
                }
            }
            Ok(resp)
        }
    }
}

/// The proxy's token source for the shared API loop: the session's object or LegalOn's (through
/// the isolate's memory), remembering when the session now ends (for the cookie).
struct Tokens<'a> {
    source: Source<'a>,
    session_exp: Cell<Option<u64>>,
}

impl TokenSource for Tokens<'_> {
    async fn token(&self, rejected: Option<&str>) -> Result<TokenSet> {
        let (t, exp) = self.source.token(rejected).await?;
        if exp.is_some() {
            self.session_exp.set(exp);
        }
        Ok(t)
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
