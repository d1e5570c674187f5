//! # tsunagi-worker — the Cloudflare Worker backend-for-frontend (RFC 10017 §6.1)
//!
//! Runs the confidential flows, keeps token sets server-side (Durable Objects, encrypted) and
//! proxies API calls for the SPA behind an HttpOnly session cookie. The BFF rules ([`bff`],
//! [`request_target`]) are plain functions, tested natively; the runtime side (workers-rs) exists
//! on wasm32 only. Routes and rules: README "Worker"; storage: docs/storage.md.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

/// The Worker's allocator: talc instead of the standard library's dlmalloc, smaller and faster
/// in wasm (the npm package's modules use it too). Workers run one thread per isolate.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub mod bff;
pub mod connections;
pub mod dpop_proof;
pub mod messages;
pub mod provider_fields;
pub mod records;
pub mod request_target;
pub mod schedule;

#[cfg(target_arch = "wasm32")]
mod admin;
#[cfg(target_arch = "wasm32")]
mod admission;
#[cfg(target_arch = "wasm32")]
mod broker;
#[cfg(target_arch = "wasm32")]
mod config;
#[cfg(target_arch = "wasm32")]
mod crypto;
#[cfg(target_arch = "wasm32")]
mod dpop_key;
#[cfg(target_arch = "wasm32")]
mod dpop_remote;
#[cfg(target_arch = "wasm32")]
mod entry;
#[cfg(target_arch = "wasm32")]
mod hot_path;
#[cfg(target_arch = "wasm32")]
mod http;
// the `#[durable_object]` macro generates undocumented glue
#[cfg(target_arch = "wasm32")]
#[allow(missing_docs)]
mod held;
#[cfg(target_arch = "wasm32")]
mod held_copy;
#[cfg(target_arch = "wasm32")]
mod jwks_cache;
#[cfg(target_arch = "wasm32")]
mod object_rpc;
#[cfg(target_arch = "wasm32")]
mod objects;
#[cfg(target_arch = "wasm32")]
mod proxy;
#[cfg(target_arch = "wasm32")]
mod refreshed;
#[cfg(target_arch = "wasm32")]
mod revoke;
#[cfg(target_arch = "wasm32")]
mod routes;
#[cfg(target_arch = "wasm32")]
mod runtime;
#[cfg(target_arch = "wasm32")]
mod sealed;
#[cfg(target_arch = "wasm32")]
#[allow(missing_docs)]
mod session;
#[cfg(target_arch = "wasm32")]
mod session_copy;
#[cfg(target_arch = "wasm32")]
mod sign_in;
#[cfg(target_arch = "wasm32")]
mod sign_in_routes;
#[cfg(target_arch = "wasm32")]
mod stored;

#[cfg(target_arch = "wasm32")]
pub use held::TsunagiConnection;
#[cfg(target_arch = "wasm32")]
use http::bad;
#[cfg(target_arch = "wasm32")]
use runtime::now;
#[cfg(target_arch = "wasm32")]
pub use session::TsunagiSession;
