//! An API call with the held token (RFC 6750 §2.1): a 401 gets one fresh token and one retry
//! (RFC 6750 §3.1; LegalOn: "obtain a new token first"), a 429 is waited out within the
//! [`RetryPolicy`] (LegalOn's `X-RateLimit-Reset`, `Retry-After`), anything else is the caller's.

use crate::ports::{Answer, Clock, Sleep, TokenSource, Transport};
use tsunagi_core::api::{decide, ApiDecision, Attempt, RetryPolicy};
use tsunagi_core::{Client, Method, Result};

/// What one API call runs with.
pub struct ApiCall<'a, T, K, C, Z> {
    /// Builds the request and reads the answer.
    pub client: &'a Client,
    /// Sends it.
    pub transport: &'a T,
    /// Gives the token (a local [`Flow`](crate::Flow) or a remote one).
    pub tokens: &'a K,
    /// Tells the time (a 429's reset).
    pub clock: &'a C,
    /// Waits.
    pub sleep: &'a Z,
    /// How many 429s, how long.
    pub policy: RetryPolicy,
}

impl<T: Transport, K: TokenSource, C: Clock, Z: Sleep> ApiCall<'_, T, K, C, Z> {
    /// Calls `path` (relative to the API base, checked by [`tsunagi_core::api::check_api_path`]) with
    /// `method` and an optional JSON body. Returns the provider's answer, whatever its status and
    /// with its body unread, except a 401 after the one retry (`unauthorized`) and a 429 past the
    /// policy (`rate_limited`): those are errors built from the whole answer.
    pub async fn send(&self, method: Method, path: &str, json_body: Option<&str>) -> Result<T::Answer> {
        let mut attempt = Attempt::default();
        let mut tokens = self.tokens.token(None).await?;
        loop {
            let request = self.client.api_request(&tokens, method, path, json_body)?;
            let answer = self.transport.send(&request).await?;
            match decide(self.client, &self.policy, &attempt, answer.head(), self.clock.now()) {
                ApiDecision::Deliver => return Ok(answer),
                ApiDecision::Reauthenticate => {
                    attempt.reauthenticated = true;
                    tokens = self.tokens.token(Some(&tokens.access_token.fingerprint())).await?;
                }
                ApiDecision::Wait { delay_ms } => {
                    attempt.rate_limit_retries += 1;
                    self.sleep.sleep(delay_ms).await;
                }
                // the same error, now with what the body says (codes, description, excerpt)
                ApiDecision::Fail(_) => return Err(self.client.api_error(&answer.read().await?, self.clock.now())),
            }
        }
    }
}
