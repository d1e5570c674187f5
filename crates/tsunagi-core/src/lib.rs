// The crate's documentation is its README (crates.io shows the same text), so the README's Rust
// blocks are doctests (`cargo test -p tsunagi-core --doc`, in `make test-native`).
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod api;
pub mod authorize;
pub mod base64url;
pub mod callback;
pub mod client;
pub mod codec;
mod decimal;
#[cfg(feature = "oidc")]
pub mod discovery;
#[cfg(feature = "dpop")]
pub mod dpop;
mod error;
mod error_body;
pub mod http;
#[cfg(feature = "oidc")]
pub mod id_token;
pub mod issuer;
pub mod json;
mod json_fields;
#[cfg(feature = "oidc")]
pub mod jwks;
pub mod jwt;
mod next_step;
pub mod nonce;
#[cfg(feature = "oidc")]
pub mod par;
#[cfg(feature = "oidc")]
pub mod par_policy;
pub mod pkce;
pub mod profile;
pub mod providers;
pub mod rate_limit;
pub mod revocation;
pub mod scope;
mod scrub;
pub mod secret;
pub mod short_sort;
pub mod state;
pub mod time;
pub mod token_request;
pub mod token_response;
pub mod token_set;
pub mod uri;

pub use authorize::{AuthorizationRequest, PendingAuthorization};
pub use callback::{parse_callback, parse_callback_from};
pub use client::{Client, ClientAuth, ClientAuthMethod};
pub use error::{Error, ErrorCode, ErrorFields, Result};
pub use http::{HttpRequest, HttpResponse, Method};
pub use nonce::Nonce;
pub use pkce::{PkceChallenge, PkceVerifier};
pub use profile::{GrantType, Profile};
pub use secret::{AccessToken, AuthorizationCode, BasicCredentials, ClientId, ClientSecret, RefreshToken};
pub use state::State;
pub use time::Timestamp;
pub use token_request::Grant;
pub use token_set::{NextStep, TokenSet};
