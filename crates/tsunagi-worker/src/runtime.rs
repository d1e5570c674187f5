//! The Worker's implementations of the flows' ports: the runtime's `fetch` (answers streamed,
//! bodies read only when a flow needs them), the clock, and `setTimeout`-backed sleeping. The
//! stores and locks live with the objects that own them (session.rs, legalon.rs).

use crate::http::{self, Head};
use tsunagi_core::{HttpRequest, HttpResponse, Result, Timestamp};
use tsunagi_flows::{Answer, Clock, Sleep, Transport};
use worker::{Delay, Storage};

/// Upstream requests through the runtime's `fetch`, each within `timeout_ms` (head and body).
pub struct Fetcher {
    /// How long one request may take.
    pub timeout_ms: u64,
}

impl Transport for Fetcher {
    type Answer = Head;
    async fn send(&self, request: &HttpRequest) -> Result<Head> {
        http::send_head(request, self.timeout_ms).await
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
