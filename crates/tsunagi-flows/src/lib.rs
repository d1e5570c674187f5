// The crate's documentation is its README (crates.io shows the same text), so the README's Rust
// blocks are doctests (`cargo test -p tsunagi-flows --doc`, in `make test-native`).
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod api_call;
#[cfg(feature = "oidc")]
pub mod discovery;
pub mod documents;
#[cfg(feature = "dpop")]
pub mod dpop;
pub mod exchange;
#[cfg(feature = "oidc")]
pub mod id_token;
pub mod memory;
#[cfg(feature = "oidc")]
pub mod par;
pub mod ports;
pub mod token;

pub use api_call::{ApiCall, Outcome};
#[cfg(feature = "oidc")]
pub use ports::SignatureCheck;
pub use ports::{Answer, Clock, RefreshLock, Sleep, TokenSource, TokenStore, Transport};

use tsunagi_core::Client;

/// What one flow runs with: the client (profile, credentials) and the runtime's implementations
/// of the [`ports`]. Cheap to build per call (it only borrows).
pub struct Flow<'a, T, S, L, C> {
    /// The client whose requests are built and whose responses are processed.
    pub client: &'a Client,
    /// Sends requests.
    pub transport: &'a T,
    /// Holds the token set.
    pub store: &'a S,
    /// Serialises refreshes of that store.
    pub lock: &'a L,
    /// Tells the time.
    pub clock: &'a C,
    /// Refresh this many seconds before expiry ([`tsunagi_core::token_set::DEFAULT_LEEWAY_SECS`]).
    pub leeway_secs: u64,
}

impl<T, S, L, C> Clone for Flow<'_, T, S, L, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, S, L, C> Copy for Flow<'_, T, S, L, C> {}
