//! # tsunagi-webcrypto — an id_token's signature checked by the runtime's WebCrypto
//!
//! The [`SignatureCheck`](tsunagi_flows::SignatureCheck) both runtimes give the shared verifier
//! (`tsunagi_flows::id_token`): `crypto.subtle.importKey("jwk", …)` then `verify`, through web-sys.
//! And the DPoP proof key (RFC 9449, [`WebCryptoProofKey`]): a non-extractable ECDSA P-256 pair.
//! Browsers and workerd alike; it compiles natively for the runtimes' native tests, where
//! nothing calls it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(feature = "dpop")]
mod proof_key;
#[cfg(any(feature = "oidc", feature = "dpop"))]
mod subtle;

#[cfg(feature = "dpop")]
pub use proof_key::{generate_pair, WebCryptoProofKey};
#[cfg(feature = "oidc")]
pub use subtle::WebCrypto;
