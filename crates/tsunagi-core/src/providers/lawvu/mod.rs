//! LawVu Developer API (`lawvu-authentication.txt`): authorization code flow with a hash-route
//! authorize URL (`https://{web_host}/#/authorize?…`), form POST token endpoint, single-use
//! refresh tokens living 1 day without `client_secret` and 30 days with it, and documented
//! error messages that each map to their own [`crate::ErrorCode`].

use crate::client::{Client, ClientAuth};
use crate::profile::{ApiBase, AuthorizeParamOrder, BodyEncoding, GrantType, JsonReading, Profile, RefreshLifetime, TokenMethod};
use crate::providers::{endpoint_or, trim_base};
use crate::secret::ClientSecret;
use crate::uri::RedirectPolicy;
use crate::Result;

mod dates;
pub(crate) mod fields;
mod messages;

pub use dates::{expires, parse_us_datetime};
pub use messages::classify_message;

/// The registry id: the package's `provider`, the Worker's `profile`.
pub const ID: &str = "lawvu";
/// The grants of LawVu's client (authorization code; its refresh).
pub const GRANTS: &[GrantType] = &[GrantType::AuthorizationCode, GrantType::RefreshToken];

/// Sandbox web host (interactive login / authorize pages).
pub const SANDBOX_WEB_HOST: &str = "demo.lawvu.com";
/// Sandbox API gateway host.
pub const SANDBOX_API_HOST: &str = "api-sandbox.lawvu.com";
/// Production web host.
pub const PRODUCTION_WEB_HOST: &str = "go.lawvu.com";
/// Production API gateway host.
pub const PRODUCTION_API_HOST: &str = "api.lawvu.com";
/// Token endpoint path on the API host.
pub const TOKEN_PATH: &str = "/account-apis/v1/auth/token";
/// Refresh token lifetime without `client_secret` ("Refresh token lifetime": 1 day).
pub const PUBLIC_REFRESH_SECS: u64 = 86_400;
/// Refresh token lifetime with `client_secret` (30 days).
pub const CONFIDENTIAL_REFRESH_SECS: u64 = 30 * 86_400;

/// LawVu environment: which pair of hosts to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LawVuEnvironment {
    /// `demo.lawvu.com` / `api-sandbox.lawvu.com`: any redirect URI accepted.
    Sandbox,
    /// `go.lawvu.com` / `api.lawvu.com`: redirect URIs must be whitelisted.
    Production,
}

impl LawVuEnvironment {
    /// Parses `sandbox` or `production`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sandbox" => Some(LawVuEnvironment::Sandbox),
            "production" => Some(LawVuEnvironment::Production),
            _ => None,
        }
    }
    fn hosts(self) -> (&'static str, &'static str) {
        match self {
            LawVuEnvironment::Sandbox => (SANDBOX_WEB_HOST, SANDBOX_API_HOST),
            LawVuEnvironment::Production => (PRODUCTION_WEB_HOST, PRODUCTION_API_HOST),
        }
    }
}

/// Everything needed to talk to LawVu. Leave `client_secret` empty in browsers: without it the
/// token requests omit `client_secret` entirely, which is what selects 1-day refresh tokens.
#[derive(Clone, Debug)]
pub struct LawVuConfig {
    /// Sandbox or production hosts.
    pub environment: LawVuEnvironment,
    /// The integration's client id.
    pub client_id: String,
    /// The redirect URI, identical at authorize and token steps.
    pub redirect_uri: String,
    /// Only for server-side (confidential) use: selects 30-day refresh tokens.
    pub client_secret: Option<ClientSecret>,
    /// Optional `region_hint` token parameter.
    pub region_hint: Option<String>,
    /// Overrides `https://{web_host}/#/authorize` (the sandbox: `http://127.0.0.1:9400/#/authorize`).
    pub authorize_url: Option<String>,
    /// Overrides `https://{api_host}/account-apis/v1/auth/token`.
    pub token_url: Option<String>,
    /// Overrides `https://{api_host}`.
    pub api_base: Option<String>,
}

impl LawVuConfig {
    /// A config for `environment` with no overrides and no secret.
    pub fn new(environment: LawVuEnvironment, client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        LawVuConfig {
            environment,
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            client_secret: None,
            region_hint: None,
            authorize_url: None,
            token_url: None,
            api_base: None,
        }
    }

    /// The LawVu profile for this environment and overrides.
    pub fn profile(&self) -> Result<Profile> {
        let (web, api) = self.environment.hosts();
        let authorize = endpoint_or(self.authorize_url.as_deref(), &format!("https://{web}/#/authorize"), true)?;
        let token = endpoint_or(self.token_url.as_deref(), &format!("https://{api}{TOKEN_PATH}"), false)?;
        let api_base = endpoint_or(self.api_base.as_deref(), &format!("https://{api}"), false)?;
        Ok(Profile {
            id: ID,
            name: "LawVu",
            authorization_endpoint: Some(authorize),
            token_endpoint: token,
            api_base: ApiBase::Fixed(trim_base(api_base.as_str())),
            token_method: TokenMethod::Post,
            grants: GRANTS,
            pkce: false,
            redirect_policy: RedirectPolicy::HttpsOrLoopback,
            authorize_param_order: AuthorizeParamOrder::ResponseTypeFirst,
            refresh_lifetime: RefreshLifetime::ByClientType { public: PUBLIC_REFRESH_SECS, confidential: CONFIDENTIAL_REFRESH_SECS },
            token_params: self.region_hint.iter().map(|r| ("region_hint".to_owned(), r.clone())).collect(),
            api_body_encoding: BodyEncoding::AsIs,
            classify_message,
            json_reading: JsonReading::Strict,
            token_fields: &["expires"],
            expiry_fallback: dates::expires,
        })
    }

    /// The configured client: confidential (`client_secret_post`) when a secret is set, else public.
    pub fn client(&self) -> Result<Client> {
        let auth = match &self.client_secret {
            Some(s) if !s.secret().is_empty() => ClientAuth::SecretPost(s.clone()),
            _ => ClientAuth::None,
        };
        Client::new(self.profile()?, Some(&self.client_id), Some(&self.redirect_uri), auth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn profiles_per_environment_and_overrides() {
        let mut cfg = LawVuConfig::new(LawVuEnvironment::Production, "acme-inc", "https://acme-inc.com/auth");
        let p = cfg.profile().map_err(|e| e.to_string());
        assert_eq!(p.as_ref().map(|p| p.token_endpoint.as_str().to_owned()), Ok("https://api.lawvu.com/account-apis/v1/auth/token".into()));
        assert_eq!(p.as_ref().ok().and_then(|p| p.api_base.fixed()), Some("https://api.lawvu.com"));
        cfg.authorize_url = Some("http://127.0.0.1:9400/#/authorize".into());
        cfg.token_url = Some("http://127.0.0.1:9401/account-apis/v1/auth/token".into());
        cfg.api_base = Some("http://127.0.0.1:9401/".into());
        let p = cfg.profile().map_err(|e| e.to_string());
        assert_eq!(p.as_ref().ok().and_then(|p| p.api_base.fixed()), Some("http://127.0.0.1:9401"));
        cfg.token_url = Some("http://evil.example/token".into());
        assert_eq!(cfg.profile().map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidEndpoint));
    }

    #[test]
    fn client_type_follows_the_secret() {
        let mut cfg = LawVuConfig::new(LawVuEnvironment::Sandbox, "acme-inc", "https://acme-inc.com/auth");
        assert_eq!(cfg.client().map(|c| c.is_confidential()).ok(), Some(false));
        cfg.client_secret = Some(ClientSecret::new("s"));
        assert_eq!(cfg.client().map(|c| c.is_confidential()).ok(), Some(true));
        cfg.redirect_uri = "/auth".into();
        assert_eq!(cfg.client().map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidRedirectUri));
    }
}
