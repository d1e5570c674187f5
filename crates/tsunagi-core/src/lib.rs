//! # tsunagi-core (つなぎ) — the sans-IO OAuth 2.0 core
//!
//! Builds OAuth 2.0 requests as plain values and processes responses, for LawVu, Logiless,
//! LegalOn and any RFC 6749 server. No I/O, no clock, no JS or Worker types: runtimes move bytes.
//! Every flow is a pair, *build request* → *process response* (as in oauth4webapi):
//!
//! ```
//! # #[cfg(feature = "lawvu")] {
//! use tsunagi_core::providers::lawvu::{LawVuConfig, LawVuEnvironment};
//! use tsunagi_core::{AuthorizationRequest, State};
//!
//! let client = LawVuConfig::new(LawVuEnvironment::Sandbox, "acme-inc", "https://acme-inc.com/auth").client()?;
//! let url = client.authorization_url(&AuthorizationRequest::default())?;
//! assert_eq!(url, "https://demo.lawvu.com/#/authorize?response_type=code&client_id=acme-inc&redirect_uri=https%3A%2F%2Facme-inc.com%2Fauth");
//! # }
//! # Ok::<(), tsunagi_core::Error>(())
//! ```
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
pub mod pkce;
pub mod profile;
pub mod providers;
pub mod rate_limit;
pub mod revocation;
pub mod scope;
mod scrub;
pub mod secret;
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
