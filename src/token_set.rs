//! The tokens a client holds, with absolute expiry times computed from an injected clock, and the
//! decision of what to do next (use, refresh, re-acquire, or send the user to authorize).
//!
//! Expiry uses a leeway (60 s by default, as auth0-spa-js) so a token is never sent in its last
//! seconds, capped at half the token's lifetime so short-lived tokens stay usable.

use crate::client::Client;
use crate::profile::GrantType;
use crate::secret::{AccessToken, RefreshToken};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// Default refresh leeway in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 60;

/// A token set as returned by a token endpoint and kept by the client or the Worker.
/// Serialises (for storage) with the secrets in clear: encrypt it at rest.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSet {
    /// The access token.
    pub access_token: AccessToken,
    /// The token type; `Bearer` when the server omitted it.
    pub token_type: String,
    /// When the response was processed.
    pub issued_at: Timestamp,
    /// When the access token expires (from `expires_in`, else LawVu's `expires`), if known.
    pub expires_at: Option<Timestamp>,
    /// The refresh token, if any (kept from the previous set when a refresh reply omits it).
    pub refresh_token: Option<RefreshToken>,
    /// When the refresh token expires, where the provider documents it.
    pub refresh_expires_at: Option<Timestamp>,
    /// Granted scope, if sent.
    pub scope: Option<String>,
    /// LegalOn's `api_base_url`.
    pub api_base_url: Option<String>,
    /// Every other field of the response (LawVu `userName`, `userId`, …), kept as sent.
    #[serde(default)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("scope", &self.scope)
            .field("api_base_url", &self.api_base_url)
            .field("extra_keys", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What a client should do to make an authenticated call now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// The access token is fresh: use it.
    UseAccessToken,
    /// Refresh with the refresh token (single-flight: LawVu's are single-use).
    Refresh,
    /// Ask for a new token with the client-credentials grant (LegalOn).
    Reacquire,
    /// Nothing usable is left: the user must authorize again.
    Reauthorize,
}

impl TokenSet {
    /// The leeway actually applied: `leeway_secs`, but at most half the token's lifetime.
    pub fn effective_leeway_ms(&self, leeway_secs: u64) -> u64 {
        let wanted = leeway_secs.saturating_mul(1000);
        match self.expires_at {
            Some(exp) => wanted.min(self.issued_at.millis_until(exp) / 2),
            None => wanted,
        }
    }

    /// Whether the access token may be used at `now` (unknown expiry counts as fresh: the API's
    /// 401 will tell).
    pub fn access_token_is_fresh(&self, now: Timestamp, leeway_secs: u64) -> bool {
        match self.expires_at {
            Some(exp) => now.plus_millis(self.effective_leeway_ms(leeway_secs)) < exp,
            None => true,
        }
    }

    /// Whether a refresh can be attempted at `now`: there is a refresh token not known to be expired.
    pub fn can_refresh(&self, now: Timestamp) -> bool {
        self.refresh_token.is_some() && self.refresh_expires_at.is_none_or(|t| now < t)
    }

    /// Milliseconds until the access token should be refreshed (0 if now).
    pub fn refresh_due_in_ms(&self, now: Timestamp, leeway_secs: u64) -> Option<u64> {
        self.expires_at.map(|exp| {
            let due = Timestamp::from_millis(exp.as_millis().saturating_sub(self.effective_leeway_ms(leeway_secs)));
            now.millis_until(due)
        })
    }
}

impl Client {
    /// What to do at `now` with `tokens` (or none): use, refresh, re-acquire or re-authorize.
    pub fn next_step(&self, tokens: Option<&TokenSet>, now: Timestamp, leeway_secs: u64) -> NextStep {
        match tokens {
            Some(t) if t.access_token_is_fresh(now, leeway_secs) => NextStep::UseAccessToken,
            Some(t) if t.can_refresh(now) && self.profile.supports(GrantType::RefreshToken) => NextStep::Refresh,
            _ if self.profile.supports(GrantType::ClientCredentials) && self.is_confidential() => NextStep::Reacquire,
            _ => NextStep::Reauthorize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(issued: u64, lifetime: Option<u64>, refresh: Option<u64>) -> TokenSet {
        let t0 = Timestamp::from_secs(issued);
        TokenSet {
            access_token: AccessToken::new("at"),
            token_type: "Bearer".into(),
            issued_at: t0,
            expires_at: lifetime.map(|l| t0.plus_secs(l)),
            refresh_token: refresh.map(|_| RefreshToken::new("rt")),
            refresh_expires_at: refresh.map(|r| t0.plus_secs(r)),
            scope: None,
            api_base_url: None,
            extra: Map::new(),
        }
    }

    #[test]
    fn leeway_and_freshness() {
        let t = set(1000, Some(3600), Some(86400));
        assert!(t.access_token_is_fresh(Timestamp::from_secs(1000 + 3539), 60));
        assert!(!t.access_token_is_fresh(Timestamp::from_secs(1000 + 3540), 60));
        assert_eq!(t.refresh_due_in_ms(Timestamp::from_secs(1000), 60), Some(3540 * 1000));
        // a 60-second token with a 60-second leeway is still usable for its first 30 seconds
        let short = set(0, Some(60), None);
        assert_eq!(short.effective_leeway_ms(60), 30_000);
        assert!(short.access_token_is_fresh(Timestamp::from_secs(29), 60));
        assert!(set(0, None, None).access_token_is_fresh(Timestamp::from_secs(u64::MAX / 2000), 60));
    }

    #[test]
    fn refresh_window() {
        let t = set(0, Some(3600), Some(86400));
        assert!(t.can_refresh(Timestamp::from_secs(86399)));
        assert!(!t.can_refresh(Timestamp::from_secs(86400)));
        assert!(!set(0, Some(3600), None).can_refresh(Timestamp::from_secs(1)));
    }

    #[test]
    fn debug_never_shows_tokens() {
        let mut t = set(0, Some(1), Some(1));
        t.extra.insert("id_token".into(), Value::String("secret-id-token".into()));
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("\"at\"") && !dbg.contains("secret-id-token") && dbg.contains("id_token"));
    }
}
