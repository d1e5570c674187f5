//! The Worker's implementations of the flows' ports: the runtime's `fetch` (answers streamed,
//! bodies read only when a flow needs them), the clock, and `setTimeout`-backed sleeping. The
//! stores and locks live with the objects that own them (session.rs, legalon.rs).

use crate::http::{self, Head};
use std::cell::RefCell;
use tsunagi_core::{HttpRequest, HttpResponse, Result, Timestamp};
use tsunagi_flows::{Answer, Clock, Sleep, Transport};
use worker::{Delay, Storage};

/// Upstream requests through the runtime's `fetch`, each within `timeout_ms` (head and body).
/// The first send may have been answered already: the proxied call's hot path sends its request
/// from JavaScript and hands an answer the API loop must act on back here (`crate::hot_path`).
pub struct Fetcher {
    /// How long one request may take.
    timeout_ms: u64,
    /// The first send's answer, when it was received before.
    answered: RefCell<Option<Result<Head>>>,
}

impl Fetcher {
    /// Every request sent within `timeout_ms`.
    pub fn new(timeout_ms: u64) -> Self {
        Self::answered(timeout_ms, None)
    }

    /// The first request already answered with `first` (if given), the others sent.
    pub fn answered(timeout_ms: u64, first: Option<Result<Head>>) -> Self {
        Fetcher { timeout_ms, answered: RefCell::new(first) }
    }
}

impl Transport for Fetcher {
    type Answer = Head;
    async fn send(&self, request: &HttpRequest) -> Result<Head> {
        let first = self.answered.borrow_mut().take();
        match first {
            Some(answer) => answer,
            None => http::send_head(request, self.timeout_ms).await,
        }
    }
}

impl Answer for Head {
    fn head(&self) -> &HttpResponse {
        &self.response
    }
    async fn read(self) -> Result<HttpResponse> {
        Head::read(self).await
    }
}

/// The Worker's clock (`Date.now()`; frozen during a request in production workerd).
pub struct WorkerClock;

impl Clock for WorkerClock {
    fn now(&self) -> Timestamp {
        crate::now()
    }
}

/// Waits with the runtime's timer.
pub struct Timer;

impl Sleep for Timer {
    async fn sleep(&self, ms: u64) {
        Delay::from(std::time::Duration::from_millis(ms)).await;
    }
}

/// Sets a Durable Object's alarm to the absolute time `at` (ms since the epoch). workers-rs reads
/// an integer as an offset from now, not as a time: this converts (an `at` in the past fires at
/// once).
pub async fn set_alarm_at(storage: &Storage, at_ms: u64) -> worker::Result<()> {
    let offset = at_ms.saturating_sub(crate::now().as_millis());
    storage.set_alarm(i64::try_from(offset).unwrap_or(i64::MAX)).await
}

/// The Worker's clock.
pub(crate) fn now() -> Timestamp {
    Timestamp::from_millis(js_sys::Date::now().max(0.0) as u64)
}
