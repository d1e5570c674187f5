//! The authorization's first step when it is pushed (RFC 9126): the request sent to the PAR
//! endpoint, its answer read by the core (§2.2; errors §2.3 typed as the token endpoint's), and
//! the authorize URL with `client_id` and `request_uri` only (§4). A plain step passes through.

use crate::ports::{Answer, Transport};
use tsunagi_core::par::AuthorizeStep;
use tsunagi_core::{Client, Result};

/// The URL to send the user to for `step` (from [`Client::begin_authorization_step_with_entropy`]): a
/// redirect as it is; a push sent once through `transport` (never retried: a `request_uri` is
/// used once, and each authorization pushes its own), its `request_uri` put in the URL.
pub async fn authorize_url<T: Transport>(transport: &T, client: &Client, step: AuthorizeStep) -> Result<String> {
    match step {
        AuthorizeStep::Redirect(url) => Ok(url),
        AuthorizeStep::Push(request) => {
            let response = transport.send(&request).await?.read().await?;
            let pushed = client.parse_push_response(&request, &response)?;
            client.pushed_authorization_url(&pushed)
        }
    }
}
