//! The authorization-code exchange (RFC 6749 §4.1.3–4.1.4): the callback is checked against the
//! `state` sent (nothing is sent when it differs), the code and PKCE verifier (RFC 7636 §4.5) go
//! to the token endpoint, and the set is stored before it is returned.

use crate::ports::{Answer, Clock, RefreshLock, TokenStore, Transport};
use crate::Flow;
use tsunagi_core::{PendingAuthorization, Result, TokenSet};

impl<T: Transport, S: TokenStore, L: RefreshLock, C: Clock> Flow<'_, T, S, L, C> {
    /// Exchanges the code in `callback_url` for tokens, if its `state` is `pending.state`.
    pub async fn exchange(&self, callback_url: &str, pending: &PendingAuthorization) -> Result<TokenSet> {
        let code = self.client.parse_callback(callback_url, Some(&pending.state))?;
        let request = self.client.authorization_code_request(&code, pending.pkce_verifier.as_ref())?;
        let response = self.transport.send(&request).await?.read().await?;
        let parsed = self.client.parse_token_response_to(&request, &response, self.clock.now(), None);
        self.keep(parsed).await
    }
}
