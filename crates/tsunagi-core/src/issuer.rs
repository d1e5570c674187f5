//! What a client knows of its authorization server beyond the profile's endpoints: the issuer
//! identifier (RFC 8414 §2), whether the authorization response carries `iss` (RFC 9207), and the
//! optional revocation (RFC 7009) and JWKS (RFC 7517) endpoints. Vendor profiles know none of it.

use crate::uri::Endpoint;
use crate::{Error, ErrorCode, Result};

/// The authorization server as the client knows it. The default knows nothing (every vendor
/// profile: none publishes metadata or sends `iss`), which changes no behaviour.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthServer {
    /// The issuer identifier (RFC 8414 §2: an `https` URL without query or fragment), compared
    /// byte for byte, never normalised (RFC 8414 §3.3, RFC 9207 §2.4).
    pub issuer: Option<String>,
    /// Whether every authorization response must carry `iss` (RFC 9207 §2.4): the server
    /// advertises `authorization_response_iss_parameter_supported`, or the configuration says so.
    pub require_iss: bool,
    /// RFC 7009 revocation endpoint, when the server has one.
    pub revocation_endpoint: Option<Endpoint>,
    /// The server's JWKS (RFC 8414 `jwks_uri`), to verify id_token signatures.
    pub jwks_uri: Option<Endpoint>,
}

impl AuthServer {
    /// An issuer identifier as RFC 8414 §2 allows it: an absolute `https` URL (or `http` on
    /// loopback, for tests) without query or fragment. Returned unchanged: no trailing-slash or
    /// case normalisation, since the comparisons are exact.
    pub fn check_issuer(issuer: &str) -> Result<&str> {
        let bad = || Error::new(ErrorCode::InvalidConfig, "an issuer is an https URL without query or fragment (RFC 8414 §2)");
        if issuer.contains(['?', '#']) || issuer.trim() != issuer {
            return Err(bad());
        }
        Endpoint::parse(issuer, false).map_err(|_| bad())?;
        Ok(issuer)
    }
}

/// [`Client::check_iss`](crate::Client::check_iss) for a given [`AuthServer`].
pub fn check_iss(server: &AuthServer, iss: Option<&str>) -> Result<()> {
    let Some(expected) = server.issuer.as_deref() else { return Ok(()) };
    match iss {
        Some(got) if got == expected => Ok(()),
        Some(_) => Err(Error::new(
            ErrorCode::IssuerMismatch,
            "the authorization response comes from another issuer (RFC 9207 iss): possible mix-up attack, nothing was exchanged",
        )),
        None if server.require_iss => Err(Error::new(
            ErrorCode::IssuerMissing,
            "the authorization response has no iss although the server sends one (RFC 9207 §2.4): nothing was exchanged",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(require_iss: bool) -> AuthServer {
        AuthServer { issuer: Some("https://as.example/tenant".into()), require_iss, ..AuthServer::default() }
    }

    #[test]
    fn iss_is_compared_exactly() {
        let code = |s: &AuthServer, iss| check_iss(s, iss).map_err(|e| e.code());
        assert_eq!(code(&server(true), Some("https://as.example/tenant")), Ok(()));
        for other in ["https://as.example/tenant/", "https://AS.example/tenant", "https://evil.example/tenant", ""] {
            assert_eq!(code(&server(false), Some(other)), Err(ErrorCode::IssuerMismatch), "{other}");
        }
        assert_eq!(code(&server(true), None), Err(ErrorCode::IssuerMissing));
        assert_eq!(code(&server(false), None), Ok(()));
        assert_eq!(code(&AuthServer::default(), Some("https://x.example")), Ok(()), "no issuer configured: nothing to check");
    }

    #[test]
    fn issuer_identifiers() {
        assert!(AuthServer::check_issuer("https://as.example").is_ok());
        assert!(AuthServer::check_issuer("http://127.0.0.1:8080/t").is_ok());
        for bad in ["https://as.example?x=1", "https://as.example#f", "as.example", " https://as.example", "http://as.example"] {
            assert_eq!(AuthServer::check_issuer(bad).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig), "{bad}");
        }
    }
}
