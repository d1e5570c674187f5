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
pub const SESSIONS: &str = "SESSIONS";
const CONNECTIONS: &str = "CONNECTIONS";

static NULL: Json = Json::Null;

/// `v[key]` without indexing: a missing key (or a non-object) reads as `null`.
pub fn field<'a>(v: &'a Json, key: &str) -> &'a Json {
    v.as_object().and_then(|o| o.get(key)).unwrap_or(&NULL)
}

/// The name of session `sid`'s object in the [`SESSIONS`] namespace (a keyed hash: docs/storage.md).
pub fn session_object_name(keys: &SessionKeys, sid: &str) -> String {
    keys.object_name(&format!("session:{sid}"))
}

fn session_stub(env: &Env, keys: &SessionKeys, sid: &str) -> Result<ObjectStub> {
    let ns = env.durable_object(SESSIONS).map_err(|_| Error::new(ErrorCode::ConfigMissing, "the SESSIONS Durable Object binding is missing"))?;
    let id = ns.id_from_name(&session_object_name(keys, sid)).map_err(|_| bad("object id"))?;
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
    typed(&session_json(env, keys, sid, op).await?)
}

/// [`call_session`]'s answer before it is typed (one copy of this code for every answer type).
async fn session_json(env: &Env, keys: &SessionKeys, sid: &str, op: &SessionOp) -> Result<Json> {
    let text = op.to_json();
    if let Some(answer) = copy_of(env, sid, op, &text) {
        return Ok(answer);
    }
    if !op.keeps_copies() {
        session_copy::forget(sid);
    }
    let asked = session_copy::asked();
    let answer = object_rpc::send(&session_stub(env, keys, sid)?, &text).await;
    remember(env, sid, op, &text, asked, &answer);
    answer
}

/// What the isolate keeps of the object's answer to `op` (its JSON text `text`), asked at change
/// number `asked`: an answer to a token or signed-in question as its copy, nothing of a proof's
/// signature (it changes nothing: the copies stay); any other answer or an error forgets the
/// session's copies.
fn remember(env: &Env, sid: &str, op: &SessionOp, text: &str, asked: u64, answer: &Result<Json>) {
    match answer {
        Ok(a) if config::session_cache_ms(env) > 0 && op.may_be_copied() => session_copy::keep(sid, text, a, asked),
        Ok(_) if op.keeps_copies() => {}
        _ => session_copy::forget(sid),
    }
}

fn typed<T: Wire>(answer: &Json) -> Result<T> {
    T::from_json(answer).ok_or_else(|| Error::new(ErrorCode::Transport, "the session store answered garbage"))
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

/// What [`call_session`] would answer from the isolate's copy to `op` (its JSON text `text`),
/// without asking the object: `None` when it would have to ask.
pub fn copied_session<T: Wire>(env: &Env, sid: &str, op: &SessionOp, text: &str) -> Option<T> {
    copy_of(env, sid, op, text).as_ref().and_then(T::from_json)
}

/// What [`call_session`] does with the object's answer `envelope` to `op` (its JSON text `text`),
/// asked at change number `asked` by the hot path from JavaScript: an answer is kept as the
/// isolate's copy where `op`'s may be, an error forgets the session's copies; then the typed answer.
pub fn session_answered<T: Wire>(env: &Env, sid: &str, op: &SessionOp, text: &str, asked: u64, envelope: &str) -> Result<T> {
    let answer = object_rpc::read(envelope);
    remember(env, sid, op, text, asked, &answer);
    typed(&answer?)
}
