//! Token revocation (RFC 7009): the request to the server's revocation endpoint, with the same
//! client authentication as the token endpoint (§2.1), and what its answer means (§2.2, §2.2.1).
//! Used at logout, where the server has the endpoint ([`crate::issuer::AuthServer::revocation_endpoint`]).

use crate::client::Client;
use crate::error_body::{classify_sent, Exchange};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::secret::{AccessToken, RefreshToken, SentSecrets};
use crate::{Error, ErrorCode, Result};

/// A token to revoke; its kind is sent as `token_type_hint` (RFC 7009 §2.1). Revoking a refresh
/// token also ends the access tokens of the same grant where the server supports it (§2.1).
#[derive(Clone, Copy, Debug)]
pub enum RevocableToken<'a> {
    /// `token_type_hint=refresh_token`.
    Refresh(&'a RefreshToken),
    /// `token_type_hint=access_token`.
    Access(&'a AccessToken),
}

impl RevocableToken<'_> {
    /// The `token_type_hint` value (RFC 7009 §2.1, registered in §4.1.2).
    pub const fn hint(&self) -> &'static str {
        match self {
            RevocableToken::Refresh(_) => "refresh_token",
            RevocableToken::Access(_) => "access_token",
        }
    }

    fn secret(&self) -> &str {
        match self {
            RevocableToken::Refresh(t) => t.secret(),
            RevocableToken::Access(t) => t.secret(),
        }
    }
}

impl Client {
    /// Whether this client can revoke: its server has a revocation endpoint.
    pub fn can_revoke(&self) -> bool {
        self.server.revocation_endpoint.is_some()
    }

    /// The RFC 7009 §2.1 request: `POST` to the revocation endpoint, a form body with `token` and
    /// `token_type_hint`, and the client's authentication exactly as at the token endpoint
    /// (`client_id` for public clients, `client_secret_post`, or `Authorization: Basic`).
    /// [`ErrorCode::UnsupportedOperation`] when the server has no revocation endpoint.
    pub fn revocation_request(&self, token: RevocableToken<'_>) -> Result<HttpRequest> {
        let endpoint = self
            .server
            .revocation_endpoint
            .as_ref()
            .ok_or_else(|| Error::new(ErrorCode::UnsupportedOperation, format!("{} has no revocation endpoint (RFC 7009)", self.profile.id)))?;
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("token", token.secret()).append_pair("token_type_hint", token.hint());
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        self.authenticate(&mut q, &mut headers);
        headers.push(("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned()));
        Ok(HttpRequest { method: Method::Post, url: endpoint.as_str().to_owned(), headers, body: Some(q.finish()) })
    }

    /// The answer to `request` (as built by [`Client::revocation_request`]): 200 is done — also
    /// for a token the server did not know or had already invalidated (RFC 7009 §2.2), so a
    /// repeated logout is not an error. Anything else is the RFC 6749 §5.2 error it carries
    /// (§2.2.1): `invalid_client`, `invalid_request`, or `unsupported_token_type` (kept as
    /// [`ErrorCode::OAuthError`] with that raw value); a 503 is [`ErrorCode::UpstreamError`]
    /// with `retry_after_ms` when the server sent `Retry-After`. No error keeps the token or the
    /// client's secret.
    pub fn parse_revocation_response(&self, request: &HttpRequest, resp: &HttpResponse) -> Result<()> {
        if resp.status == 200 {
            return Ok(());
        }
        let mut sent = SentSecrets::from_request(request);
        sent.extend(SentSecrets::of_client(self));
        Err(classify_sent(resp, self.profile.classify_message, self.profile.json_reading, Exchange::Revocation, None, &sent))
    }
}

#[cfg(all(test, feature = "all-providers"))]
mod tests {
    use super::*;
    use crate::client::ClientAuthMethod;
    use crate::issuer::AuthServer;
    use crate::providers::generic::GenericConfig;
    use crate::providers::lawvu::{LawVuConfig, LawVuEnvironment};
    use crate::secret::ClientSecret;
    use crate::uri::Endpoint;

    fn client(auth: ClientAuthMethod) -> Client {
        let mut cfg = GenericConfig::new(None, "https://as.example/token", "cid");
        cfg.client_auth = auth;
        cfg.client_secret = Some(ClientSecret::new("the-client-secret"));
        let server = AuthServer { revocation_endpoint: Endpoint::parse("https://as.example/revoke", false).ok(), ..AuthServer::default() };
        cfg.client().unwrap_or_else(|e| panic!("{e}")).with_server(server)
    }

    #[test]
    fn request_authenticates_as_at_the_token_endpoint() {
        let rt = RefreshToken::new("the-refresh-token");
        let req = client(ClientAuthMethod::SecretBasic).revocation_request(RevocableToken::Refresh(&rt)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((req.method, req.url.as_str()), (Method::Post, "https://as.example/revoke"));
        assert_eq!(req.body.as_deref(), Some("token=the-refresh-token&token_type_hint=refresh_token"));
        assert!(req.header("authorization").is_some_and(|h| h.starts_with("Basic ")));
        assert_eq!(req.header("content-type"), Some("application/x-www-form-urlencoded"));
        let at = AccessToken::new("the-access-token");
        let req = client(ClientAuthMethod::SecretPost).revocation_request(RevocableToken::Access(&at)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(req.body.as_deref(), Some("token=the-access-token&token_type_hint=access_token&client_id=cid&client_secret=the-client-secret"));
        let req = client(ClientAuthMethod::None).revocation_request(RevocableToken::Access(&at)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(req.body.as_deref(), Some("token=the-access-token&token_type_hint=access_token&client_id=cid"));
        assert!(req.header("authorization").is_none());
    }

    #[test]
    fn no_endpoint_no_revocation() {
        // the vendor profiles have none (LawVu, Logiless and LegalOn document no RFC 7009 endpoint)
        let c = LawVuConfig::new(LawVuEnvironment::Sandbox, "acme-inc", "https://acme-inc.com/auth").client().unwrap_or_else(|e| panic!("{e}"));
        assert!(!c.can_revoke());
        let rt = RefreshToken::new("r");
        assert_eq!(c.revocation_request(RevocableToken::Refresh(&rt)).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::UnsupportedOperation));
    }

    #[test]
    fn responses() {
        let c = client(ClientAuthMethod::SecretPost);
        let rt = RefreshToken::new("the-refresh-token");
        let req = c.revocation_request(RevocableToken::Refresh(&rt)).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.parse_revocation_response(&req, &HttpResponse::new(200, vec![], "")).is_ok());
        let json = vec![("content-type".to_owned(), "application/json".to_owned())];
        let body = r#"{"error":"invalid_client","error_description":"bad secret the-client-secret for the-refresh-token"}"#;
        let err = c.parse_revocation_response(&req, &HttpResponse::new(401, json.clone(), body)).err().unwrap_or_else(|| panic!("expected error"));
        assert_eq!(err.code(), ErrorCode::InvalidClient);
        let shown = format!("{err:?} {err} {:?}", err.fields());
        assert!(!shown.contains("the-client-secret") && !shown.contains("the-refresh-token"), "{shown}");
        let err = c.parse_revocation_response(&req, &HttpResponse::new(400, json, r#"{"error":"unsupported_token_type"}"#)).err();
        assert_eq!(err.map(|e| (e.code(), e.oauth_error().map(str::to_owned))), Some((ErrorCode::OAuthError, Some("unsupported_token_type".into()))));
        let err = c.parse_revocation_response(&req, &HttpResponse::new(503, vec![("retry-after".into(), "3".into())], "")).err();
        assert_eq!(err.map(|e| e.code()), Some(ErrorCode::UpstreamError));
    }
}
