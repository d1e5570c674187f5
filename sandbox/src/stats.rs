//! Request counters served at `GET /__sandbox/stats`, in the exact shape the
//! tests and benchmarks read. Every request that reaches a token or API
//! handler is counted (faulted requests never reach it).

use serde::Serialize;

/// Counters for the whole sandbox.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Stats {
    pub lawvu: LawvuStats,
    pub logiless: LogilessStats,
    pub legalon: LegalonStats,
}

/// Token requests per grant type for the code-flow providers.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct CodeGrantCounts {
    pub authorization_code: u64,
    pub refresh_token: u64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LawvuStats {
    pub token_requests: CodeGrantCounts,
    pub token_errors: u64,
    pub refresh_reuse: u64,
    pub api_calls: u64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LogilessStats {
    pub token_requests: CodeGrantCounts,
    pub token_errors: u64,
    pub refresh_reuse: u64,
    pub api_calls: u64,
    pub rate_limited: u64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ClientCredentialsCounts {
    pub client_credentials: u64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LegalonStats {
    pub token_requests: ClientCredentialsCounts,
    pub token_errors: u64,
    pub api_calls: u64,
    pub rate_limited: u64,
}

impl CodeGrantCounts {
    /// Counts a token request under its grant type (unknown types are not counted here).
    pub fn count(&mut self, grant_type: Option<&str>) {
        match grant_type {
            Some("authorization_code") => self.authorization_code += 1,
            Some("refresh_token") => self.refresh_token += 1,
            _ => {}
        }
    }
}
