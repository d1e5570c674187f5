//! Fault injection: queued faults per (provider, endpoint), consumed one per request by the
//! middleware in `fault_layer.rs` that sits in front of the handlers, so a faulted token request
//! never touches (or burns) a code or refresh token.

use axum::http::HeaderValue;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

/// Which provider a fault targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Lawvu,
    Logiless,
    Legalon,
}

/// Which endpoint of the provider a fault targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    Token,
    Api,
}

/// What happens to the faulted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 401 `invalid_token` (RFC 6750 §3.1), as for an access token the provider revoked.
    Status401,
    Status500,
    Status503,
    DelayMs,
    Close,
    MalformedBody,
    /// A 3xx (`status`, default 307) to `location`, with no body.
    Redirect,
    /// 200 with [`HUGE_BODY_BYTES`] of filler streamed chunked, without `Content-Length`.
    HugeChunkedBody,
}

/// Size of the `huge_chunked_body` answer: 1 GiB, far more than any client should buffer (a
/// client that stops at its bound hangs up long before the end).
pub const HUGE_BODY_BYTES: usize = 1024 * 1024 * 1024;
pub const HUGE_CHUNK_BYTES: usize = 64 * 1024;

/// `POST /__sandbox/faults` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    pub provider: Provider,
    pub endpoint: Endpoint,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// `redirect` only: the `Location` to send.
    #[serde(default)]
    pub location: Option<String>,
    /// `redirect` only: 301, 302, 303, 307 (default) or 308.
    #[serde(default)]
    pub status: Option<u16>,
}

fn one() -> u32 {
    1
}

/// One queued fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub delay_ms: u64,
    /// `redirect`: status and `Location`.
    pub redirect: Option<(u16, HeaderValue)>,
}

/// Marker put in a response's extensions: the server drops the connection
/// instead of writing the response.
#[derive(Debug, Clone, Copy)]
pub struct CloseConnection;

/// Pending faults.
#[derive(Debug, Default, Clone)]
pub struct Faults {
    queues: HashMap<(Provider, Endpoint), VecDeque<Fault>>,
}

impl Faults {
    /// Queues `count` faults. Returns an error message on invalid input.
    pub fn inject(&mut self, req: &FaultRequest) -> Result<usize, String> {
        if req.count == 0 || req.count > 10_000 {
            return Err("count must be between 1 and 10000".into());
        }
        let delay_ms = match (req.kind, req.delay_ms) {
            (FaultKind::DelayMs, Some(ms)) if ms <= 600_000 => ms,
            (FaultKind::DelayMs, _) => return Err("delay_ms (0..=600000) is required for kind delay_ms".into()),
            _ => 0,
        };
        let redirect = match (req.kind, req.location.as_deref(), req.status) {
            (FaultKind::Redirect, Some(loc), status) => {
                let status = status.unwrap_or(307);
                if ![301, 302, 303, 307, 308].contains(&status) {
                    return Err("status must be 301, 302, 303, 307 or 308".into());
                }
                let loc = HeaderValue::from_str(loc).map_err(|_| "location is not a valid header value".to_string())?;
                Some((status, loc))
            }
            (FaultKind::Redirect, None, _) => return Err("location is required for kind redirect".into()),
            (_, None, None) => None,
            _ => return Err("location and status are only for kind redirect".into()),
        };
        let q = self.queues.entry((req.provider, req.endpoint)).or_default();
        for _ in 0..req.count {
            q.push_back(Fault { kind: req.kind, delay_ms, redirect: redirect.clone() });
        }
        Ok(q.len())
    }

    /// Takes the next fault for an endpoint, if any.
    pub fn take(&mut self, p: Provider, e: Endpoint) -> Option<Fault> {
        self.queues.get_mut(&(p, e)).and_then(VecDeque::pop_front)
    }

    /// Pending faults as JSON for `GET /__sandbox/faults`.
    pub fn snapshot(&self) -> serde_json::Value {
        let mut out = Vec::new();
        for ((p, e), q) in &self.queues {
            for f in q {
                let mut v = serde_json::json!({"provider": p, "endpoint": e, "kind": f.kind, "delay_ms": f.delay_ms});
                if let Some((status, loc)) = &f.redirect {
                    v["status"] = (*status).into();
                    v["location"] = loc.to_str().unwrap_or_default().into();
                }
                out.push(v);
            }
        }
        serde_json::Value::Array(out)
    }
}
