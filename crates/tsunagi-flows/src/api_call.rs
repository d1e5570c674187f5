//! An API call with the held token (RFC 6750 §2.1): a 401 gets one fresh token and one retry
//! (RFC 6750 §3.1; LegalOn: "obtain a new token first"), a 429 is waited out within the
//! [`RetryPolicy`] (LegalOn's `X-RateLimit-Reset`, `Retry-After`), anything else is the caller's.

use crate::ports::{Clock, RefreshLock, Sleep, TokenStore, Transport};
use crate::Flow;
use tsunagi::api::{decide, ApiDecision, Attempt, RetryPolicy};
use tsunagi::{HttpResponse, Method, Result};

impl<T: Transport, S: TokenStore, L: RefreshLock, C: Clock> Flow<'_, T, S, L, C> {
    /// Calls `path` (relative to the API base, checked by [`tsunagi::api::check_api_path`]) with
    /// `method` and an optional JSON body. Returns the provider's answer, whatever its status,
    /// except a 401 after the one retry (`unauthorized`) and a 429 past the policy
    /// (`rate_limited`), which are errors.
    pub async fn api_call(&self, sleep: &impl Sleep, policy: &RetryPolicy, method: Method, path: &str, json_body: Option<&str>) -> Result<HttpResponse> {
        let mut attempt = Attempt::default();
        let mut tokens = self.access_token(None).await?;
        loop {
            let request = self.client.api_request(&tokens, method, path, json_body)?;
            let response = self.transport.send(&request).await?;
            match decide(self.client, policy, &attempt, &response, self.clock.now()) {
                ApiDecision::Deliver => return Ok(response),
                ApiDecision::Reauthenticate => {
                    attempt.reauthenticated = true;
                    tokens = self.access_token(Some(&tokens.access_token.fingerprint())).await?;
                }
                ApiDecision::Wait { delay_ms } => {
                    attempt.rate_limit_retries += 1;
                    sleep.sleep(delay_ms).await;
                }
                ApiDecision::Fail(e) => return Err(e),
            }
        }
    }
}
