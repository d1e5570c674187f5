//! A provider profile: the data and small hooks that make one OAuth 2.0 server different from
//! another (endpoints, token method, refresh lifetimes, error messages).
//!
//! Profiles are built by the files in [`crate::providers`]; nothing else in the core branches on
//! which provider it is talking to.

use crate::time::Timestamp;
use crate::uri::{Endpoint, RedirectPolicy};
use crate::ErrorCode;

/// Which provider a profile describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    /// LawVu Developer API (`lawvu-authentication.txt`).
    LawVu,
    /// Logiless / ロジレス (`logiless-authentication.ja.txt`).
    Logiless,
    /// LegalOn API (`legalon-getting-started.txt`).
    LegalOn,
    /// Any RFC 6749 server.
    Generic,
}

impl Provider {
    /// Lowercase name (`lawvu`, `logiless`, `legalon`, `generic`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::LawVu => "lawvu",
            Provider::Logiless => "logiless",
            Provider::LegalOn => "legalon",
            Provider::Generic => "generic",
        }
    }

    /// Parses a lowercase name.
    pub fn parse(s: &str) -> Option<Provider> {
        Some(match s {
            "lawvu" => Provider::LawVu,
            "logiless" => Provider::Logiless,
            "legalon" => Provider::LegalOn,
            "generic" => Provider::Generic,
            _ => return None,
        })
    }
}

/// OAuth 2.0 grant types (RFC 6749 §4.1, §6, §4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GrantType {
    /// `authorization_code`.
    AuthorizationCode,
    /// `refresh_token`.
    RefreshToken,
    /// `client_credentials`.
    ClientCredentials,
}

impl GrantType {
    /// The `grant_type` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
        }
    }
}

/// How token requests travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenMethod {
    /// RFC 6749 §3.2: POST with an `application/x-www-form-urlencoded` body.
    Post,
    /// Logiless: GET with the parameters in the query string (so the URL holds secrets).
    Get,
}

/// Order of the first parameters of the authorization URL, matching each vendor's example.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthorizeParamOrder {
    /// `response_type, client_id, redirect_uri` (RFC 6749 §4.1.1, LawVu's example).
    ResponseTypeFirst,
    /// `client_id, response_type, redirect_uri` (Logiless' parameter table).
    ClientIdFirst,
}

/// How long a provider's refresh tokens live, when it documents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshLifetime {
    /// Not documented: only the server knows.
    Unknown,
    /// The same for every client, in seconds (Logiless: 30 days).
    Fixed(u64),
    /// Depends on whether the client authenticated (LawVu: 1 day without `client_secret`,
    /// 30 days with it).
    ByClientType {
        /// Seconds for public clients.
        public: u64,
        /// Seconds for confidential clients.
        confidential: u64,
    },
    /// The provider issues no refresh tokens (LegalOn: re-acquire with client credentials).
    None,
}

impl RefreshLifetime {
    /// The lifetime in seconds for a client that is (or is not) confidential.
    pub const fn seconds(self, confidential: bool) -> Option<u64> {
        match self {
            RefreshLifetime::Fixed(s) => Some(s),
            RefreshLifetime::ByClientType { public, confidential: c } => Some(if confidential { c } else { public }),
            RefreshLifetime::Unknown | RefreshLifetime::None => None,
        }
    }
}

/// What a provider hook recognised in an error message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderMessage {
    /// The code the message maps to.
    pub code: ErrorCode,
    /// A time carried by the message (LawVu: when the refresh token expired).
    pub at: Option<Timestamp>,
}

/// A provider's profile. Every endpoint is overridable so the local sandbox can stand in.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Which provider.
    pub provider: Provider,
    /// Authorization endpoint (RFC 6749 §3.1); `None` where the provider has no user consent.
    pub authorization_endpoint: Option<Endpoint>,
    /// Token endpoint (RFC 6749 §3.2).
    pub token_endpoint: Endpoint,
    /// API base URL, when it is known before any token response.
    pub api_base: Option<String>,
    /// GET or POST token requests.
    pub token_method: TokenMethod,
    /// Grants the provider supports.
    pub grants: &'static [GrantType],
    /// Whether authorization requests carry PKCE S256 (RFC 7636).
    pub pkce: bool,
    /// Redirect URI rules.
    pub redirect_policy: RedirectPolicy,
    /// Authorization URL parameter order.
    pub authorize_param_order: AuthorizeParamOrder,
    /// Refresh token lifetime.
    pub refresh_lifetime: RefreshLifetime,
    /// Extra parameters added to every token request (LawVu `region_hint`).
    pub token_params: Vec<(String, String)>,
    /// Maps a provider's human-readable error message to a code (LawVu's documented strings).
    pub classify_message: fn(&str) -> Option<ProviderMessage>,
}

impl Profile {
    /// Whether the provider supports `grant`.
    pub fn supports(&self, grant: GrantType) -> bool {
        self.grants.contains(&grant)
    }
}

/// A hook that recognises nothing (providers whose errors are plain RFC 6749 codes).
pub fn no_messages(_: &str) -> Option<ProviderMessage> {
    None
}
