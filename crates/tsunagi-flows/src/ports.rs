//! The five things a runtime provides to the flows. Futures are not `Send`: browsers and Workers
//! run one thread per isolate, and the native tests use a single-threaded executor.
#![allow(async_fn_in_trait)]

use std::future::Future;
use tsunagi::{HttpRequest, HttpResponse, Result, Timestamp, TokenSet};

/// Sends one request and returns the whole answer. Redirects are not followed (a token request's
/// secrets must never reach a `Location`); a network failure is `transport`, a time-out `timeout`.
pub trait Transport {
    /// Sends `request`.
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse>;
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
