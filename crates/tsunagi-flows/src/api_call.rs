//! An API call with the held token (RFC 6750 §2.1): a 401 gets one fresh token and one retry
//! (RFC 6750 §3.1; LegalOn: "obtain a new token first"), a 429 is waited out within the
//! [`RetryPolicy`] (LegalOn's `X-RateLimit-Reset`, `Retry-After`), anything else is the caller's.

use crate::ports::{Answer, Clock, Sleep, TokenSource, Transport};
use tsunagi_core::api::{decide, ApiDecision, Attempt, RetryPolicy};
use tsunagi_core::{Client, Error, HttpResponse, Method, Result};

/// How an API call ended when the provider answered.
#[derive(Debug)]
pub enum Outcome<A> {
    /// The provider's answer for the caller, whatever its status, body unread.
    Delivered(A),
    /// The policy gave up: a 401 after the one retry (`unauthorized`), a 429 past the policy
    /// (`rate_limited`). The error is built from the whole answer, which is kept for its headers
    /// (`Retry-After`, `X-RateLimit-*`, `X-Request-Id`).
    Refused {
        /// What the answer means.
        error: Error,
        /// The answer, body read.
        response: HttpResponse,
    },
}

impl<A> Outcome<A> {
    /// The delivered answer, or the refusal's error.
    pub fn into_result(self) -> Result<A> {
        match self {
            Outcome::Delivered(a) => Ok(a),
            Outcome::Refused { error, .. } => Err(error),
        }
    }
}

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
    /// `method` and an optional JSON body. `Err` when no token could be had or nothing was
    /// answered; otherwise the [`Outcome`].
    pub async fn send(&self, method: Method, path: &str, json_body: Option<&str>) -> Result<Outcome<T::Answer>> {
        let mut attempt = Attempt::default();
        let mut tokens = self.tokens.token(None).await?;
        loop {
            let request = self.client.api_request(&tokens, method, path, json_body)?;
            let answer = self.transport.send(&request).await?;
            match decide(self.client, &self.policy, &attempt, answer.head(), self.clock.now()) {
                ApiDecision::Deliver => return Ok(Outcome::Delivered(answer)),
                ApiDecision::Reauthenticate => {
                    attempt.reauthenticated = true;
                    tokens = self.tokens.token(Some(&tokens.access_token.fingerprint())).await?;
                }
                ApiDecision::Wait { delay_ms } => {
                    attempt.rate_limit_retries += 1;
                    self.sleep.sleep(delay_ms).await;
                }
                // the same error, now with what the body says (codes, description, excerpt)
                ApiDecision::Fail(_) => {
                    let response = answer.read().await?;
                    let error = self.client.api_error(&response, self.clock.now());
                    return Ok(Outcome::Refused { error, response });
                }
            }
        }
    }
}
