//! The Worker's entry point, the whole path: routes each request ([`crate::admission`]), applies
//! the BFF rules ([`crate::bff`]), runs the session routes of each configured connection here and
//! the sign-in's in [`crate::sign_in_routes`], and hands `/api` to the proxy ([`crate::proxy`]);
//! the session and held-connection objects ([`crate::objects`]) hold the tokens. An `/api` call
//! the isolate can decide alone goes by the hot path in JavaScript first ([`crate::hot_path`]).

use crate::admission::{admit, api_path, cookie_header, cors, Admitted};
use crate::bff;
use crate::config;
use crate::connections::Connections;
use crate::hot_path::Forward;
use crate::messages::{SessionOp, TokenAnswer};
use crate::objects::{call_session, field};
use crate::proxy::{proxy, Prefetched};
use crate::request_target::RequestTarget;
use crate::routes::{method_name, Route};
use crate::{bad, http, now, sign_in_routes};
use std::future::Future;
use std::pin::Pin;
use tsunagi_core::json::{Escape, Json, JsonObject, ObjectWriter};
use tsunagi_core::{Error, ErrorCode, Result};
use wasm_bindgen::prelude::*;
use worker::worker_sys::web_sys;
use worker::{Env, Headers, IntoResponse, Request, Response};

/// The Worker's `fetch` handler (`worker/shim.mjs`): the answer to `request`. With `forward`, the
/// hot path sent that request upstream from JavaScript, and `upstream` is its answer (none:
/// `signal` tells whether the time ran out), which the API loop takes as its first
/// ([`crate::hot_path`]): no upstream request is sent twice.
#[wasm_bindgen]
pub async fn answer(
    request: web_sys::Request,
    env: Env,
    forward: Option<Forward>,
    upstream: Option<web_sys::Response>,
    signal: Option<web_sys::AbortSignal>,
) -> std::result::Result<web_sys::Response, JsValue> {
    let prefetched = forward.map(|f| f.answered(upstream, signal));
    let resp = match respond(Request::from(request), &env, prefetched).await {
        Ok(r) => Ok(r),
        Err(_) => http::error(&Error::new(ErrorCode::Transport, "the answer could not be built")),
    };
    let built = || JsValue::from_str("the answer could not be built");
    resp.map_err(|_| built())?.into_raw().map_err(|_| built())
}

/// The answer to `req`, with CORS headers for an allowed origin. `prefetched`: an `/api` call's
/// first upstream answer, received by the hot path in JavaScript ([`crate::hot_path`]).
async fn respond(req: Request, env: &Env, prefetched: Option<Prefetched>) -> worker::Result<Response> {
    let origin = req.headers().get("origin").ok().flatten();
    let mut resp = match handle(req, env, origin.as_deref(), prefetched).await {
        Ok(r) => r,
        Err(e) => http::error(&e)?,
    };
    let headers = resp.headers_mut();
    for (k, v) in cors(env, origin.as_deref()) {
        headers.set(&k, &v)?;
    }
    Ok(resp)
}

async fn handle(mut req: Request, env: &Env, origin: Option<&str>, prefetched: Option<Prefetched>) -> Result<Response> {
    let method = method_name(&req);
    let headers = req.headers().clone();
    let policy = config::origins(env)?;
    let raw_url = req.inner().url();
    let url = RequestTarget::parse(&raw_url)?;
    if method == "OPTIONS" {
        return match origin {
            Some(o) if policy.allows_for(o, &url.origin) => {
                let h = Headers::new();
                for (k, v) in bff::preflight_headers(o) {
                    h.set(&k, &v).map_err(|_| bad("bad header"))?;
                }
                Ok(Response::empty().map_err(|_| bad("response"))?.with_status(204).with_headers(h))
            }
            _ => Err(Error::new(ErrorCode::ForbiddenOrigin, "preflight from an origin that is not allowed (the Worker's own, or ALLOWED_ORIGINS)")),
        };
    }
    let csrf = headers.get(bff::CSRF_HEADER).ok().flatten();
    let Admitted { route, keys, cookie } = admit(env, &method, &url, origin, csrf.as_deref(), &cookie_header(&headers))?;
    let self_origin = url.origin.clone();
    match route {
        // each route its own future behind a pointer: an isolate's first request compiles only
        // the code of the route it takes (V8 compiles wasm lazily, per function; BENCHMARKS.md §7)
        Route::Login(name) => boxed(sign_in_routes::login(env, &keys, &name, &url)).await,
        Route::Callback(name) => boxed(sign_in_routes::callback(env, &keys, cookie, &name, &url, &headers)).await,
        Route::Session => {
            // being signed out is a state, not an error: 200 with signed_in false (a cookie that
            // no longer verifies is cleared); a connections document that is missing or does not
            // parse is the deployment's error, answered as such
            let all = config::connections(env)?;
            let c = match cookie {
                Ok(c) => c,
                Err(_) => {
                    let mut v = JsonObject::new();
                    v.insert("signed_in", false);
                    v.insert("providers", JsonObject::new());
                    let v = with_connections(&all, Json::from(v));
                    let mut r = http::built(http::json(200, &v.to_json(Escape::Minimal)))?;
                    if headers.get("cookie").ok().flatten().is_some_and(|h| bff::cookie_value(&h, bff::COOKIE_NAME).is_some()) {
                        r.headers_mut().append("set-cookie", &bff::clear_cookie_header()).map_err(|_| bad("header"))?;
                    }
                    return Ok(r);
                }
            };
            let v: Json = call_session(env, &keys, &c.session_id, &SessionOp::Session).await?;
            http::built(http::json(200, &with_connections(&all, v).to_json(Escape::Minimal)))
        }
        Route::Logout(name) => {
            if let Some(n) = &name {
                config::connection(env, n)?;
            }
            let mut forgotten = Vec::new();
            if let Ok(c) = cookie {
                forgotten = call_session(env, &keys, &c.session_id, &SessionOp::Logout { connection: name.clone() }).await?;
            }
            let mut body = JsonObject::new();
            body.insert("signed_out", true);
            body.insert("revocation", crate::revoke::after_logout(env, &self_origin, forgotten).await);
            let mut r = http::built(http::json(200, &Json::from(body).to_json(Escape::Minimal)))?;
            if name.is_none() {
                r.headers_mut().append("set-cookie", &bff::clear_cookie_header()).map_err(|_| bad("header"))?;
            }
            Ok(r)
        }
        Route::Token(name) => {
            if !config::token_mediating(env) {
                return Err(Error::new(ErrorCode::NotFound, "token-mediating mode is off (TOKEN_MEDIATING)"));
            }
            config::session_connection(env, &name)?;
            let c = cookie?;
            let t: TokenAnswer =
                call_session(env, &keys, &c.session_id, &SessionOp::Token { connection: name.clone(), origin: self_origin, failed: None }).await?;
            crate::dpop_proof::refuse_bound(&name, &t.token_type, &format!("/api/{name}/…"))?;
            // only the access token and its expiry, never the refresh token
            let mut body = ObjectWriter::new();
            body.str("access_token", t.access_token.secret()).str("token_type", &t.token_type).u64_or_null("expires_at", t.expires_at);
            http::built(http::json(200, &body.finish()))
        }
        Route::Refresh(name) => {
            // rotates now; answers with fingerprints only (old → new), never a token
            config::session_connection(env, &name)?;
            let c = cookie?;
            let v: Json = call_session(env, &keys, &c.session_id, &SessionOp::Refresh { connection: name, origin: self_origin }).await?;
            let mut r = http::built(http::json(200, &v.to_json(Escape::Minimal)))?;
            if let Some(set) = bff::renewed_cookie(&keys, &c, field(&v, "session_expires_at").as_u64(), now()) {
                r.headers_mut().append("set-cookie", &set).map_err(|_| bad("header"))?;
            }
            Ok(r)
        }
        Route::AdminGrant(name) => {
            crate::admin::authorize(env, &headers)?;
            crate::admin::grant(env, &name, &self_origin).await
        }
        Route::AdminDisconnect(name) => {
            crate::admin::authorize(env, &headers)?;
            crate::admin::disconnect(env, &name).await
        }
        Route::Health(name) => {
            crate::admin::authorize(env, &headers)?;
            crate::admin::health(env, &name).await
        }
        Route::Api(name, path) => boxed(proxy(&mut req, env, &keys, cookie, &name, &api_path(&path, url.query), &self_origin, prefetched)).await,
    }
}

/// A route's answer as its own future behind a pointer (`dyn`, so it is not inlined into
/// [`handle`]'s).
fn boxed<'a>(route: impl Future<Output = Result<Response>> + 'a) -> Pin<Box<dyn Future<Output = Result<Response>> + 'a>> {
    Box::pin(route)
}

/// A session view with `connections`: every configured connection, what kind it is, whether this
/// session is signed in to it, and for an invalid one the error code and the message its own
/// routes answer (naming the field, never a secret value).
fn with_connections(all: &Connections, mut view: Json) -> Json {
    let mut list = JsonObject::new();
    for (name, c) in all.iter() {
        let signed_in = field(&view, "providers").as_object().is_some_and(|p| p.contains_key(name));
        let entry = match c {
            Ok(c) => {
                let mut s = c.summary();
                s.insert("signed_in", signed_in);
                s
            }
            Err(e) => {
                let mut o = JsonObject::new();
                o.insert("error", e.code().as_str());
                o.insert("message", e.message());
                o.insert("signed_in", false);
                o
            }
        };
        list.insert(name, entry);
    }
    if let Json::Object(o) = &mut view {
        o.insert("connections", list);
    }
    view
}
