//! # tsunagi-webcrypto — an id_token's signature checked by the runtime's WebCrypto
//!
//! The [`SignatureCheck`](tsunagi_flows::SignatureCheck) both runtimes give the shared verifier
//! (`tsunagi_flows::id_token`): `crypto.subtle.importKey("jwk", …)` then `verify`, through web-sys.
//! Browsers and workerd alike; it compiles natively for the runtimes' native tests, where
//! nothing calls it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod subtle;

pub use subtle::WebCrypto;
