//! A usable access token, refreshing single-flight: the held set if fresh; otherwise, under the
//! [`RefreshLock`], the store is read again (another holder may have refreshed) and only then is
//! one refresh — or, for the client's own token, one client-credentials request — sent. The
//! rotated pair is stored before the caller is answered (RFC 9700 §4.14.2: a single-use refresh
//! token sent twice may revoke the whole grant).

use crate::ports::{Answer, Clock, RefreshLock, TokenSource, TokenStore, Transport};
use crate::Flow;
use tsunagi_core::{Error, ErrorCode, NextStep, Result, Timestamp, TokenSet};

impl<T: Transport, S: TokenStore, L: RefreshLock, C: Clock> Flow<'_, T, S, L, C> {
    /// A usable token set. `rejected`: the fingerprint ([`tsunagi_core::AccessToken::fingerprint`]) of
    /// an access token the API just refused with 401 — it is replaced unless another caller
    /// already did. Ends in `login_required` (and an emptied store) when only a new
    /// authorization can help; a user's set is never replaced by the client's own token.
    pub async fn access_token(&self, rejected: Option<&str>) -> Result<TokenSet> {
        if let Some(t) = self.store.load().await? {
            if usable(&t, self.clock.now(), self.leeway_secs, rejected) {
                return Ok(t);
            }
        }
        self.lock.exclusive(self.renew(rejected)).await
    }

    /// Under the lock: read again, then renew only if still needed.
    async fn renew(&self, rejected: Option<&str>) -> Result<TokenSet> {
        let held = self.store.load().await?;
        let now = self.clock.now();
        if let Some(t) = held.as_ref().filter(|t| usable(t, now, self.leeway_secs, rejected)) {
            return Ok(t.clone());
        }
        let step = match &held {
            // the API refused a token that looks fresh: decide as if it had expired
            Some(t) if rejected.is_some() => self.client.next_step(Some(&expired(t, now)), now, self.leeway_secs),
            _ => self.client.next_step(held.as_ref(), now, self.leeway_secs),
        };
        match (step, held) {
            (NextStep::Refresh, Some(held)) => self.refresh(held, now).await,
            (NextStep::Reacquire, held) => self.reacquire(held.as_ref(), now).await,
            (NextStep::UseAccessToken, Some(held)) => Ok(held),
            (_, held) => {
                if held.is_some() {
                    self.store.clear().await?;
                }
                Err(Error::new(ErrorCode::LoginRequired, "no usable token and no way to get one without the user: authorize again"))
            }
        }
    }

    /// One refresh (RFC 6749 §6). A transient failure leaves the store as it was; a refusal that
    /// ends the grant empties it.
    async fn refresh(&self, held: TokenSet, now: Timestamp) -> Result<TokenSet> {
        let Some(refresh_token) = held.refresh_token.as_ref() else {
            return Err(Error::new(ErrorCode::LoginRequired, "no refresh token: authorize again"));
        };
        let request = self.client.refresh_request(refresh_token)?;
        let response = self.transport.send(&request).await?.read().await?;
        self.keep(self.client.parse_token_response_to(&request, &response, now, Some(&held))).await
    }

    /// The client's own token again (RFC 6749 §4.4).
    async fn reacquire(&self, held: Option<&TokenSet>, now: Timestamp) -> Result<TokenSet> {
        let request = self.client.client_credentials_request()?;
        let response = self.transport.send(&request).await?.read().await?;
        self.keep(self.client.parse_token_response_to(&request, &response, now, held)).await
    }

    /// Stores a new set before answering; forgets the old one when the grant is gone.
    pub(crate) async fn keep(&self, parsed: Result<TokenSet>) -> Result<TokenSet> {
        match parsed {
            Ok(fresh) => {
                self.store.store(&fresh).await?;
                Ok(fresh)
            }
            Err(e) => {
                if e.requires_reauthorization() {
                    self.store.clear().await?;
                }
                Err(e)
            }
        }
    }
}

impl<T: Transport, S: TokenStore, L: RefreshLock, C: Clock> TokenSource for Flow<'_, T, S, L, C> {
    async fn token(&self, rejected: Option<&str>) -> Result<TokenSet> {
        self.access_token(rejected).await
    }
}

/// Fresh at `now` and not the token the API just refused.
fn usable(t: &TokenSet, now: Timestamp, leeway_secs: u64, rejected: Option<&str>) -> bool {
    t.access_token_is_fresh(now, leeway_secs) && rejected.is_none_or(|fp| t.access_token.fingerprint() != fp)
}

/// `t` with its access token expired at `now`.
fn expired(t: &TokenSet, now: Timestamp) -> TokenSet {
    TokenSet { expires_at: Some(now), ..t.clone() }
}
