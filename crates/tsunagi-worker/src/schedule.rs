//! When a held connection's object acts on its own (its Durable Object alarm): an unattended
//! connection refreshes ahead of the refresh token's expiry by the connection's leeway, and after
//! a failed refresh again with exponential backoff; a client-credentials connection renews its
//! token ahead of the isolates (docs/scaling.md). Pure functions of the token set, the settings
//! and the clock.

use tsunagi_core::{Timestamp, TokenSet};

/// The shortest interval between two alarms.
pub const MIN_INTERVAL_MS: u64 = 1_000;
/// The first retry after a failed refresh; each further failure doubles it, up to
/// [`MAX_BACKOFF_MS`].
pub const FIRST_BACKOFF_MS: u64 = 30_000;
/// The longest wait between retries.
pub const MAX_BACKOFF_MS: u64 = 3_600_000;
/// Failed refreshes in a row after which the health says `refresh_failing` (retries go on).
pub const REPORT_AFTER_FAILURES: u32 = 3;

/// When to refresh `tokens` next: `leeway_secs` before the refresh token expires, never sooner
/// than [`MIN_INTERVAL_MS`] from `now`. `None` when the refresh token's expiry is unknown (it is
/// then refreshed when used) or there is no refresh token.
pub fn next_refresh(tokens: &TokenSet, leeway_secs: u64, now: Timestamp) -> Option<Timestamp> {
    tokens.refresh_token.as_ref()?;
    let exp = tokens.refresh_expires_at?;
    let due = exp.as_millis().saturating_sub(leeway_secs.saturating_mul(1000));
    Some(Timestamp::from_millis(due.max(now.as_millis().saturating_add(MIN_INTERVAL_MS))))
}

/// When a client-credentials token is renewed ahead of the isolates: two thirds into its usable
/// life (from its issue to the leeway before its expiry — `leeway_secs`, at most half the
/// lifetime, [`TokenSet::effective_leeway_ms`] — when isolates and the object stop using it), so an isolate that comes for a new one finds it already there. Never sooner than
/// [`MIN_INTERVAL_MS`] from `now`; `None` when the expiry is unknown or the usable life is under
/// three seconds (renewing would not get ahead of anyone).
pub fn renew_ahead(tokens: &TokenSet, leeway_secs: u64, now: Timestamp) -> Option<Timestamp> {
    let issued = tokens.issued_at.as_millis();
    let due = tokens.expires_at?.as_millis().saturating_sub(tokens.effective_leeway_ms(leeway_secs));
    let usable = due.checked_sub(issued).filter(|ms| *ms >= 3_000)?;
    let at = issued.saturating_add(usable / 3 * 2);
    Some(Timestamp::from_millis(at.max(now.as_millis().saturating_add(MIN_INTERVAL_MS))))
}

/// When to retry after `failures` failed refreshes in a row (1 = the first failure): 30 s, 60 s,
/// 120 s, … at most an hour — and never after the refresh token has expired.
pub fn retry_at(failures: u32, now: Timestamp, refresh_expires_at: Option<Timestamp>) -> Option<Timestamp> {
    let backoff = FIRST_BACKOFF_MS.saturating_mul(1u64 << failures.saturating_sub(1).min(20)).min(MAX_BACKOFF_MS);
    let at = Timestamp::from_millis(now.as_millis().saturating_add(backoff));
    match refresh_expires_at {
        Some(exp) if at >= exp => None,
        _ => Some(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(issued_ms: u64, expires_ms: Option<u64>) -> TokenSet {
        let mut t = set(None);
        t.refresh_token = None;
        t.issued_at = Timestamp::from_millis(issued_ms);
        t.expires_at = expires_ms.map(Timestamp::from_millis);
        t
    }

    #[test]
    fn a_client_credentials_token_is_renewed_two_thirds_into_its_usable_life() {
        // LegalOn: 20 minutes, isolates stop at 19: renewed at 12 min 40 s
        let t = held(0, Some(1_200_000));
        assert_eq!(renew_ahead(&t, 60, Timestamp::from_millis(0)), Some(Timestamp::from_millis(760_000)));
        // never sooner than the minimum interval, never without an expiry or a usable life
        assert_eq!(renew_ahead(&t, 60, Timestamp::from_millis(900_000)), Some(Timestamp::from_millis(901_000)));
        assert_eq!(renew_ahead(&held(0, None), 60, Timestamp::from_millis(0)), None);
        // a short token: the leeway is at most half its life (12 s: usable 6 s, renewed at 4 s)
        assert_eq!(renew_ahead(&held(0, Some(12_000)), 60, Timestamp::from_millis(0)), Some(Timestamp::from_millis(4_000)));
        assert_eq!(renew_ahead(&held(0, Some(4_000)), 60, Timestamp::from_millis(0)), None);
    }
    use tsunagi_core::secret::{AccessToken, RefreshToken};

    fn set(refresh_exp: Option<u64>) -> TokenSet {
        TokenSet {
            access_token: AccessToken::new("a"),
            token_type: "Bearer".into(),
            issued_at: Timestamp::from_secs(0),
            expires_at: Some(Timestamp::from_secs(3600)),
            refresh_token: Some(RefreshToken::new("r")),
            refresh_expires_at: refresh_exp.map(Timestamp::from_secs),
            scope: None,
            api_base_url: None,
            extra: tsunagi_core::json::JsonObject::new(),
            grant: tsunagi_core::token_set::TokenGrant::User,
        }
    }

    #[test]
    fn refreshes_ahead_of_expiry_by_the_leeway() {
        let now = Timestamp::from_secs(0);
        let thirty_days = 30 * 86_400;
        assert_eq!(next_refresh(&set(Some(thirty_days)), 86_400, now), Some(Timestamp::from_secs(29 * 86_400)));
        // a leeway longer than the lifetime: as soon as allowed, not in the past
        assert_eq!(next_refresh(&set(Some(10)), 86_400, now), Some(Timestamp::from_millis(MIN_INTERVAL_MS)));
        assert_eq!(next_refresh(&set(None), 86_400, now), None, "unknown expiry: refreshed on use");
        let mut no_refresh = set(Some(thirty_days));
        no_refresh.refresh_token = None;
        assert_eq!(next_refresh(&no_refresh, 60, now), None);
    }

    #[test]
    fn retries_back_off_and_stop_at_expiry() {
        let now = Timestamp::from_secs(1_000);
        let at = |n| retry_at(n, now, None).map(|t| t.as_millis() - now.as_millis());
        assert_eq!((at(1), at(2), at(3)), (Some(30_000), Some(60_000), Some(120_000)));
        assert_eq!(at(30), Some(MAX_BACKOFF_MS));
        assert_eq!(retry_at(1, now, Some(now.plus_secs(10))), None, "no retry past the refresh token's life");
    }
}
