//! Calls to the Durable Objects: the session and held-connection stubs, one JSON operation per
//! request (200 → its answer), and an object's error body rebuilt into the same [`Error`].

use crate::bad;
use crate::bff::SessionKeys;
use crate::messages::{HeldOp, SessionOp, Wire};
use tsunagi_core::json::{self, Json};
use tsunagi_core::{Error, ErrorCode, ErrorFields, Result};
use wasm_bindgen::JsValue;
use worker::{Env, Method, Request, RequestInit, Stub};

/// Binding names in wrangler.toml.
const SESSIONS: &str = "SESSIONS";
const CONNECTIONS: &str = "CONNECTIONS";

static NULL: Json = Json::Null;

/// `v[key]` without indexing: a missing key (or a non-object) reads as `null`.
pub fn field<'a>(v: &'a Json, key: &str) -> &'a Json {
    v.as_object().and_then(|o| o.get(key)).unwrap_or(&NULL)
}

pub fn session_stub(env: &Env, keys: &SessionKeys, sid: &str) -> Result<Stub> {
    let ns = env.durable_object(SESSIONS).map_err(|_| Error::new(ErrorCode::ConfigMissing, "the SESSIONS Durable Object binding is missing"))?;
    let id = ns.id_from_name(&keys.object_name(&format!("session:{sid}"))).map_err(|_| bad("object id"))?;
    id.get_stub().map_err(|_| bad("object stub"))
}

/// The held connection object named `name`.
pub fn held_stub(env: &Env, name: &str) -> Result<Stub> {
    let ns = env.durable_object(CONNECTIONS).map_err(|_| Error::new(ErrorCode::ConfigMissing, "the CONNECTIONS Durable Object binding is missing"))?;
    ns.id_from_name(name).and_then(|id| id.get_stub()).map_err(|_| bad("object stub"))
}

/// Sends `op` to a held connection's object: 200 → its typed answer, else its error rebuilt.
pub async fn call_held<T: Wire>(stub: &Stub, op: &HeldOp) -> Result<T> {
    let text = send_to_object(stub, op.to_json()).await?;
    answer(&text).ok_or_else(|| Error::new(ErrorCode::Transport, "the connection store answered garbage"))
}

fn answer<T: Wire>(text: &str) -> Option<T> {
    T::from_json(&json::parse(text).ok()?)
}

/// Sends `op` to a session object: 200 → its typed answer; otherwise its error body is rebuilt
/// into an [`Error`] with the same code and message.
pub async fn call<T: Wire>(stub: &Stub, op: &SessionOp) -> Result<T> {
    let text = send_to_object(stub, op.to_json()).await?;
    answer(&text).ok_or_else(|| Error::new(ErrorCode::Transport, "the session store answered garbage"))
}

/// Posts `body` to an object; its answer text on 200, else its error rebuilt.
pub async fn send_to_object(stub: &Stub, body: String) -> Result<String> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(JsValue::from_str(&body)));
    let req = Request::new_with_init("https://tsunagi.internal/", &init).map_err(|_| bad("internal request"))?;
    let mut resp = stub.fetch_with_request(req).await.map_err(|_| Error::new(ErrorCode::Transport, "the session store could not be reached"))?;
    let status = resp.status_code();
    let text = resp.text().await.map_err(|_| Error::new(ErrorCode::Transport, "the session store could not be read"))?;
    if status == 200 {
        return Ok(text);
    }
    // the object's error, every field kept (tsunagi_core::ErrorFields: one shape for every hop)
    let fields = match json::parse(&text) {
        Ok(Json::Object(o)) => ErrorFields::from_object(&o),
        _ => None,
    };
    let fields = fields.ok_or_else(|| Error::new(ErrorCode::Transport, "the session store answered garbage"))?;
    Err(Error::from_fields(fields))
}
