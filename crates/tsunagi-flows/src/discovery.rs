//! An issuer's server metadata found: RFC 8414 §3.1's location, then OpenID Connect Discovery §4's;
//! a location that fails moves on to the next, the first 200 is checked by the core (the same
//! issuer, usable endpoints) and taken. Only when every location fails is it an error, naming them.

use crate::ports::{Answer, Transport};
use tsunagi_core::discovery::{self, ServerMetadata};
use tsunagi_core::{Error, ErrorCode, HttpResponse, Result};

/// The checked metadata of `issuer` and the answer it came in. A location that answers anything
/// but 200, or does not answer (a browser reports a 404 without CORS headers as a network
/// failure), is passed over. Errors: `metadata_issuer_mismatch` / `metadata_invalid` from the first
/// 200 that cannot be used; `metadata_invalid` when no location answered 200, `transport` when
/// none answered at all, both naming every location tried; a `timeout` at once.
pub async fn discover<T: Transport>(transport: &T, issuer: &str) -> Result<(ServerMetadata, HttpResponse)> {
    let mut tried = Vec::new();
    let mut answered = false;
    for request in discovery::metadata_requests(issuer)? {
        let answer = match transport.send(&request).await {
            Ok(a) => a,
            Err(e) if e.code() == ErrorCode::Timeout => return Err(e),
            Err(_) => {
                tried.push(format!("{} (no answer)", request.url));
                continue;
            }
        };
        answered = true;
        let status = answer.head().status;
        if status != 200 {
            tried.push(format!("{} (HTTP {status})", request.url));
            continue;
        }
        let response = answer.read().await?;
        return Ok((discovery::parse_metadata(issuer, &response)?, response));
    }
    let where_ = format!("tried {}", tried.join(", "));
    Err(if answered {
        Error::new(ErrorCode::MetadataInvalid, format!("no server metadata was found for {issuer}: {where_}"))
    } else {
        Error::new(ErrorCode::Transport, format!("no server metadata location of {issuer} could be reached: {where_}"))
    })
}
