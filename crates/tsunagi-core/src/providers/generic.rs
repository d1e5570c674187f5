//! A profile for any RFC 6749 server: every endpoint, the client authentication method, the
//! token method, PKCE and hash-route authorize URLs are settings. PKCE is on by default
//! (RFC 9700 §2.1.1).

use super::{endpoint_or, trim_base};
use crate::client::{Client, ClientAuthMethod};
use crate::issuer::AuthServer;
use crate::profile::{no_messages, ApiBase, AuthorizeParamOrder, BodyEncoding, GrantType, Profile, Provider, RefreshLifetime, TokenMethod};
use crate::secret::{BasicCredentials, ClientSecret};
use crate::uri::{Endpoint, RedirectPolicy};
use crate::{Error, ErrorCode, Result};

/// Settings for a generic RFC 6749 server.
#[derive(Clone, Debug)]
pub struct GenericConfig {
    /// Authorization endpoint, if the server has user consent.
    pub authorization_endpoint: Option<String>,
    /// Token endpoint.
    pub token_endpoint: String,
    /// Client id.
    pub client_id: Option<String>,
    /// Redirect URI.
    pub redirect_uri: Option<String>,
    /// How the client authenticates.
    pub client_auth: ClientAuthMethod,
    /// Secret for `client_secret_post` / `client_secret_basic`.
    pub client_secret: Option<ClientSecret>,
    /// Ready-made value for `basic_raw`.
    pub credentials: Option<BasicCredentials>,
    /// POST (standard) or GET token requests.
    pub token_method: TokenMethod,
    /// Send PKCE S256 (default true).
    pub pkce: bool,
    /// Put the authorization query inside the endpoint's fragment (`/#/authorize?…`).
    pub hash_route: bool,
    /// API base URL, if any.
    pub api_base: Option<String>,
    /// Refresh token lifetime in seconds, if the server documents one.
    pub refresh_lifetime_secs: Option<u64>,
    /// The issuer identifier (RFC 8414 §2). With it, an authorization response's `iss` must be
    /// exactly this (RFC 9207); [`crate::discovery`] fills it, and everything below, from metadata.
    pub issuer: Option<String>,
    /// Every authorization response must carry `iss` (RFC 9207 §2.4; the server's
    /// `authorization_response_iss_parameter_supported`). Needs `issuer`.
    pub require_iss: bool,
    /// RFC 7009 revocation endpoint, if any.
    pub revocation_endpoint: Option<String>,
    /// The server's JWKS URL (RFC 8414 `jwks_uri`), for id_token signatures.
    pub jwks_uri: Option<String>,
}

impl GenericConfig {
    /// A public client with PKCE for the given endpoints.
    pub fn new(authorization_endpoint: Option<String>, token_endpoint: impl Into<String>, client_id: impl Into<String>) -> Self {
        GenericConfig {
            authorization_endpoint,
            token_endpoint: token_endpoint.into(),
            client_id: Some(client_id.into()),
            redirect_uri: None,
            client_auth: ClientAuthMethod::None,
            client_secret: None,
            credentials: None,
            token_method: TokenMethod::Post,
            pkce: true,
            hash_route: false,
            api_base: None,
            refresh_lifetime_secs: None,
            issuer: None,
            require_iss: false,
            revocation_endpoint: None,
            jwks_uri: None,
        }
    }

    /// The generic profile.
    pub fn profile(&self) -> Result<Profile> {
        let authorization_endpoint =
            self.authorization_endpoint.as_deref().filter(|s| !s.trim().is_empty()).map(|s| Endpoint::parse(s, self.hash_route)).transpose()?;
        if self.hash_route && !authorization_endpoint.as_ref().is_some_and(|e| e.as_str().contains('#')) {
            return Err(Error::new(ErrorCode::InvalidConfig, "hash_route needs an authorization endpoint with a #fragment"));
        }
        let api_base = self.api_base.as_deref().map(|b| endpoint_or(Some(b), b, false)).transpose()?;
        Ok(Profile {
            provider: Provider::Generic,
            authorization_endpoint,
            token_endpoint: Endpoint::parse(&self.token_endpoint, false)?,
            api_base: api_base.map_or(ApiBase::None, |b| ApiBase::Fixed(trim_base(b.as_str()))),
            token_method: self.token_method,
            grants: &[GrantType::AuthorizationCode, GrantType::RefreshToken, GrantType::ClientCredentials],
            pkce: self.pkce,
            redirect_policy: RedirectPolicy::Absolute,
            authorize_param_order: AuthorizeParamOrder::ResponseTypeFirst,
            refresh_lifetime: self.refresh_lifetime_secs.map_or(RefreshLifetime::Unknown, RefreshLifetime::Fixed),
            token_params: Vec::new(),
            api_body_encoding: BodyEncoding::AsIs,
            classify_message: no_messages,
        })
    }

    /// What the client knows of the server beyond its endpoints: issuer, RFC 9207, revocation, JWKS.
    pub fn server(&self) -> Result<AuthServer> {
        let optional = |url: &Option<String>| url.as_deref().filter(|s| !s.trim().is_empty()).map(|s| Endpoint::parse(s, false)).transpose();
        let issuer = self.issuer.as_deref().filter(|s| !s.is_empty()).map(|i| AuthServer::check_issuer(i).map(str::to_owned)).transpose()?;
        if self.require_iss && issuer.is_none() {
            return Err(Error::new(ErrorCode::InvalidConfig, "require_iss needs the issuer to compare iss with (RFC 9207)"));
        }
        Ok(AuthServer { issuer, require_iss: self.require_iss, revocation_endpoint: optional(&self.revocation_endpoint)?, jwks_uri: optional(&self.jwks_uri)? })
    }

    /// The configured client.
    pub fn client(&self) -> Result<Client> {
        let auth = self.client_auth.with_secret(self.client_secret.clone(), self.credentials.clone())?;
        Ok(Client::new(self.profile()?, self.client_id.as_deref(), self.redirect_uri.as_deref(), auth)?.with_server(self.server()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_route_needs_fragment() {
        let mut cfg = GenericConfig::new(Some("https://as.example/authorize".into()), "https://as.example/token", "cid");
        cfg.hash_route = true;
        assert_eq!(cfg.profile().map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig));
        cfg.authorization_endpoint = Some("https://as.example/#/authorize".into());
        assert!(cfg.profile().is_ok());
    }

    #[test]
    fn auth_method_needs_its_secret() {
        let mut cfg = GenericConfig::new(None, "https://as.example/token", "cid");
        cfg.client_auth = ClientAuthMethod::SecretBasic;
        assert_eq!(cfg.client().map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig));
        cfg.client_secret = Some(ClientSecret::new("s"));
        assert!(cfg.client().is_ok());
    }
}
