//! LawVu's documented error messages ("Handling errors", `lawvu-authentication.txt`), each mapped
//! to its own [`ErrorCode`], the refresh-expiry message carrying its time.

use super::dates::parse_us_datetime;
use crate::profile::ProviderMessage;
use crate::time::parse_iso8601;
use crate::ErrorCode;

/// Maps each message of the LawVu document's "Handling errors" list to its own code. Tolerates
/// surrounding quotes, whitespace and a trailing period; the refresh-expiry message yields the
/// parsed time when it is ISO 8601 or .NET's `M/d/yyyy h:mm:ss tt`.
pub fn classify_message(message: &str) -> Option<ProviderMessage> {
    let m = message.trim().trim_matches('"').trim().trim_end_matches('.');
    let code = |code| Some(ProviderMessage { code, at: None });
    if let Some(param) = m.strip_prefix("Required parameter missing from request url: ") {
        return match param.trim() {
            "redirect_uri" => code(ErrorCode::MissingRedirectUriInUrl),
            "client_id" => code(ErrorCode::MissingClientIdInUrl),
            _ => code(ErrorCode::InvalidRequest),
        };
    }
    if let Some(param) = m.strip_prefix("Required parameter missing from request body: ") {
        return match param.trim() {
            "grant_type" => code(ErrorCode::MissingGrantType),
            "client_id" => code(ErrorCode::MissingClientId),
            "code" => code(ErrorCode::MissingCode),
            _ => code(ErrorCode::InvalidRequest),
        };
    }
    if m == "Supplied parameter does not match a whitelisted value: redirect_uri" {
        return code(ErrorCode::RedirectUriNotWhitelisted);
    }
    if m == "Supplied authorization_code is not valid or has expired" {
        return code(ErrorCode::AuthorizationCodeInvalid);
    }
    if m.starts_with("Supplied redirect URI doesn't match the one used for authorize endpoint") {
        return code(ErrorCode::RedirectUriMismatch);
    }
    if m.starts_with("Client is not valid:") {
        return code(ErrorCode::ClientNotValid);
    }
    if m == "Supplied parameter is not correct: client_secret" {
        return code(ErrorCode::ClientSecretIncorrect);
    }
    if m == "Refresh token is not valid" {
        return code(ErrorCode::RefreshTokenInvalid);
    }
    if let Some(rest) = m.strip_prefix("Supplied refresh_token expired at ") {
        let time = rest.trim().trim_matches('\'');
        let at = parse_iso8601(time).or_else(|| parse_us_datetime(time));
        return Some(ProviderMessage { code: ErrorCode::RefreshTokenExpired, at });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    #[test]
    fn every_documented_message_has_its_own_code() {
        let cases = [
            ("Required parameter missing from request url: redirect_uri", ErrorCode::MissingRedirectUriInUrl),
            ("Required parameter missing from request url: client_id", ErrorCode::MissingClientIdInUrl),
            ("Supplied parameter does not match a whitelisted value: redirect_uri", ErrorCode::RedirectUriNotWhitelisted),
            ("Required parameter missing from request body: grant_type", ErrorCode::MissingGrantType),
            ("Required parameter missing from request body: client_id", ErrorCode::MissingClientId),
            ("Required parameter missing from request body: code", ErrorCode::MissingCode),
            ("Supplied authorization_code is not valid or has expired", ErrorCode::AuthorizationCodeInvalid),
            ("Supplied redirect URI doesn't match the one used for authorize endpoint (https://acme-inc.com/auth)", ErrorCode::RedirectUriMismatch),
            ("Client is not valid: \"acme-inc\"", ErrorCode::ClientNotValid),
            ("Supplied parameter is not correct: client_secret", ErrorCode::ClientSecretIncorrect),
            ("Refresh token is not valid", ErrorCode::RefreshTokenInvalid),
            ("Supplied refresh_token expired at '2026-11-23T13:25:00Z'", ErrorCode::RefreshTokenExpired),
        ];
        let mut codes = std::collections::BTreeSet::new();
        for (msg, want) in cases {
            assert_eq!(classify_message(msg).map(|m| m.code), Some(want), "{msg}");
            assert!(codes.insert(want), "{want} used twice");
            // tolerant of quoting and a trailing period
            assert_eq!(classify_message(&format!("\"{msg}.\" ")).map(|m| m.code), Some(want));
        }
        assert_eq!(classify_message("something else"), None);
    }

    #[test]
    fn refresh_expiry_time_is_parsed() {
        let iso = classify_message("Supplied refresh_token expired at '2026-11-23T13:25:00Z'");
        assert_eq!(iso.and_then(|m| m.at), crate::time::parse_iso8601("2026-11-23T13:25:00Z"));
        let net = classify_message("Supplied refresh_token expired at '11/23/2026 1:25:00 PM'");
        assert_eq!(net.and_then(|m| m.at), iso.and_then(|m| m.at));
        let junk = classify_message("Supplied refresh_token expired at 'yesterday'");
        assert_eq!(junk, Some(ProviderMessage { code: ErrorCode::RefreshTokenExpired, at: None }));
        assert!(iso.and_then(|m| m.at) > Some(Timestamp::from_secs(0)));
    }
}
