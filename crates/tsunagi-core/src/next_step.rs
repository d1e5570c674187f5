//! What a client should do now with the tokens it holds: use them, refresh, re-acquire its own
//! token, or send the user to authorize again ([`NextStep`]). One concern, on [`Client`]: it
//! needs the profile's grants and the client's kind, which a [`TokenSet`] alone does not know.

use crate::client::Client;
use crate::profile::GrantType;
use crate::time::Timestamp;
use crate::token_set::{NextStep, TokenGrant, TokenSet};

impl Client {
    /// What to do at `now` with `tokens` (or none): use, refresh, re-acquire or re-authorize.
    ///
    /// Re-acquiring (client credentials, RFC 6749 §4.4) replaces only the client's own token: a
    /// set recorded as [`TokenGrant::ClientCredentials`], or any set (or none) of a client that
    /// has no user flow ([`Client::authorizes_users`]: LegalOn, a generic client without a
    /// redirect URI). A user's set that can no longer be used or refreshed, and no set at all for
    /// a client that authorizes users, is [`NextStep::Reauthorize`]: the client's token acts for
    /// no user and must never take a user's place (issue 13 item 4).
    pub fn next_step(&self, tokens: Option<&TokenSet>, now: Timestamp, leeway_secs: u64) -> NextStep {
        match tokens {
            Some(t) if t.access_token_is_fresh(now, leeway_secs) => NextStep::UseAccessToken,
            Some(t) if t.can_refresh(now) && self.profile.supports(GrantType::RefreshToken) => NextStep::Refresh,
            _ if self.profile.supports(GrantType::ClientCredentials)
                && self.is_confidential()
                && (!self.authorizes_users() || tokens.is_some_and(|t| t.grant == TokenGrant::ClientCredentials)) =>
            {
                NextStep::Reacquire
            }
            _ => NextStep::Reauthorize,
        }
    }
}
