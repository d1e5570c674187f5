//! The things a runtime provides to the flows (and, for an id_token, its signature check). Futures are not `Send`: browsers and Workers
//! run one thread per isolate, and the native tests use a single-threaded executor.
#![allow(async_fn_in_trait)]

use std::future::Future;
#[cfg(feature = "oidc")]
use tsunagi_core::id_token::JwsAlgorithm;
use tsunagi_core::{HttpRequest, HttpResponse, Result, Timestamp, TokenSet};

/// Sends one request. Redirects are not followed (a token request's secrets must never reach a
/// `Location`); a network failure is `transport`, a time-out `timeout`.
pub trait Transport {
    /// The answer: status and headers at once, the body when asked for. A runtime that streams
    /// bodies on (the Worker) reads it only when the flow needs it.
    type Answer: Answer;
    /// Sends `request`.
    async fn send(&self, request: &HttpRequest) -> Result<Self::Answer>;
}

/// An answer whose body may not have been read yet.
pub trait Answer {
    /// Status and headers (the body may be empty until [`Answer::read`]).
    fn head(&self) -> &HttpResponse;
    /// The whole answer, body read (within the runtime's bounds).
    async fn read(self) -> Result<HttpResponse>;
}

impl Answer for HttpResponse {
    fn head(&self) -> &HttpResponse {
        self
    }
    async fn read(self) -> Result<HttpResponse> {
        Ok(self)
    }
}

/// Where one client's token set lives (browser storage, a Durable Object, memory).
pub trait TokenStore {
    /// The stored set, if any.
    async fn load(&self) -> Result<Option<TokenSet>>;
    /// Replaces the stored set. Durable when it returns: callers are answered only afterwards.
    async fn store(&self, tokens: &TokenSet) -> Result<()>;
    /// Forgets the set (the grant is gone).
    async fn clear(&self) -> Result<()>;
}

/// Runs work exclusively for one store: across tabs (`navigator.locks`), inside one Durable
/// Object, or in one process. Callers re-read the store after taking it (another holder may have
/// refreshed meanwhile), which makes a refresh single-flight.
pub trait RefreshLock {
    /// Runs `work` while holding the lock.
    async fn exclusive<F: Future>(&self, work: F) -> F::Output;
}

/// Where the API loop gets its token: a local [`Flow`](crate::Flow), or a runtime's remote one
/// (the Worker asks its session's Durable Object).
pub trait TokenSource {
    /// A usable token set; `rejected` is the fingerprint of an access token the API just refused.
    async fn token(&self, rejected: Option<&str>) -> Result<TokenSet>;
}

/// The time, injected (sandbox clocks, tests).
pub trait Clock {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// Waiting, injected (a 429's reset).
pub trait Sleep {
    /// Resolves after `ms` milliseconds.
    async fn sleep(&self, ms: u64);
}

#[cfg(feature = "oidc")]
/// Checks a JWS signature (RFC 7515 §5.2) with a public key: WebCrypto in the browser and the
/// Worker (`tsunagi-webcrypto`), anything equivalent elsewhere.
pub trait SignatureCheck {
    /// Whether `signature` is `alg`'s signature of `signing_input` by the public JWK `jwk` (JSON
    /// text, as [`tsunagi_core::jwks::select_jwk`] returns it). `Ok(false)` when it does not verify;
    /// an error when the key cannot be used: `unsupported_algorithm` (the runtime lacks `alg`),
    /// `id_token_signature_invalid` (a key the runtime refuses).
    async fn verify(&self, alg: JwsAlgorithm, jwk: &str, signing_input: &[u8], signature: &[u8]) -> Result<bool>;
}
