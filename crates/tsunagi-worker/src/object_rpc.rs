//! The Worker ↔ Durable Object boundary, over Workers RPC: one typed operation (`messages.rs`,
//! JSON text) to the object's `op` method, one answer back — `{"ok": answer}` or
//! `{"error": fields}` (the core's [`ErrorFields`], one error shape for every hop). No `Request`
//! or `Response` is built on either side (it was a `fetch` with a JSON body before issue 24).

use crate::messages::Wire;
use std::future::Future;
use tsunagi_core::json::{self, Json};
use tsunagi_core::{Error, ErrorCode, ErrorFields, Result};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use worker::Stub;

#[wasm_bindgen]
extern "C" {
    /// A Durable Object stub, called through Workers RPC: `worker/shim.mjs` gives both object
    /// classes `op(text)`.
    #[derive(Clone)]
    pub type ObjectStub;
    #[wasm_bindgen(method, catch)]
    fn op(this: &ObjectStub, text: &str) -> std::result::Result<js_sys::Promise, JsValue>;
}

/// Object side: reads `text` as `Op` (else `invalid_parameter`, nothing run) and answers `run`'s
/// JSON text, or its error, in the envelope [`send`] reads.
pub async fn answer<Op: Wire, F: Future<Output = Result<String>>>(text: &str, run: impl FnOnce(Op) -> F) -> String {
    let outcome = match json::parse(text).ok().as_ref().and_then(Op::from_json) {
        Some(op) => run(op).await,
        None => Err(Error::new(ErrorCode::InvalidParameter, "bad internal request")),
    };
    match outcome {
        Ok(answer) => format!("{{\"ok\":{answer}}}"),
        Err(e) => format!("{{\"error\":{}}}", e.fields().to_json()),
    }
}

fn unreachable_store() -> Error {
    Error::new(ErrorCode::Transport, "the token store could not be reached")
}

fn garbage() -> Error {
    Error::new(ErrorCode::Transport, "the token store answered garbage")
}

/// The RPC view of a workers-rs stub.
pub fn rpc(stub: Stub) -> ObjectStub {
    stub.into_rpc()
}

/// Worker side: sends `body` to the object behind `stub`; its answer on success, else its error
/// rebuilt with the same code and message.
pub async fn send(stub: &ObjectStub, body: &str) -> Result<Json> {
    let promise = stub.op(body).map_err(|_| unreachable_store())?;
    let text = JsFuture::from(promise).await.map_err(|_| unreachable_store())?.as_string().ok_or_else(garbage)?;
    read(&text)
}

/// The object's answer in its envelope `text`: the answer, else its error rebuilt (also for an
/// answer the hot path asked for from JavaScript, `crate::hot_path`).
pub fn read(text: &str) -> Result<Json> {
    let Ok(Json::Object(mut envelope)) = json::parse(text) else {
        return Err(garbage());
    };
    if let Some(answer) = envelope.remove("ok") {
        return Ok(answer);
    }
    match envelope.remove("error") {
        Some(Json::Object(o)) => Err(Error::from_fields(ErrorFields::from_object(&o).ok_or_else(garbage)?)),
        _ => Err(garbage()),
    }
}
