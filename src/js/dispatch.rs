//! The operation table of [`super::call`]: an operation's name → its function in [`super::ops`]
//! (or [`super::revocation`]), the arguments parsed once. Only the string-dispatched boundary
//! needs it; nothing imports it back.

use super::args::{self, Args};
use super::ops::*;
use super::revocation;
use tsunagi_core::{Error, ErrorCode, Result};

const P: ErrorCode = ErrorCode::InvalidParameter;

/// Runs operation `op` on the JSON arguments `json`, with the config and body beside them.
pub(crate) fn dispatch(op: &str, json: &str, side: &Side<'_>) -> Result<String> {
    match op {
        "create_state" => return create_state(),
        "create_pkce" => return create_pkce(),
        "jwt_payload" => return tsunagi_core::jwt::payload_json_unverified(json),
        _ => {}
    }
    let map = args::parse(json)?;
    let a = Args::new(&map, "options", P);
    match op {
        "authorization_url" => authorization_url(&a, side),
        "begin_authorization" => begin_authorization(&a, side),
        "pkce_challenge" => pkce_challenge(&a),
        "parse_callback" => parse_callback(&a),
        "token_request" => token_request(&a, side),
        "parse_token_response" => parse_token_response(&a, side),
        "next_step" => next_step(&a, side),
        "api_request" => api_request(&a, side),
        "api_decide" => api_decide(&a, side),
        "api_error" => api_error(&a, side),
        "revocation_request" => revocation::revocation_request(&a, side),
        "parse_revocation_response" => revocation::parse_revocation_response(&a, side),
        _ => Err(Error::new(ErrorCode::UnsupportedOperation, "unknown operation")),
    }
}
