//! Logiless / ロジレス (`logiless-authentication.ja.txt`): authorization code flow with a client
//! secret, a token endpoint called with **GET and query parameters**, 30-day access and refresh
//! tokens (refresh rotates), a merchant-scoped API, and ASCII-only JSON request bodies.

use crate::client::{Client, ClientAuth};
use crate::profile::{no_expiry, no_messages, ApiBase, AuthorizeParamOrder, BodyEncoding, GrantType, JsonReading, Profile, RefreshLifetime, TokenMethod};
use crate::providers::{endpoint_or, trim_base};
use crate::secret::ClientSecret;
use crate::uri::RedirectPolicy;
use crate::{Error, ErrorCode, Result};

pub mod lenient;

pub(crate) mod fields;

/// The registry id: the package's `provider`, the Worker's `profile`.
pub const ID: &str = "logiless";
/// The grants of its client.
pub const GRANTS: &[GrantType] = &[GrantType::AuthorizationCode, GrantType::RefreshToken];

/// Authorization endpoint.
pub const AUTHORIZE_URL: &str = "https://app2.logiless.com/oauth/v2/auth";
/// Token endpoint (GET).
pub const TOKEN_URL: &str = "https://app2.logiless.com/oauth2/token";
/// API base; merchant resources live under `{API_BASE}/merchant/{merchant_id}`.
pub const API_BASE: &str = "https://app2.logiless.com/api/v1";
/// Both tokens last 30 days (public integrations' documentation; `expires_in` 2592000).
pub const REFRESH_SECS: u64 = 2_592_000;

/// Everything needed to talk to Logiless. The secret belongs on a server: a GET token request
/// puts it in the URL, so that URL must never be logged.
#[derive(Clone, Debug)]
pub struct LogilessConfig {
    /// Client id from the application registration.
    pub client_id: String,
    /// Client secret from the application registration.
    pub client_secret: ClientSecret,
    /// The redirect URL identical to the registered one.
    pub redirect_uri: String,
    /// Merchant id for API paths, when known.
    pub merchant_id: Option<String>,
    /// Overrides [`AUTHORIZE_URL`].
    pub authorize_url: Option<String>,
    /// Overrides [`TOKEN_URL`].
    pub token_url: Option<String>,
    /// Overrides [`API_BASE`].
    pub api_base: Option<String>,
}

impl LogilessConfig {
    /// A config with no overrides.
    pub fn new(client_id: impl Into<String>, client_secret: ClientSecret, redirect_uri: impl Into<String>) -> Self {
        LogilessConfig {
            client_id: client_id.into(),
            client_secret,
            redirect_uri: redirect_uri.into(),
            merchant_id: None,
            authorize_url: None,
            token_url: None,
            api_base: None,
        }
    }

    /// The Logiless profile.
    pub fn profile(&self) -> Result<Profile> {
        let api = endpoint_or(self.api_base.as_deref(), API_BASE, false)?;
        let api_base = match self.merchant_id.as_deref().map(str::trim) {
            Some(m) if !m.is_empty() => {
                if !m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                    return Err(Error::new(ErrorCode::InvalidConfig, "a Logiless merchant id is letters, digits, - and _"));
                }
                format!("{}/merchant/{m}", trim_base(api.as_str()))
            }
            _ => trim_base(api.as_str()),
        };
        Ok(Profile {
            id: ID,
            name: "Logiless",
            authorization_endpoint: Some(endpoint_or(self.authorize_url.as_deref(), AUTHORIZE_URL, false)?),
            token_endpoint: endpoint_or(self.token_url.as_deref(), TOKEN_URL, false)?,
            api_base: ApiBase::Fixed(api_base),
            token_method: TokenMethod::Get,
            grants: GRANTS,
            pkce: false,
            redirect_policy: RedirectPolicy::Absolute,
            authorize_param_order: AuthorizeParamOrder::ClientIdFirst,
            refresh_lifetime: RefreshLifetime::Fixed(REFRESH_SECS),
            token_params: Vec::new(),
            api_body_encoding: BodyEncoding::AsciiOnlyJson,
            classify_message: no_messages,
            json_reading: JsonReading::Repair(lenient::quote_bare_values),
            token_fields: &[],
            expiry_fallback: no_expiry,
        })
    }

    /// The configured client (`client_id` and `client_secret` as query parameters).
    pub fn client(&self) -> Result<Client> {
        if self.client_secret.secret().is_empty() {
            return Err(Error::new(ErrorCode::InvalidConfig, "Logiless needs a client secret"));
        }
        Client::new(self.profile()?, Some(&self.client_id), Some(&self.redirect_uri), ClientAuth::SecretPost(self.client_secret.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merchant_scoped_api_base() {
        let mut cfg = LogilessConfig::new("cid", ClientSecret::new("s"), "https://app.example/cb");
        assert_eq!(cfg.profile().ok().and_then(|p| p.api_base.fixed().map(str::to_owned)).as_deref(), Some(API_BASE));
        cfg.merchant_id = Some("42".into());
        assert_eq!(cfg.profile().ok().and_then(|p| p.api_base.fixed().map(str::to_owned)).as_deref(), Some("https://app2.logiless.com/api/v1/merchant/42"));
        cfg.merchant_id = Some("../x".into());
        assert_eq!(cfg.profile().map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig));
    }

    #[test]
    fn secret_is_required() {
        let cfg = LogilessConfig::new("cid", ClientSecret::new(""), "https://app.example/cb");
        assert_eq!(cfg.client().map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig));
    }
}
