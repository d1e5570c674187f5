//! The Worker's entry point, the whole path: routes each request ([`crate::admission`]), applies
//! the BFF rules ([`crate::bff`]), runs the sign-in and session routes of each configured
//! connection here, and hands `/api` to the proxy ([`crate::proxy`]); the session and
//! held-connection objects ([`crate::objects`]) hold the tokens. An `/api` call the isolate can
//! decide alone goes by the hot path in JavaScript first ([`crate::hot_path`]).

use crate::admission::{admit, api_path, cors, Admitted};
use crate::bff::{self, PendingLogin, SessionKeys, VerifiedCookie};
use crate::config;
use crate::connections::{Connection, Connections};
use crate::hot_path::Forward;
use crate::messages::{PutAnswer, SessionOp, StoredSet, TokenAnswer};
use crate::objects::{call_session, field};
use crate::proxy::{proxy, Prefetched};
use crate::request_target::RequestTarget;
use crate::routes::{method_name, Route};
use crate::runtime::Fetcher;
use crate::{bad, crypto, http, now, records};
use tsunagi_core::json::{Escape, Json, JsonObject, ObjectWriter};
use tsunagi_core::{Error, ErrorCode, Result, Timestamp};
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
    let w = |r: worker::Result<Response>| r.map_err(|_| Error::new(ErrorCode::Transport, "response could not be built"));
    match route {
        Route::Login(name) => {
            // nothing is stored server-side before a sign-in completes: the pending login travels
            // sealed in its own short-lived cookie
            let c = session_connection(env, &name)?;
            let return_to = bff::check_return_to(url.query_param("return_to").as_deref())?;
            let client = config::client(env, &c, &self_origin).await?;
            let params = c.authorize_params();
            let extra: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            // through PAR (RFC 9126) when the connection's policy says so: pushed with its client authentication
            let (step, pending) = client.begin_authorization_step(&extra)?;
            let authorize_url = tsunagi_flows::par::authorize_url(&Fetcher::new(config::timeout_ms(env)), &client, step).await?;
            let expires_at = now().plus_secs(bff::PENDING_LOGIN_SECS);
            let record = PendingLogin {
                connection: name.clone(),
                state: pending.state,
                pkce_verifier: pending.pkce_verifier,
                nonce: pending.nonce,
                return_to,
                expires_at,
            };
            let text = records::pending_login_writer(&record).finish();
            let sealed = crypto::seal(&keys, &keys.login_aad(&name), &text).await?;
            w(http::redirect(&authorize_url, &[bff::login_cookie_header(&name, &sealed)]))
        }
        Route::Callback(name) => {
            if config::connection(env, &name)?.unattended {
                // an administrator's grant: the connection's object holds the state it must match
                return crate::admin::complete(env, &name, url.url).await;
            }
            let c = session_connection(env, &name)?;
            let all_cookies = cookie_header(&headers);
            let login_cookie = bff::cookie_value(&all_cookies, &bff::login_cookie_name(&name)).map(str::to_owned);
            let binding = bff::cookie_value(&all_cookies, bff::BINDING_COOKIE_NAME);
            // the sign-in cookie is spent by its callback, whatever the outcome
            let spent = login_cookie.as_ref().map(|_| bff::login_cookie_header(&name, bff::SPENT_LOGIN));
            let pending = open_sign_in(&keys, login_cookie.as_deref(), &c).await;
            let return_to = pending.as_ref().ok().map(|p| p.return_to.clone());
            let outcome = match pending {
                Ok(p) => callback(env, &keys, cookie, binding, p, &c, &self_origin, url.url).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok((to, set)) => w(http::redirect(&to, &set.into_iter().chain(spent).collect::<Vec<_>>())),
                // a browser's navigation goes back to the app with the error code (nothing is
                // stored: the sign-in failed before any session was written)
                Err(e) if is_navigation(&headers) => {
                    let to = bff::failed_sign_in_location(return_to.as_deref(), e.code(), &name);
                    w(http::redirect(&to, &spent.into_iter().collect::<Vec<_>>()))
                }
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
                    let mut r = w(http::json(200, &v.to_json(Escape::Minimal)))?;
                    if headers.get("cookie").ok().flatten().is_some_and(|h| bff::cookie_value(&h, bff::COOKIE_NAME).is_some()) {
                        r.headers_mut().append("set-cookie", &bff::clear_cookie_header()).map_err(|_| bad("header"))?;
                    }
                    return Ok(r);
                }
            };
            let v: Json = call_session(env, &keys, &c.session_id, &SessionOp::Session).await?;
            w(http::json(200, &with_connections(&all, v).to_json(Escape::Minimal)))
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
            let mut r = w(http::json(200, &Json::from(body).to_json(Escape::Minimal)))?;
            if name.is_none() {
                r.headers_mut().append("set-cookie", &bff::clear_cookie_header()).map_err(|_| bad("header"))?;
            }
            Ok(r)
        }
        Route::Token(name) => {
            if !config::token_mediating(env) {
                return Err(Error::new(ErrorCode::NotFound, "token-mediating mode is off (TOKEN_MEDIATING)"));
            }
            session_connection(env, &name)?;
            let c = cookie?;
            let t: TokenAnswer =
                call_session(env, &keys, &c.session_id, &SessionOp::Token { connection: name.clone(), origin: self_origin, failed: None }).await?;
            crate::dpop_proof::refuse_bound(&name, &t.token_type, &format!("/api/{name}/…"))?;
            // only the access token and its expiry, never the refresh token
            let mut body = ObjectWriter::new();
            body.str("access_token", t.access_token.secret()).str("token_type", &t.token_type).u64_or_null("expires_at", t.expires_at);
            w(http::json(200, &body.finish()))
        }
        Route::Refresh(name) => {
            // rotates now; answers with fingerprints only (old → new), never a token
            session_connection(env, &name)?;
            let c = cookie?;
            let v: Json = call_session(env, &keys, &c.session_id, &SessionOp::Refresh { connection: name, origin: self_origin }).await?;
            let mut r = w(http::json(200, &v.to_json(Escape::Minimal)))?;
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
        Route::Api(name, path) => proxy(&mut req, env, &keys, cookie, &name, &api_path(&path, url.query), &self_origin, prefetched).await,
    }
}

/// The connection `name`, which browsers sign in to: a held one (client credentials, unattended)
/// has no sign-in, refresh or token route ([`ErrorCode::NotFound`]).
fn session_connection(env: &Env, name: &str) -> Result<Connection> {
    let c = config::connection(env, name)?;
    if !c.is_session() {
        return Err(Error::new(
            ErrorCode::NotFound,
            format!("connection '{name}' is held for the deployment (client credentials or unattended): browsers do not sign in to it"),
        ));
    }
    Ok(c)
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

/// The sign-in this browser started for `c`: its sealed cookie opened, live and for `c`. No
/// cookie is [`ErrorCode::SessionMissing`]; a spent, expired, foreign or unreadable one
/// [`ErrorCode::StateMismatch`] (the sign-in is over).
async fn open_sign_in(keys: &SessionKeys, login_cookie: Option<&str>, c: &Connection) -> Result<PendingLogin> {
    let over = || Error::new(ErrorCode::StateMismatch, "this sign-in is over (already completed, refused or expired): nothing was exchanged");
    let sealed = match login_cookie {
        None => return Err(Error::new(ErrorCode::SessionMissing, "no sign-in is in progress in this browser: start at /auth/{connection}/login")),
        Some(bff::SPENT_LOGIN) => return Err(over()),
        Some(v) => v,
    };
    let text = crypto::open(keys, &keys.login_aad(&c.name), sealed).await.map_err(|_| over())?;
    let pending = records::object(&text).as_ref().and_then(records::pending_login_from).ok_or_else(over)?;
    if !pending.is_live(now()) || pending.connection != c.name {
        return Err(over());
    }
    Ok(pending)
}

/// The callback of `pending`: a **fresh session id**, whose object checks the `state` and
/// exchanges the code ([`SessionOp::Exchange`]) — storing nothing unless both pass — then a new cookie (RFC 6819 §4.2.4 / OWASP session fixation: an id
/// issued before a sign-in never grants the signed-in session). The browser's earlier session, if
/// its cookie verifies, is emptied, so any copy of the old cookie grants nothing; its other
/// connections move to the new session only when the browser also presents that session's
/// binding cookie (`binding`, [`bff::BINDING_COOKIE_NAME`]): a session cookie planted alone hands
/// the victim nothing of the planter's (issue 21 item 12). Answers `(return_to, Set-Cookie
/// values)`: the session cookie and its binding.
#[allow(clippy::too_many_arguments)]
async fn callback(
    env: &Env,
    keys: &SessionKeys,
    old: Result<VerifiedCookie>,
    binding: Option<&str>,
    pending: PendingLogin,
    c: &Connection,
    origin: &str,
    url: &str,
) -> Result<(String, Vec<String>)> {
    // the exchange runs in the fresh session's object (the shared flow: state check, code +
    // verifier, the answer parsed as the answer to that request, an OpenID sign-in's id_token
    // verified; a DPoP connection's key made there and never anywhere else): the set is stored
    // only once all of that passed, and a failure leaves that object empty
    let sid = bff::session_id_from_entropy(&random_32()?);
    let return_to = pending.return_to.clone();
    let exchange = SessionOp::Exchange { connection: c.name.clone(), origin: origin.to_owned(), callback_url: url.to_owned(), pending };
    let mut put: PutAnswer = call_session(env, keys, &sid, &exchange).await?;
    if let Ok(old) = old {
        // best effort: a session that cannot be read keeps nothing worth moving; one this browser
        // cannot show its binding for is emptied and its sets dropped. A DPoP-bound set's key
        // moves with it (object to object, docs/storage.md).
        if let Ok(taken) = call_session::<Vec<StoredSet>>(env, keys, &old.session_id, &SessionOp::Take).await {
            if bff::binding_matches(keys, &old.session_id, binding) {
                let sets: Vec<StoredSet> = taken.into_iter().filter(|s| s.connection != c.name).collect();
                if !sets.is_empty() {
                    put = call_session(env, keys, &sid, &SessionOp::Put { sets }).await?;
                }
            }
        }
    }
    let exp = put.session_expires_at.map(Timestamp::from_millis).unwrap_or_else(|| now().plus_secs(3600));
    let max_age = now().millis_until(exp) / 1000;
    Ok((return_to, vec![bff::set_cookie_header(&bff::sign_cookie(keys, &sid, exp), max_age), bff::binding_cookie_header(keys, &sid)]))
}

/// Whether the request is a browser's navigation ([`bff::is_navigation`]).
fn is_navigation(headers: &Headers) -> bool {
    let get = |name: &str| headers.get(name).ok().flatten();
    bff::is_navigation(get("accept").as_deref(), get("sec-fetch-mode").as_deref())
}

fn cookie_header(headers: &Headers) -> String {
    headers.get("cookie").ok().flatten().unwrap_or_default()
}

fn random_32() -> Result<[u8; 32]> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|_| Error::new(ErrorCode::InvalidConfig, "no random source"))?;
    Ok(b)
}
