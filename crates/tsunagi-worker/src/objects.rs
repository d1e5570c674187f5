//! Calls to the Durable Objects: the session and held-connection stubs, one typed operation per
//! call over Workers RPC ([`object_rpc`]), and an object's error rebuilt into the same [`Error`].

use crate::bff::SessionKeys;
use crate::messages::{HeldOp, SessionOp, Wire};
use crate::{bad, config, object_rpc, session_copy};
use tsunagi_core::json::Json;
use tsunagi_core::{Error, ErrorCode, Result};
use worker::Env;

pub use crate::object_rpc::ObjectStub;

/// Binding names in wrangler.toml.
const SESSIONS: &str = "SESSIONS";
const CONNECTIONS: &str = "CONNECTIONS";

static NULL: Json = Json::Null;

/// `v[key]` without indexing: a missing key (or a non-object) reads as `null`.
pub fn field<'a>(v: &'a Json, key: &str) -> &'a Json {
    v.as_object().and_then(|o| o.get(key)).unwrap_or(&NULL)
}

fn session_stub(env: &Env, keys: &SessionKeys, sid: &str) -> Result<ObjectStub> {
    let ns = env.durable_object(SESSIONS).map_err(|_| Error::new(ErrorCode::ConfigMissing, "the SESSIONS Durable Object binding is missing"))?;
    let id = ns.id_from_name(&keys.object_name(&format!("session:{sid}"))).map_err(|_| bad("object id"))?;
    id.get_stub().map(object_rpc::rpc).map_err(|_| bad("object stub"))
}

/// The held connection object named `name`.
pub fn held_stub(env: &Env, name: &str) -> Result<ObjectStub> {
    let ns = env.durable_object(CONNECTIONS).map_err(|_| Error::new(ErrorCode::ConfigMissing, "the CONNECTIONS Durable Object binding is missing"))?;
    ns.id_from_name(name).and_then(|id| id.get_stub()).map(object_rpc::rpc).map_err(|_| bad("object stub"))
}

/// Sends `op` to a held connection's object: its typed answer, else its error rebuilt.
pub async fn call_held<T: Wire>(stub: &ObjectStub, op: &HeldOp) -> Result<T> {
    let answer = object_rpc::send(stub, &op.to_json()).await?;
    T::from_json(&answer).ok_or_else(|| Error::new(ErrorCode::Transport, "the connection store answered garbage"))
}

/// Sends `op` to session `sid`'s object: its typed answer; otherwise its error rebuilt into an
/// [`Error`] with the same code and message. A token or the signed-in list may come from the
/// isolate's copy of an answer under `SESSION_CACHE_SECS` old ([`session_copy`]); any other
/// operation, and any error, forgets the session's copies.
pub async fn call_session<T: Wire>(env: &Env, keys: &SessionKeys, sid: &str, op: &SessionOp) -> Result<T> {
    let text = op.to_json();
    let copied = config::session_cache_ms(env) > 0 && op.may_be_copied();
    let answer = match copy_of(env, sid, op, &text) {
        Some(answer) => answer,
        None => {
            if !op.keeps_copies() {
                session_copy::forget(sid);
            }
            let asked = session_copy::asked();
            let answer = object_rpc::send(&session_stub(env, keys, sid)?, &text).await;
            match &answer {
                Ok(a) if copied => session_copy::keep(sid, &text, a, asked),
                // a proof's signature changes nothing: the copies stay
                Ok(_) if op.keeps_copies() => {}
                _ => session_copy::forget(sid),
            }
            answer?
        }
    };
    T::from_json(&answer).ok_or_else(|| Error::new(ErrorCode::Transport, "the session store answered garbage"))
}

/// The isolate's copy of session `sid`'s answer to `op` (its JSON text `text`), if it may be
/// used now ([`session_copy`]).
fn copy_of(env: &Env, sid: &str, op: &SessionOp, text: &str) -> Option<Json> {
    let ttl_ms = config::session_cache_ms(env);
    if ttl_ms == 0 || !op.may_be_copied() {
        return None;
    }
    session_copy::get(sid, text, ttl_ms)
}

/// What [`call_session`] would answer from the isolate's copy, without asking the object: `None`
/// when it would have to ask.
pub fn copied_session<T: Wire>(env: &Env, sid: &str, op: &SessionOp) -> Option<T> {
    copy_of(env, sid, op, &op.to_json()).as_ref().and_then(T::from_json)
}
