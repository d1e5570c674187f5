//! The API proxy (`/api/{provider}/…`): the browser's body checked, the LegalOn access rule, the
//! shared API loop over a token source that asks the objects, and the upstream answer delivered
//! with only its safe headers (the session cookie renewed when the session now lasts longer).

use crate::bff::{self, SessionKeys, VerifiedCookie};
use crate::config::{self, SessionProvider};
use crate::entry::{bad, renewed_cookie};
use crate::messages::{SessionOp, TokenAnswer};
use crate::objects::{call, legalon_stub, send_to_object, session_stub};
use crate::routes::provider;
use crate::runtime::{Fetcher, Timer, WorkerClock};
use crate::{http, legalon, now};
use std::cell::Cell;
use tsunagi_core::api::RetryPolicy;
use tsunagi_core::{Client, Error, ErrorCode, Method as CoreMethod, Result, Timestamp, TokenSet};
use tsunagi_flows::{ApiCall, Outcome, TokenSource};
use worker::{Env, Headers, Request, Response, Stub};

/// Largest request body proxied to a provider.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

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
                    extra: tsunagi_core::json::JsonObject::new(),
                };
                Ok((t, v.session_expires_at))
            }
            Source::LegalOn(env, name) => {
                if let Some(t) = legalon::from_memory(name, failed) {
                    return Ok((t, None));
                }
                let stub = legalon_stub(env, name)?;
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

pub async fn proxy(
    req: &mut Request,
    env: &Env,
    keys: &SessionKeys,
    cookie: Result<VerifiedCookie>,
    p: &str,
    path: &str,
    self_origin: &str,
) -> Result<Response> {
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
