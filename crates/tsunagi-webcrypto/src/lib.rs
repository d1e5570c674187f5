//! # tsunagi-webcrypto — an id_token's signature checked by the runtime's WebCrypto
//!
//! The [`SignatureCheck`](tsunagi_flows::SignatureCheck) both runtimes give the shared verifier
//! (`tsunagi_flows::id_token`): `crypto.subtle.importKey("jwk", …)` then `verify`, through web-sys.
//! Browsers and workerd alike; wasm32 only (natively this crate is empty).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(target_arch = "wasm32")]
mod subtle;

#[cfg(target_arch = "wasm32")]
pub use subtle::WebCrypto;
