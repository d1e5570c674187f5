//! The two routes of a browser's sign-in: `GET /auth/{connection}/login` starts it (the
//! authorization request, pushed first when the connection uses PAR, and the sign-in in progress
//! sealed in its own short-lived cookie) and `GET /auth/{connection}/callback` ends it (a fresh
//! session whose object exchanges the code, then the new cookies). Nothing is stored server-side
//! before the exchange has passed.

use crate::admission::cookie_header;
use crate::bff::{self, PendingLogin, SessionKeys, VerifiedCookie};
use crate::connections::Connection;
use crate::messages::{PutAnswer, SessionOp, StoredSet};
use crate::objects::call_session;
use crate::request_target::RequestTarget;
use crate::runtime::Fetcher;
use crate::{bad, config, crypto, http, now, records};
use tsunagi_core::{Error, ErrorCode, Result, Timestamp};
use worker::{Env, Headers, Response};

/// `GET /auth/{name}/login`: a redirect to the authorization endpoint of session connection
/// `name` (RFC 6749 §4.1.1, PKCE RFC 7636, through PAR RFC 9126 when its policy says so), with
/// the sign-in in progress (`state`, verifier, nonce, `return_to`) sealed in its own cookie.
pub async fn login(env: &Env, keys: &SessionKeys, name: &str, url: &RequestTarget<'_>) -> Result<Response> {
    let c = config::session_connection(env, name)?;
    let return_to = bff::check_return_to(url.query_param("return_to").as_deref())?;
    let client = config::client(env, &c, &url.origin).await?;
    let params = c.authorize_params();
    let extra: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // through PAR (RFC 9126) when the connection's policy says so: pushed with its client authentication
    let (step, pending) = client.begin_authorization_step(&extra)?;
    let authorize_url = tsunagi_flows::par::authorize_url(&Fetcher::new(config::timeout_ms(env)), &client, step).await?;
    let expires_at = now().plus_secs(bff::PENDING_LOGIN_SECS);
    let record =
        PendingLogin { connection: name.to_owned(), state: pending.state, pkce_verifier: pending.pkce_verifier, nonce: pending.nonce, return_to, expires_at };
    let text = records::pending_login_writer(&record).finish();
    let sealed = crypto::seal(keys, &keys.login_aad(name), &text).await?;
    http::built(http::redirect(&authorize_url, &[bff::login_cookie_header(name, &sealed)]))
}

/// `GET /auth/{name}/callback`: the end of the sign-in this browser started (its cookie is spent
/// whatever the outcome) — a redirect to its `return_to` with the new session's cookies, or, for a
/// browser's navigation, back to the app with the error code. An unattended connection's callback
/// is an administrator's grant ([`crate::admin::complete`]).
pub async fn callback(
    env: &Env,
    keys: &SessionKeys,
    cookie: Result<VerifiedCookie>,
    name: &str,
    url: &RequestTarget<'_>,
    headers: &Headers,
) -> Result<Response> {
    if config::connection(env, name)?.unattended {
        // an administrator's grant: the connection's object holds the state it must match
        return crate::admin::complete(env, name, url.url).await;
    }
    let c = config::session_connection(env, name)?;
    let all_cookies = cookie_header(headers);
    let login_cookie = bff::cookie_value(&all_cookies, &bff::login_cookie_name(name)).map(str::to_owned);
    let binding = bff::cookie_value(&all_cookies, bff::BINDING_COOKIE_NAME);
    // the sign-in cookie is spent by its callback, whatever the outcome
    let spent = login_cookie.as_ref().map(|_| bff::login_cookie_header(name, bff::SPENT_LOGIN));
    let pending = open_sign_in(keys, login_cookie.as_deref(), &c).await;
    let return_to = pending.as_ref().ok().map(|p| p.return_to.clone());
    let outcome = match pending {
        Ok(p) => new_session(env, keys, cookie, binding, p, &c, &url.origin, url.url).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok((to, set)) => http::built(http::redirect(&to, &set.into_iter().chain(spent).collect::<Vec<_>>())),
        // a browser's navigation goes back to the app with the error code (nothing is
        // stored: the sign-in failed before any session was written)
        Err(e) if is_navigation(headers) => {
            let to = bff::failed_sign_in_location(return_to.as_deref(), e.code(), name);
            http::built(http::redirect(&to, &spent.into_iter().collect::<Vec<_>>()))
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
async fn new_session(
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

fn random_32() -> Result<[u8; 32]> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|_| Error::new(ErrorCode::InvalidConfig, "no random source"))?;
    Ok(b)
}
