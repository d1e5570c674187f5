//! LegalOn API (`legalon-getting-started.txt`): client credentials with a ready-made
//! `Authorization: Basic {credentials}` value, 20-minute tokens, no refresh tokens, and an API
//! base taken from the token response's `api_base_url` (`{api_base_url}/rest/v1`).

use super::endpoint_or;
use crate::client::{Client, ClientAuth};
use crate::profile::{no_expiry, no_messages, ApiBase, AuthorizeParamOrder, BodyEncoding, GrantType, JsonReading, Profile, RefreshLifetime, TokenMethod};
use crate::secret::BasicCredentials;
use crate::uri::{Endpoint, RedirectPolicy};
use crate::{Error, ErrorCode, Result};

pub(crate) mod fields;

/// The registry id: the package's `provider`, the Worker's `profile`.
pub const ID: &str = "legalon";
/// The grants of its client.
pub const GRANTS: &[GrantType] = &[GrantType::ClientCredentials];

/// US token host.
pub const US_HOST: &str = "public-api.legalontech.com";
/// JP token host.
pub const JP_HOST: &str = "public-api.legalon-cloud.com";
/// Path appended to `api_base_url` ("Servers" in the OpenAPI document).
pub const API_PATH: &str = "/rest/v1";

/// Contracted region: decides the token host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegalOnRegion {
    /// `public-api.legalontech.com`.
    Us,
    /// `public-api.legalon-cloud.com`.
    Jp,
}

impl LegalOnRegion {
    /// Parses `us` or `jp`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "us" => Some(LegalOnRegion::Us),
            "jp" => Some(LegalOnRegion::Jp),
            _ => None,
        }
    }
    fn host(self) -> &'static str {
        match self {
            LegalOnRegion::Us => US_HOST,
            LegalOnRegion::Jp => JP_HOST,
        }
    }
}

/// Everything needed to talk to LegalOn: a region and the credentials value from the admin
/// console ("displayed only at the time of creation"). Server-side only.
#[derive(Clone, Debug)]
pub struct LegalOnConfig {
    /// Contracted region.
    pub region: LegalOnRegion,
    /// The credentials value, sent as `Authorization: Basic {credentials}` unchanged.
    pub credentials: BasicCredentials,
    /// Overrides `https://{region host}/oauth/token`.
    pub token_url: Option<String>,
}

impl LegalOnConfig {
    /// A config with no override.
    pub fn new(region: LegalOnRegion, credentials: BasicCredentials) -> Self {
        LegalOnConfig { region, credentials, token_url: None }
    }

    /// The LegalOn profile (client credentials only; the API base comes with each token).
    pub fn profile(&self) -> Result<Profile> {
        Ok(Profile {
            id: ID,
            name: "LegalOn",
            authorization_endpoint: None,
            token_endpoint: endpoint_or(self.token_url.as_deref(), &format!("https://{}/oauth/token", self.region.host()), false)?,
            api_base: ApiBase::FromTokenResponse(api_base),
            token_method: TokenMethod::Post,
            grants: GRANTS,
            pkce: false,
            redirect_policy: RedirectPolicy::Absolute,
            authorize_param_order: AuthorizeParamOrder::ResponseTypeFirst,
            refresh_lifetime: RefreshLifetime::None,
            token_params: Vec::new(),
            api_body_encoding: BodyEncoding::AsIs,
            classify_message: no_messages,
            json_reading: JsonReading::Strict,
            token_fields: &[],
            expiry_fallback: no_expiry,
        })
    }

    /// The configured client (`Authorization: Basic {credentials}`).
    pub fn client(&self) -> Result<Client> {
        if self.credentials.secret().trim().is_empty() {
            return Err(Error::new(ErrorCode::InvalidConfig, "LegalOn needs the API credentials value"));
        }
        Client::new(self.profile()?, None, None, ClientAuth::RawBasic(self.credentials.clone()))
    }
}

/// The profile's [`ApiBase::FromTokenResponse`] hook ("Use api_base_url from the token response as
/// the API base URL", `legalon-getting-started.txt`): `{api_base_url}/rest/v1`, whether or not
/// `api_base_url` carries a scheme (the document's example prints it as `https://${api_base_url}`):
/// a bare host gets `https://`. The result must be a valid endpoint (https, or http on loopback).
pub fn api_base(api_base_url: &str) -> Result<String> {
    let raw = api_base_url.trim().trim_end_matches('/');
    if raw.is_empty() {
        return Err(Error::new(ErrorCode::TokenResponseInvalid, "LegalOn token response has an empty api_base_url"));
    }
    let with_scheme = if raw.contains("://") { raw.to_owned() } else { format!("https://{raw}") };
    let base = if with_scheme.ends_with(API_PATH) { with_scheme } else { format!("{with_scheme}{API_PATH}") };
    Endpoint::parse(&base, false)
        .map(|e| e.as_str().to_owned())
        .map_err(|_| Error::new(ErrorCode::TokenResponseInvalid, "LegalOn api_base_url is not an https URL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_base_with_or_without_scheme() {
        assert_eq!(api_base("https://api.legalon.example").ok().as_deref(), Some("https://api.legalon.example/rest/v1"));
        assert_eq!(api_base("api.legalon.example/").ok().as_deref(), Some("https://api.legalon.example/rest/v1"));
        assert_eq!(api_base("https://api.legalon.example/rest/v1").ok().as_deref(), Some("https://api.legalon.example/rest/v1"));
        assert_eq!(api_base("http://127.0.0.1:9404").ok().as_deref(), Some("http://127.0.0.1:9404/rest/v1"));
        for bad in ["", "http://api.legalon.example", "https://a b"] {
            assert_eq!(api_base(bad).map_err(|e| e.code()), Err(ErrorCode::TokenResponseInvalid), "{bad}");
        }
    }

    #[test]
    fn region_hosts() {
        let cfg = LegalOnConfig::new(LegalOnRegion::Jp, BasicCredentials::new("cred"));
        assert_eq!(cfg.profile().map(|p| p.token_endpoint.as_str().to_owned()).ok().as_deref(), Some("https://public-api.legalon-cloud.com/oauth/token"));
        let cfg = LegalOnConfig::new(LegalOnRegion::Us, BasicCredentials::new(" "));
        assert_eq!(cfg.client().map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig));
    }
}
