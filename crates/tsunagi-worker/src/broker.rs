//! The broker for other Workers (Workers RPC through a service binding): the `TsunagiBroker`
//! entrypoint in `worker/shim.mjs` calls these exports. `accessToken(connection)` answers a held
//! connection's access token; `fetchApi(connection, request)` (and the entrypoint's own `fetch`,
//! `https://…/{connection}/{path}`) calls its API with the same access rules and 401/429 policy as
//! the browser's `/api`. A binding is not reachable from the internet and carries no cookie; only
//! connections marked `server = true` are served (docs/configuration.md).

use crate::admission::api_path;
use crate::config::{self, served, SERVER_ORIGIN};
use crate::messages::BrokerTokenAnswer;
use crate::proxy::{forward_held, held_token};
use crate::request_target::RequestTarget;
use crate::{bad, dpop_proof, http};
use serde::Serialize;
use serde_wasm_bindgen::Serializer;
use tsunagi_core::{Error, ErrorCode};
use wasm_bindgen::prelude::*;
use worker::worker_sys::web_sys;
use worker::{Env, IntoResponse, Request};

/// The RPC's `connection` argument as the calling Worker sent it: a string (a key of
/// `TSUNAGI_CONNECTIONS`), else [`ErrorCode::InvalidParameter`] — never coerced (`String({})`
/// would name a connection `[object Object]`). A string is no JS object, so no serde here: its
/// deserialiser's error paths print floats (13.9 KB of `f64` formatting, BENCHMARKS.md §7).
fn connection_name(connection: JsValue) -> Result<String, Error> {
    connection.as_string().ok_or_else(|| Error::new(ErrorCode::InvalidParameter, "the connection is named by a string (its key in TSUNAGI_CONNECTIONS)"))
}

/// A thrown error for the calling Worker: a JS `Error` named `TsunagiError`, its message
/// `"{code}: {message}"` (RPC keeps an Error's message), with `code` set too.
fn thrown(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&format!("{}: {}", e.code().as_str(), e.message()));
    err.set_name("TsunagiError");
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(e.code().as_str()));
    err.into()
}

/// `accessToken(connection)`: `{access_token, token_type, expires_at}` of a served connection —
/// from the isolate's memory or its object, renewed single-flight when due. Never a refresh token,
/// nor a DPoP-bound access token ([`ErrorCode::TokenBound`]: its proofs are signed in the Worker).
#[wasm_bindgen(js_name = brokerAccessToken)]
pub async fn broker_access_token(env: Env, connection: JsValue) -> std::result::Result<JsValue, JsValue> {
    let answer = async {
        let connection = connection_name(connection)?;
        let c = served(&env, &connection)?;
        let client = config::client(&env, &c, SERVER_ORIGIN).await?;
        let object = config::held_object_name(&env, &c, &client)?;
        let t = held_token(&env, &object, &c.name, SERVER_ORIGIN, None, !c.unattended).await?.set;
        dpop_proof::refuse_bound(&c.name, &t.token_type, "fetchApi")?;
        let answer = BrokerTokenAnswer { access_token: t.access_token.secret(), token_type: &t.token_type, expires_at: t.expires_at.map(|e| e.as_millis()) };
        answer.serialize(&Serializer::json_compatible()).map_err(|_| bad("the answer could not be built"))
    }
    .await;
    answer.map_err(|e| thrown(&e))
}

/// `fetchApi(connection, request)`: the request's path and query (its origin is ignored) sent to
/// the connection's API with its token. `connection` empty: the path's first segment names it
/// (the entrypoint's own `fetch`). The Worker's refusals are its JSON error answers, as on `/api`.
#[wasm_bindgen(js_name = brokerFetch)]
pub async fn broker_fetch(env: Env, connection: JsValue, request: web_sys::Request) -> std::result::Result<web_sys::Response, JsValue> {
    let mut req = Request::from(request);
    let raw_url = req.inner().url();
    let answer = async {
        let connection = connection_name(connection)?;
        let url = RequestTarget::parse(&raw_url)?;
        let (name, path) = if connection.is_empty() {
            let rest = url.path.trim_start_matches('/');
            match rest.split_once('/') {
                Some((n, p)) => (n.to_owned(), format!("/{p}")),
                None => (rest.to_owned(), "/".to_owned()),
            }
        } else {
            (connection, url.path.to_owned())
        };
        forward_held(&env, &mut req, &name, &api_path(&path, url.query), SERVER_ORIGIN).await
    }
    .await;
    let resp = match answer {
        Ok(r) => r,
        Err(e) => http::error(&e).map_err(|_| thrown(&bad("response")))?,
    };
    resp.into_raw().map_err(|_| thrown(&bad("response")))
}
