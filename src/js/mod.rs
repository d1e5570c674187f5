//! The wasm-bindgen layer behind the npm package `tsunagi` (feature `js`).
//!
//! The boundary is deliberately thin: one export, [`call`], takes an operation name, its
//! arguments as JSON text, the `config` as its own JSON text (the built client is reused while
//! that text is unchanged) and a response body as is, and returns text (JSON or a plain string);
//! errors come back as the JSON of a core [`Error`](tsunagi_core::Error), which the hand-written wrapper
//! (`js/core.js`) turns into a `TsunagiError`. Strings cross, JSON is parsed on each side:
//! crossing the boundary is what costs (see the toolchain notes); nothing here panics on input.

mod args;
mod config;
mod dispatch;
mod error;
mod flow;
#[cfg(feature = "gloo-net")]
mod gloo;
mod ops;
mod revocation;
mod tokens;
mod verifier;

#[cfg(test)]
mod tests;

use wasm_bindgen::prelude::wasm_bindgen;

/// Runs operation `op` with the JSON arguments `args`, the JSON text of the `config` object (`""`
/// when the operation takes none) and a response `body` (`""` when none). `Err` holds the error's
/// JSON text.
#[wasm_bindgen]
pub fn call(op: &str, args: &str, config: &str, body: &str) -> Result<String, String> {
    dispatch::dispatch(op, args, &ops::Side { config, body }).map_err(|e| error::to_json(&e))
}
