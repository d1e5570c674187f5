//! The wasm-bindgen layer behind the npm package `tsunagi` (feature `js`).
//!
//! One typed boundary: [`handle::WasmClient`], built and validated once from the `config` object,
//! with typed methods; plain functions for what needs no config; the flows (`flow.rs`, their HTTP
//! through gloo-net: `http.rs`) and the id_token verifier (`verifier.rs`) as Promises.
//! wasm-bindgen writes their TypeScript (`tsunagi_wasm.d.ts`). Every export throws one error shape
//! (`error.rs`), which the hand-written wrapper (`js/core.js`) turns into a `TsunagiError`; nothing
//! here panics on input.

/// The allocator of the wasm modules: talc instead of the standard library's dlmalloc, smaller
/// and faster in wasm (BENCHMARKS.md). Single-threaded wasm only, as every tsunagi module is.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

mod args;
mod config;
mod dpop;
mod error;
mod flow;
mod global;
pub mod handle;
mod http;
#[cfg(feature = "lowlevel")]
pub mod lowlevel;
mod ops;
pub mod page;
mod ports;
mod tokens;
mod value;
#[cfg(feature = "oidc")]
mod verifier;

#[cfg(all(test, feature = "lowlevel"))]
mod tests;
