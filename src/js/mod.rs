//! The wasm-bindgen layer behind the npm package `tsunagi` (feature `js`).
//!
//! One typed boundary: [`handle::WasmClient`], built and validated once from the `config` object,
//! with typed methods; plain functions for what needs no config; the flows (`flow.rs`, their HTTP
//! through gloo-net: `http.rs`) and the id_token verifier (`verifier.rs`) as Promises.
//! wasm-bindgen writes their TypeScript (`tsunagi_wasm.d.ts`). Every export throws one error shape
//! (`error.rs`), which the hand-written wrapper (`js/core.js`) turns into a `TsunagiError`; nothing
//! here panics on input.

mod args;
mod config;
mod error;
mod flow;
mod global;
pub mod handle;
mod http;
mod ops;
pub mod page;
mod ports;
mod tokens;
mod value;
#[cfg(feature = "oidc")]
mod verifier;

#[cfg(test)]
mod tests;
