//! A profile for any RFC 6749 server: every endpoint, the client authentication method, the
//! token method, PKCE and hash-route authorize URLs are settings. PKCE is on by default
//! (RFC 9700 §2.1.1).

use crate::client::{Client, ClientAuthMethod};
#[cfg(feature = "oidc")]
use crate::discovery::ServerMetadata;
use crate::issuer::AuthServer;
use crate::profile::{no_expiry, no_messages, ApiBase, AuthorizeParamOrder, BodyEncoding, GrantType, JsonReading, Profile, RefreshLifetime, TokenMethod};
use crate::providers::{endpoint_or, trim_base};
use crate::scope::ScopeParams;
use crate::secret::{BasicCredentials, ClientSecret};
use crate::uri::{Endpoint, RedirectPolicy};
use crate::{Error, ErrorCode, Result};

pub(crate) mod fields;

/// The registry id: the package's `provider`, the Worker's `profile`.
pub const ID: &str = "generic";
/// The grants of a generic client.
pub const GRANTS: &[GrantType] = &[GrantType::AuthorizationCode, GrantType::RefreshToken, GrantType::ClientCredentials];

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
    /// Default `scope`, `resource` (RFC 8707) and `audience` of authorization and
    /// client-credentials requests ([`ScopeParams`]).
    pub scope_params: ScopeParams,
    /// Pushed Authorization Requests (RFC 9126): `None` pushes when the server requires it,
    /// `Some(true)` whenever it has a PAR endpoint, `Some(false)` never ([`crate::par_policy::ParMode`]).
    /// Needs the `oidc` feature.
    pub par: Option<bool>,
    /// The server's `pushed_authorization_request_endpoint` (RFC 9126 §5), from its metadata.
    pub par_endpoint: Option<String>,
    /// The server's `require_pushed_authorization_requests` (RFC 9126 §5), from its metadata.
    pub require_par: bool,
    /// DPoP (RFC 9449): off, on, or `auto` (on when the metadata lists ES256).
    #[cfg(feature = "dpop")]
    pub dpop: crate::dpop::DpopMode,
    /// The server's `dpop_signing_alg_values_supported`, once metadata was applied.
    #[cfg(feature = "dpop")]
    pub dpop_algs: Option<Vec<String>>,
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
            scope_params: ScopeParams::default(),
            par: None,
            par_endpoint: None,
            require_par: false,
            #[cfg(feature = "dpop")]
            dpop: crate::dpop::DpopMode::Off,
            #[cfg(feature = "dpop")]
            dpop_algs: None,
        }
    }

    /// A client configuration from checked server metadata ([`crate::discovery::parse_metadata`]):
    /// its endpoints, issuer, RFC 9207 requirement, revocation endpoint and JWKS.
    #[cfg(feature = "oidc")]
    pub fn from_metadata(metadata: &ServerMetadata, client_id: impl Into<String>) -> Self {
        let mut cfg = GenericConfig::new(None, metadata.token_endpoint.clone(), client_id);
        cfg.issuer = Some(metadata.issuer.clone());
        cfg.apply_metadata_endpoints(metadata);
        cfg
    }

    /// Completes this configuration with `metadata` for its `issuer`. The metadata's issuer must
    /// be exactly the configured one ([`ErrorCode::MetadataIssuerMismatch`]; none configured takes
    /// the metadata's). Endpoints set here win over the metadata's (a local stand-in); the
    /// `iss` requirement is on when either side says so; a client with a secret and no
    /// authentication method gets the one the server takes ([`ServerMetadata::secret_auth_method`]).
    #[cfg(feature = "oidc")]
    pub fn apply_metadata(&mut self, metadata: &ServerMetadata) -> Result<()> {
        match self.issuer.as_deref().filter(|i| !i.is_empty()) {
            Some(i) if i != metadata.issuer => {
                return Err(Error::new(ErrorCode::MetadataIssuerMismatch, "the server metadata is for another issuer than the configured one"));
            }
            _ => self.issuer = Some(metadata.issuer.clone()),
        }
        if self.token_endpoint.trim().is_empty() {
            self.token_endpoint = metadata.token_endpoint.clone();
        }
        self.apply_metadata_endpoints(metadata);
        if self.client_auth == ClientAuthMethod::None && self.client_secret.is_some() {
            self.client_auth = match metadata.secret_auth_method() {
                Some("client_secret_post") => ClientAuthMethod::SecretPost,
                _ => ClientAuthMethod::SecretBasic,
            };
        }
        Ok(())
    }

    #[cfg(feature = "oidc")]
    fn apply_metadata_endpoints(&mut self, m: &ServerMetadata) {
        let keep = |mine: &mut Option<String>, theirs: &Option<String>| {
            if mine.as_deref().is_none_or(|s| s.trim().is_empty()) {
                mine.clone_from(theirs);
            }
        };
        keep(&mut self.authorization_endpoint, &m.authorization_endpoint);
        keep(&mut self.revocation_endpoint, &m.revocation_endpoint);
        keep(&mut self.jwks_uri, &m.jwks_uri);
        keep(&mut self.par_endpoint, &m.pushed_authorization_request_endpoint);
        self.require_iss |= m.authorization_response_iss_parameter_supported;
        self.require_par |= m.require_pushed_authorization_requests;
        self.dpop_algs = Some(m.dpop_signing_alg_values_supported.clone());
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
            id: ID,
            name: "generic",
            authorization_endpoint,
            token_endpoint: Endpoint::parse(&self.token_endpoint, false)?,
            api_base: api_base.map_or(ApiBase::None, |b| ApiBase::Fixed(trim_base(b.as_str()))),
            token_method: self.token_method,
            grants: GRANTS,
            pkce: self.pkce,
            redirect_policy: RedirectPolicy::Absolute,
            authorize_param_order: AuthorizeParamOrder::ResponseTypeFirst,
            refresh_lifetime: self.refresh_lifetime_secs.map_or(RefreshLifetime::Unknown, RefreshLifetime::Fixed),
            token_params: Vec::new(),
            api_body_encoding: BodyEncoding::AsIs,
            classify_message: no_messages,
            json_reading: JsonReading::Strict,
            token_fields: &[],
            expiry_fallback: no_expiry,
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
        let client = Client::new(self.profile()?, self.client_id.as_deref(), self.redirect_uri.as_deref(), auth)?
            .with_server(self.server()?)
            .with_scope_params(self.scope_params.clone())?;
        #[cfg(feature = "dpop")]
        let client = client.with_dpop(self.dpop.resolve(self.dpop_algs.as_deref()));
        self.with_par(client)
    }

    /// The client with its PAR policy (RFC 9126), the endpoint checked like the others.
    #[cfg(feature = "oidc")]
    fn with_par(&self, client: Client) -> Result<Client> {
        let endpoint = self.par_endpoint.as_deref().filter(|s| !s.trim().is_empty()).map(|s| Endpoint::parse(s, false)).transpose()?;
        let mode = crate::par_policy::ParMode::from_setting(self.par);
        Ok(client.with_par(crate::par_policy::ParPolicy { mode, endpoint, required: self.require_par }))
    }

    /// Without `oidc` there is no PAR: asking for it is a configuration error.
    #[cfg(not(feature = "oidc"))]
    fn with_par(&self, client: Client) -> Result<Client> {
        match self.par {
            Some(true) => Err(Error::new(ErrorCode::InvalidConfig, "par (RFC 9126) needs the oidc feature")),
            _ => Ok(client),
        }
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
    #[cfg(feature = "oidc")]
    fn metadata_completes_an_issuer_only_config() {
        let meta = ServerMetadata {
            issuer: "https://as.example/t".into(),
            authorization_endpoint: Some("https://as.example/t/auth".into()),
            token_endpoint: "https://as.example/t/token".into(),
            revocation_endpoint: Some("https://as.example/t/revoke".into()),
            token_endpoint_auth_methods_supported: vec!["client_secret_post".into()],
            authorization_response_iss_parameter_supported: true,
            ..ServerMetadata::default()
        };
        let mut cfg = GenericConfig::new(None, "", "cid");
        cfg.issuer = Some("https://as.example/t".into());
        cfg.client_secret = Some(ClientSecret::new("s"));
        assert!(cfg.apply_metadata(&meta).is_ok());
        assert_eq!(cfg.client_auth, ClientAuthMethod::SecretPost);
        let c = cfg.client().unwrap_or_else(|e| panic!("{e}"));
        assert!(c.server().require_iss && c.can_revoke());
        assert_eq!(c.profile().token_endpoint.as_str(), "https://as.example/t/token");
        let mut other = GenericConfig::new(None, "", "cid");
        other.issuer = Some("https://as.example/u".into());
        assert_eq!(other.apply_metadata(&meta).map_err(|e| e.code()), Err(ErrorCode::MetadataIssuerMismatch));
        assert!(GenericConfig::from_metadata(&meta, "cid").client().is_ok_and(|c| c.server().issuer.as_deref() == Some("https://as.example/t")));
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
