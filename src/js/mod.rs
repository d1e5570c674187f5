//! The wasm-bindgen layer behind the npm package `tsunagi` (feature `js`).
//!
//! The boundary is deliberately thin: one export, [`call`], takes an operation name and its
//! arguments as JSON text and returns text (JSON or a plain string); errors come back as the
//! JSON of a core [`Error`](crate::Error), which the hand-written wrapper (`js/core.js`) turns into
//! a `TsunagiError`. Strings cross, JSON is parsed on each side: crossing the boundary is what
//! costs (see the toolchain notes), and nothing here can panic on input.

mod args;
mod config;
mod error;
mod ops;
mod tokens;

#[cfg(test)]
mod tests;

use wasm_bindgen::prelude::wasm_bindgen;

/// Runs operation `op` with the JSON arguments `args`. `Err` holds the error's JSON text.
#[wasm_bindgen]
pub fn call(op: &str, args: &str) -> Result<String, String> {
    ops::dispatch(op, args).map_err(|e| error::to_json(&e))
}
