//! The API proxy (`/api/{connection}/…`): the connection's access rules (methods, paths, and for a
//! held connection which signed-in connections may use it), the browser's body checked, the shared
//! API loop over a token source that asks the objects, and the upstream answer delivered with only
//! its safe headers (the session cookie renewed when the session now lasts longer). A DPoP-bound
//! token's requests carry proofs signed by the object that holds its key ([`crate::dpop_remote`]).

use crate::bff::{self, SessionKeys, VerifiedCookie};
use crate::config;
use crate::connections::Connection;
use crate::dpop_key;
use crate::dpop_remote::{self, Owner};
use crate::messages::{HeldOp, HeldToken, HeldTokenAnswer, SessionOp, TokenAnswer};
use crate::objects::{call_held, call_session, held_stub};
use crate::routes::method_name;
use crate::runtime::{Fetcher, Timer, WorkerClock};
use crate::{bad, held_copy, http, now};
use std::cell::{Cell, RefCell};
use tsunagi_core::api::RetryPolicy;
use tsunagi_core::dpop::PublicJwk;
use tsunagi_core::{Client, Error, ErrorCode, Method as CoreMethod, Result, Timestamp, TokenSet};
use tsunagi_flows::{ApiCall, Outcome, Sleep, TokenSource};
use worker::{Env, Headers, Request, Response};

/// Largest request body proxied to a provider.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

enum Source<'a> {
    /// The session (its object through [`call_session`]), its cookie, the connection and the
    /// Worker's origin.
    Session(&'a Env, &'a SessionKeys, VerifiedCookie, String, &'a str),
    /// A held connection: its object's name (the stub is made only when the isolate's memory has
    /// no token), the connection, the Worker's origin, and whether the isolate may keep the token.
    Held(&'a Env, String, String, &'a str, bool),
}

/// The session's token answer as the token set the API loop sends, and its key's public JWK.
pub fn session_token(v: TokenAnswer) -> (TokenSet, Option<PublicJwk>) {
    let set = TokenSet {
        access_token: v.access_token,
        token_type: v.token_type,
        issued_at: now(),
        expires_at: v.expires_at.map(Timestamp::from_millis),
        refresh_token: None,
        refresh_expires_at: None,
        scope: None,
        api_base_url: None,
        grant: tsunagi_core::token_set::TokenGrant::User,
        extra: tsunagi_core::json::JsonObject::new(),
    };
    (set, v.jwk)
}

impl Source<'_> {
    /// A token, when the session ends, and the public JWK of a DPoP-bound token's key.
    async fn token(&self, failed: Option<&str>) -> Result<(TokenSet, Option<u64>, Option<PublicJwk>)> {
        match self {
            Source::Session(env, keys, cookie, c, origin) => {
                let op = SessionOp::Token { connection: c.clone(), origin: (*origin).to_owned(), failed: failed.map(str::to_owned) };
                let v: TokenAnswer = call_session(env, keys, &cookie.session_id, &op).await?;
                let exp = v.session_expires_at;
                let (set, jwk) = session_token(v);
                Ok((set, exp, jwk))
            }
            Source::Held(env, object, c, origin, cache) => {
                let held = held_token(env, object, c, origin, failed, *cache).await?;
                Ok((held.set, None, held.jwk))
            }
        }
    }

    /// Who signs the proofs of this source's key.
    fn owner(&self) -> (Owner<'_>, &str) {
        match self {
            Source::Session(env, keys, cookie, c, _) => (Owner::Session(env, keys, &cookie.session_id), c),
            Source::Held(env, object, c, ..) => (Owner::Held(env, object), c),
        }
    }
}

/// Whether the proxy forwards the browser's request body with `method`: `POST`, `PUT` and `PATCH`
/// (a `GET`'s or `DELETE`'s body is not read).
pub fn carries_body(method: CoreMethod) -> bool {
    !matches!(method, CoreMethod::Get | CoreMethod::Delete)
}

async fn read_body(req: &mut Request, method: CoreMethod) -> Result<Option<String>> {
    if !carries_body(method) {
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
            return Err(body_too_large());
        }
    }
    let bytes = req.bytes().await.map_err(|_| bad("the request body could not be read"))?;
    let content_type = headers.get("content-type").ok().flatten().unwrap_or_default();
    checked_body(bytes, &content_type)
}

fn body_too_large() -> Error {
    Error::new(ErrorCode::BodyTooLarge, format!("request bodies are limited to {MAX_REQUEST_BODY} bytes"))
}

/// The browser's request body `bytes` (sent as `content_type`) as the proxy forwards it: none when
/// empty; else at most [`MAX_REQUEST_BODY`] bytes of UTF-8 JSON sent as `application/json`
/// ([`ErrorCode::BodyTooLarge`], else [`ErrorCode::InvalidParameter`]). The hot path reads the
/// body in JavaScript and checks it here too ([`crate::hot_path`]).
pub fn checked_body(bytes: Vec<u8>, content_type: &str) -> Result<Option<String>> {
    if bytes.len() > MAX_REQUEST_BODY {
        return Err(body_too_large());
    }
    if bytes.is_empty() {
        return Ok(None);
    }
    let content_type = content_type.to_ascii_lowercase();
    if content_type.split(';').next().is_none_or(|m| m.trim() != "application/json") {
        return Err(bad("request bodies must be application/json"));
    }
    let text = String::from_utf8(bytes).map_err(|_| bad("the request body is not UTF-8"))?;
    tsunagi_core::json::parse(&text).map_err(|_| bad("the request body is not JSON"))?;
    Ok(Some(text))
}

/// A held connection's token: the isolate's copy when fresh, else its object's (which renews it
/// single-flight and answers only what the call uses: never the refresh token, docs/storage.md).
/// Also the RPC broker's source. Only client-credentials tokens are kept in the
/// isolate (`cache`): an unattended grant is always read from its object, so a disconnect or a
/// lost grant holds at once in every isolate. When the copy is due or refused, one caller per
/// isolate asks the object and the others take its answer (docs/scaling.md: the burst at expiry
/// is one request per isolate, not one per call).
/// A DPoP-bound token comes with its key's public JWK ([`HeldToken::jwk`]).
pub async fn held_token(env: &Env, object: &str, connection: &str, origin: &str, failed: Option<&str>, cache: bool) -> Result<HeldToken> {
    let ask = || async {
        let stub = held_stub(env, object)?;
        let op = HeldOp::Token { connection: connection.to_owned(), origin: origin.to_owned(), failed: failed.map(str::to_owned) };
        Ok::<_, Error>(call_held::<HeldTokenAnswer>(&stub, &op).await?.into_held())
    };
    if !cache {
        return ask().await;
    }
    // an ask takes at most the upstream time-out twice (the object's own token request inside)
    let stale_ms = config::timeout_ms(env).saturating_mul(2);
    let mut waited = None;
    loop {
        if let Some(t) = held_copy::from_memory(object, failed) {
            return Ok(t);
        }
        match held_copy::turn(object, waited, stale_ms) {
            held_copy::Turn::Ask(asking) => {
                let t = ask().await?;
                held_copy::remember(object, &t);
                asking.answered();
                return Ok(t);
            }
            held_copy::Turn::Wait(id) => {
                waited = Some(id);
                Timer.sleep(held_copy::ASK_POLL_MS).await;
            }
            held_copy::Turn::AskAlone => return ask().await,
        }
    }
}

/// A held connection's token (client credentials, unattended) is the deployment's, not the
/// user's: the Worker forwards only for a valid session signed in to a connection its
/// `allowed_for` names (default none). RFC 10017 §6.1; checked before anything is read or
/// forwarded.
async fn check_held_access(env: &Env, keys: &SessionKeys, cookie: Result<VerifiedCookie>, conn: &Connection) -> Result<()> {
    let c = cookie?;
    if conn.allowed_for.is_empty() {
        return Err(not_allowed_for_any(conn));
    }
    let signed_in: Vec<String> = call_session(env, keys, &c.session_id, &SessionOp::SignedIn).await?;
    held_access(conn, &signed_in)
}

/// A held connection whose `allowed_for` names no connection serves no session.
pub fn not_allowed_for_any(conn: &Connection) -> Error {
    Error::new(ErrorCode::ConnectionNotAllowed, format!("connection '{}': allowed_for names no connection (default: none)", conn.name))
}

/// Whether a session signed in to `signed_in` may use held connection `conn` ([`check_held_access`]).
pub fn held_access(conn: &Connection, signed_in: &[String]) -> Result<()> {
    if conn.allowed_for.is_empty() {
        return Err(not_allowed_for_any(conn));
    }
    if signed_in.is_empty() {
        return Err(Error::new(ErrorCode::SessionMissing, "this session is signed in to no connection: sign in first"));
    }
    if !signed_in.iter().any(|p| conn.allowed_for.contains(p)) {
        return Err(Error::new(
            ErrorCode::ConnectionNotAllowed,
            format!("connection '{}': allowed_for serves only sessions signed in to {}: sign in to one first", conn.name, conn.allowed_for.join(", ")),
        ));
    }
    Ok(())
}

/// The method as the core sends it, and whether the answer's body is dropped (`HEAD`).
pub fn api_method(method_name: &str) -> Result<(CoreMethod, bool)> {
    let head = method_name == "HEAD";
    // HEAD is a GET whose body is not delivered
    let method = if head { Some(CoreMethod::Get) } else { CoreMethod::parse(method_name) }
        .ok_or_else(|| Error::new(ErrorCode::MethodNotAllowed, "GET, HEAD, POST, PUT, PATCH or DELETE"))?;
    Ok((method, head))
}

/// `conn`'s access rule for `method_name` and a `path` already checked by
/// [`tsunagi_core::api::check_api_path`] (the access rules name only methods the Worker can send:
/// any other is refused here): the method as sent and whether it is `HEAD`.
pub fn rules(conn: &Connection, method_name: &str, path: &str) -> Result<(CoreMethod, bool)> {
    conn.access.check(&conn.name, method_name, path)?;
    api_method(method_name)
}

/// `/api/{connection}{path}` for the browser's session. `prefetched`: the first upstream answer,
/// already received by the hot path in JavaScript ([`crate::hot_path`]).
#[allow(clippy::too_many_arguments)]
pub async fn proxy(
    req: &mut Request,
    env: &Env,
    keys: &SessionKeys,
    cookie: Result<VerifiedCookie>,
    name: &str,
    path: &str,
    self_origin: &str,
    mut prefetched: Option<Prefetched>,
) -> Result<Response> {
    let method_name = method_name(req);
    tsunagi_core::api::check_api_path(path)?;
    let conn = config::connection(env, name)?;
    let (method, head) = rules(&conn, &method_name, path)?;
    let client = config::client(env, &conn, self_origin).await?;
    let source = if conn.is_held() {
        check_held_access(env, keys, cookie, &conn).await?;
        Source::Held(env, config::held_object_name(env, &conn, &client)?, conn.name.clone(), self_origin, !conn.unattended)
    } else {
        Source::Session(env, keys, cookie?, conn.name.clone(), self_origin)
    };
    // the hot path read and checked the body in JavaScript before sending it ([`Prefetched::body`])
    let body = match prefetched.as_mut() {
        Some(p) => p.body.take(),
        None => read_body(req, method).await?,
    };
    forward(env, Some(keys), &client, source, method, path, body.as_deref(), head, prefetched).await
}

/// A held connection's API call for another Worker (the RPC broker): the same access rules,
/// body checks and 401/429 policy as the browser's `/api`, without a session.
pub async fn forward_held(env: &Env, req: &mut Request, name: &str, path: &str, origin: &str) -> Result<Response> {
    let method_name = method_name(req);
    tsunagi_core::api::check_api_path(path)?;
    let conn = config::served(env, name)?;
    let (method, head) = rules(&conn, &method_name, path)?;
    let client = config::client(env, &conn, origin).await?;
    let source = Source::Held(env, config::held_object_name(env, &conn, &client)?, conn.name.clone(), origin, !conn.unattended);
    let body = read_body(req, method).await?;
    forward(env, None, &client, source, method, path, body.as_deref(), head, None).await
}

/// The shared API loop (`ApiCall`: one re-acquire on 401, bounded waits on 429) over `source`,
/// and the answer: the upstream's status, safe headers and body, or the Worker's error with the
/// provider's rate-limit and request-id headers. A session's cookie is renewed when the session
/// now lasts longer (`keys` given).
#[allow(clippy::too_many_arguments)]
async fn forward(
    env: &Env,
    keys: Option<&SessionKeys>,
    client: &Client,
    source: Source<'_>,
    method: CoreMethod,
    path: &str,
    body: Option<&str>,
    head: bool,
    prefetched: Option<Prefetched>,
) -> Result<Response> {
    // the first token now: whether it is DPoP-bound decides the transport (RFC 9449 §7.1); the hot
    // path's was sent with its answer (never a DPoP-bound one)
    let (first, exp, jwk, answered) = match prefetched {
        Some(p) => (p.token, p.session_expires_at, None, Some(p.answer)),
        None => {
            let (t, exp, jwk) = source.token(None).await?;
            (t, exp, jwk, None)
        }
    };
    let (owner, connection) = source.owner();
    let key = dpop_remote::bound_key(&first.token_type, jwk, owner, connection)?;
    let tokens = Tokens { source: &source, session_exp: Cell::new(exp), first: RefCell::new(Some(first)) };
    let timeout_ms = config::timeout_ms(env);
    let fetcher = Fetcher::answered(timeout_ms, answered);
    let nonces = dpop_remote::nonces();
    let transport = dpop_key::proving(&fetcher, key.as_ref(), &nonces);
    let call = ApiCall {
        client,
        transport: &transport,
        tokens: &tokens,
        clock: &WorkerClock,
        sleep: &Timer,
        policy: RetryPolicy { max_rate_limit_retries: 1, max_wait_ms: config::max_rate_limit_wait_ms(env), default_wait_ms: 1_000 },
    };
    // the request carries only the core's headers (accept, bearer, content type): never the
    // browser's cookies or authorization; status and headers decide, a delivered body streams on
    match call.send(method, path, body).await? {
        Outcome::Delivered(upstream) => {
            let upstream = upstream.into_unread().map_err(|_| Error::new(ErrorCode::HttpError, "the API's answer was read on its way"))?;
            let mut resp = deliver(client, upstream, head).await?;
            if let (Source::Session(_, _, c, ..), Some(keys)) = (tokens.source, keys) {
                if let Some(set) = bff::renewed_cookie(keys, c, tokens.session_exp.get(), now()) {
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

/// A proxied call's first upstream answer, received by the hot path in JavaScript
/// ([`crate::hot_path`]): the token it was sent with, when the session ends (for the cookie),
/// and the answer (or why none came). The API loop takes it as its first send's answer.
pub struct Prefetched {
    /// The token the request carried (Bearer).
    pub token: TokenSet,
    /// When the session ends, ms since the epoch (a session's call).
    pub session_expires_at: Option<u64>,
    /// The answer's head, or the time-out or transport error.
    pub answer: Result<http::Head>,
    /// The browser's request body as [`checked_body`] answered it, read by JavaScript (the
    /// request's own stream is spent): what a resend sends again.
    pub body: Option<String>,
}

/// The proxy's token source for the shared API loop: the session's object or a held
/// connection's (through the isolate's memory), remembering when the session now ends (for the
/// cookie).
struct Tokens<'a> {
    source: &'a Source<'a>,
    session_exp: Cell<Option<u64>>,
    /// The token asked for before the call (the loop's first ask gets it).
    first: RefCell<Option<TokenSet>>,
}

impl TokenSource for Tokens<'_> {
    async fn token(&self, rejected: Option<&str>) -> Result<TokenSet> {
        if rejected.is_none() {
            if let Some(t) = self.first.borrow_mut().take() {
                return Ok(t);
            }
        }
        let (t, exp, _) = self.source.token(rejected).await?;
        if exp.is_some() {
            self.session_exp.set(exp);
        }
        Ok(t)
    }
}

/// The upstream answer for the browser: its status and body (streamed on untouched when its length
/// is declared and within [`http::MAX_UPSTREAM_BODY`], else read within that bound), with only the
/// safe headers (never `Set-Cookie`); a 5xx becomes a 502 `upstream_error` JSON body.
async fn deliver(client: &Client, upstream: http::Head, head: bool) -> Result<Response> {
    let status = upstream.response.status;
    if status >= 500 {
        let full = upstream.read().await?;
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
    let resp = if status == 204 || status == 304 || head {
        Response::empty()
    } else if upstream.declared_length().is_some_and(|n| n <= http::MAX_UPSTREAM_BODY) {
        // a declared, bounded length: streamed on without passing through wasm
        Response::from_body(upstream.body())
    } else {
        // no length (chunked) or too long: read within the bound, or fail with body_too_large
        let (_, bytes) = upstream.read_bytes().await?;
        Response::from_bytes(bytes)
    };
    Ok(resp.map_err(|_| bad("response"))?.with_status(status).with_headers(headers))
}
