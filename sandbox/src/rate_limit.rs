//! Fixed-window rate limiter on the sandbox clock, producing the
//! `X-RateLimit-Limit/Remaining/Reset` values (Reset = whole seconds until
//! the current window ends, rounded up).

use crate::config::RateLimitConfig;
use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// One fixed window: opens on the first counted request.
#[derive(Debug, Clone)]
pub struct FixedWindow {
    cfg: RateLimitConfig,
    window_start_ms: Option<i64>,
    count: u32,
}

/// What a request sees: the header values and whether it may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    pub reset_secs: i64,
}

impl FixedWindow {
    pub fn new(cfg: RateLimitConfig) -> Self {
        Self { cfg, window_start_ms: None, count: 0 }
    }

    fn window_ms(&self) -> i64 {
        i64::from(self.cfg.window_secs) * 1000
    }

    fn roll(&mut self, now_ms: i64) {
        if let Some(start) = self.window_start_ms {
            if now_ms >= start + self.window_ms() || now_ms < start {
                self.window_start_ms = None;
                self.count = 0;
            }
        }
    }

    fn decision(&self, now_ms: i64, allowed: bool) -> Decision {
        let reset_ms = match self.window_start_ms {
            Some(start) => start + self.window_ms() - now_ms,
            None => self.window_ms(),
        };
        Decision { allowed, limit: self.cfg.limit, remaining: self.cfg.limit.saturating_sub(self.count), reset_secs: ((reset_ms + 999) / 1000).max(1) }
    }

    /// Current state without counting (for requests that do not count).
    pub fn peek(&mut self, now_ms: i64) -> Decision {
        self.roll(now_ms);
        let allowed = self.count < self.cfg.limit;
        self.decision(now_ms, allowed)
    }

    /// Counts one request if there is room; a refused request is not counted.
    pub fn hit(&mut self, now_ms: i64) -> Decision {
        self.roll(now_ms);
        if self.count >= self.cfg.limit {
            return self.decision(now_ms, false);
        }
        if self.window_start_ms.is_none() {
            self.window_start_ms = Some(now_ms);
        }
        self.count += 1;
        self.decision(now_ms, true)
    }
}

impl Decision {
    /// Writes the three `X-RateLimit-*` headers.
    pub fn apply(&self, headers: &mut HeaderMap) {
        let set = |h: &mut HeaderMap, name: &'static str, v: String| {
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert(HeaderName::from_static(name), v);
            }
        };
        set(headers, "x-ratelimit-limit", self.limit.to_string());
        set(headers, "x-ratelimit-remaining", self.remaining.to_string());
        set(headers, "x-ratelimit-reset", self.reset_secs.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_counts_and_resets() {
        let mut w = FixedWindow::new(RateLimitConfig { limit: 2, window_secs: 5 });
        let d = w.hit(1_000);
        assert_eq!((d.allowed, d.remaining, d.reset_secs), (true, 1, 5));
        let d = w.hit(2_500);
        assert_eq!((d.allowed, d.remaining, d.reset_secs), (true, 0, 4));
        let d = w.hit(3_000);
        assert_eq!((d.allowed, d.remaining, d.reset_secs), (false, 0, 3));
        let d = w.peek(5_999);
        assert!(!d.allowed);
        assert_eq!(d.reset_secs, 1);
        let d = w.hit(6_000);
        assert_eq!((d.allowed, d.remaining, d.reset_secs), (true, 1, 5));
    }
}
