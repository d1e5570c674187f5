//! A configured OAuth client: a provider [`Profile`] plus the client's identity, redirect URI and
//! way of authenticating at the token endpoint (RFC 6749 §2.3).
//!
//! The request builders and response processors are implemented on [`Client`] in their own files
//! (`authorize`, `callback`, `token_request`, `token_response`, `next_step`, `api`, …), each
//! importing this module and never imported by it; the leaf types a client holds (`issuer`,
//! `scope`, `secret`) import nothing back.

use crate::issuer::AuthServer;
#[cfg(feature = "oidc")]
use crate::par_policy::ParPolicy;
use crate::profile::{GrantType, Profile};
use crate::scope::ScopeParams;
use crate::secret::{BasicCredentials, ClientId, ClientSecret, SentSecrets};
use crate::uri::RedirectUri;
use crate::{Error, ErrorCode, Result};
use std::borrow::Cow;

/// How the client authenticates to the token endpoint, with the secret it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// Public client: `client_id` in the request, no secret (LawVu's 1-day browser mode).
    None,
    /// `client_id` and `client_secret` as request parameters (RFC 6749 §2.3.1, body or, for GET
    /// token endpoints, query).
    SecretPost(ClientSecret),
    /// `Authorization: Basic base64(form(id) ":" form(secret))` (RFC 6749 §2.3.1).
    SecretBasic(ClientSecret),
    /// `Authorization: Basic {value}` with a ready-made value, sent unchanged (LegalOn).
    RawBasic(BasicCredentials),
}

/// The name of a [`ClientAuth`] method, as configuration spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuthMethod {
    /// `none`.
    None,
    /// `client_secret_post`.
    SecretPost,
    /// `client_secret_basic`.
    SecretBasic,
    /// `basic_raw`: a ready-made Basic credentials value.
    RawBasic,
}

impl ClientAuthMethod {
    /// Parses `none`, `client_secret_post`, `client_secret_basic` or `basic_raw`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "none" => ClientAuthMethod::None,
            "client_secret_post" => ClientAuthMethod::SecretPost,
            "client_secret_basic" => ClientAuthMethod::SecretBasic,
            "basic_raw" => ClientAuthMethod::RawBasic,
            _ => return None,
        })
    }

    /// Pairs the method with the secret it needs, or says which one is missing.
    pub fn with_secret(self, secret: Option<ClientSecret>, credentials: Option<BasicCredentials>) -> Result<ClientAuth> {
        let missing = |what: &str| Error::new(ErrorCode::InvalidConfig, format!("client authentication needs {what}"));
        Ok(match self {
            ClientAuthMethod::None => ClientAuth::None,
            ClientAuthMethod::SecretPost => ClientAuth::SecretPost(secret.ok_or_else(|| missing("a client secret"))?),
            ClientAuthMethod::SecretBasic => ClientAuth::SecretBasic(secret.ok_or_else(|| missing("a client secret"))?),
            ClientAuthMethod::RawBasic => ClientAuth::RawBasic(credentials.ok_or_else(|| missing("a credentials value"))?),
        })
    }
}

impl ClientAuth {
    /// Whether the client proves its identity with a secret (a confidential client, RFC 6749 §2.1).
    pub fn is_confidential(&self) -> bool {
        !matches!(self, ClientAuth::None)
    }
}

/// A configured client. Build one with a provider's config (`providers::lawvu::LawVuConfig`, …)
/// or [`Client::new`] for full control.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) profile: Profile,
    pub(crate) client_id: Option<ClientId>,
    pub(crate) redirect_uri: Option<RedirectUri>,
    pub(crate) auth: ClientAuth,
    /// What is known of the server beyond the profile (issuer, RFC 9207, revocation, JWKS).
    pub(crate) server: AuthServer,
    /// Default `scope`, `resource` and `audience` (empty for every vendor profile).
    pub(crate) scope_params: ScopeParams,
    /// When the authorization request is pushed (RFC 9126); never, by default.
    #[cfg(feature = "oidc")]
    pub(crate) par: ParPolicy,
    /// Whether the runtime proves possession of a key on this client's requests (RFC 9449,
    /// `Client::with_dpop`).
    #[cfg_attr(not(feature = "dpop"), allow(dead_code))]
    pub(crate) dpop: bool,
}

impl Client {
    /// A client for `profile`. Checks that what the profile's grants need is present: a client id
    /// and redirect URI for the authorization-code flow, a client id for public clients.
    pub fn new(profile: Profile, client_id: Option<&str>, redirect_uri: Option<&str>, auth: ClientAuth) -> Result<Self> {
        let client_id = match client_id.map(str::trim) {
            Some("") | None => None,
            Some(id) => Some(ClientId::new(id)),
        };
        let redirect_uri = redirect_uri.map(|uri| RedirectUri::parse(uri, profile.redirect_policy)).transpose()?;
        if profile.supports(GrantType::AuthorizationCode) && profile.authorization_endpoint.is_some() && client_id.is_none() {
            return Err(Error::new(ErrorCode::InvalidConfig, format!("{} needs a client id", profile.id)));
        }
        if matches!(auth, ClientAuth::None | ClientAuth::SecretPost(_) | ClientAuth::SecretBasic(_)) && client_id.is_none() {
            return Err(Error::new(ErrorCode::InvalidConfig, "this client authentication method needs a client id"));
        }
        Ok(Client {
            profile,
            client_id,
            redirect_uri,
            auth,
            server: AuthServer::default(),
            scope_params: ScopeParams::default(),
            #[cfg(feature = "oidc")]
            par: ParPolicy::default(),
            dpop: false,
        })
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }
    /// The client id, if any.
    pub fn client_id(&self) -> Option<&ClientId> {
        self.client_id.as_ref()
    }
    /// The redirect URI, if any.
    pub fn redirect_uri(&self) -> Option<&RedirectUri> {
        self.redirect_uri.as_ref()
    }
    /// How the client authenticates.
    pub fn auth(&self) -> &ClientAuth {
        &self.auth
    }
    /// Whether the client is confidential (has a secret).
    pub fn is_confidential(&self) -> bool {
        self.auth.is_confidential()
    }
    /// Whether the client runs a user flow: the profile has the authorization-code grant
    /// (RFC 6749 §4.1) and the client a redirect URI (§3.1.2) to receive it. LegalOn, and a
    /// generic client without a redirect URI, act only for themselves (client credentials).
    pub fn authorizes_users(&self) -> bool {
        self.profile.supports(GrantType::AuthorizationCode) && self.redirect_uri.is_some()
    }

    pub(crate) fn require_grant(&self, grant: GrantType) -> Result<()> {
        if self.profile.supports(grant) {
            Ok(())
        } else {
            Err(Error::new(ErrorCode::UnsupportedOperation, format!("{} does not support the {} grant", self.profile.id, grant.as_str())))
        }
    }

    pub(crate) fn require_redirect_uri(&self) -> Result<&RedirectUri> {
        self.redirect_uri.as_ref().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "this flow needs a redirect URI"))
    }

    /// This client with what it knows of its server (see [`AuthServer`]).
    pub fn with_server(mut self, server: AuthServer) -> Self {
        self.server = server;
        self
    }

    /// What this client knows of its server.
    pub fn server(&self) -> &AuthServer {
        &self.server
    }

    /// The RFC 9207 §2.4 check of an authorization response's `iss` (callback or error), done
    /// before anything else is trusted: with a configured issuer, an `iss` that differs is
    /// [`ErrorCode::IssuerMismatch`] (a mix-up: the code is for another server and is not
    /// exchanged); a missing `iss` is [`ErrorCode::IssuerMissing`] when the server is known to
    /// send it ([`AuthServer::require_iss`]), else accepted. Without a configured issuer, nothing
    /// is checked.
    pub fn check_iss(&self, iss: Option<&str>) -> Result<()> {
        crate::issuer::check_iss(&self.server, iss)
    }

    /// This client with default scope, resources and audience: sent on every authorization
    /// request and client-credentials request (not on a refresh, which keeps the granted scope
    /// unless [`Client::refresh_request_with`] narrows it, RFC 6749 §6).
    pub fn with_scope_params(mut self, params: ScopeParams) -> Result<Self> {
        params.check()?;
        self.scope_params = params;
        Ok(self)
    }

    /// The default scope, resources and audience.
    pub fn scope_params(&self) -> &ScopeParams {
        &self.scope_params
    }

    /// This client with its PAR policy (RFC 9126: mode, the server's endpoint and requirement).
    #[cfg(feature = "oidc")]
    pub fn with_par(mut self, par: ParPolicy) -> Self {
        self.par = par;
        self
    }

    /// When this client pushes its authorization requests (RFC 9126).
    #[cfg(feature = "oidc")]
    pub fn par(&self) -> &ParPolicy {
        &self.par
    }
}

impl<'a> SentSecrets<'a> {
    /// The secrets a client's configuration makes it send to the token endpoint: its client
    /// secret (and, for `client_secret_basic`, the Basic value built from it per RFC 6749
    /// §2.3.1) or its ready-made Basic credentials (LegalOn).
    pub fn of_client(client: &'a Client) -> Self {
        let mut sent = SentSecrets::new();
        match client.auth() {
            ClientAuth::None => {}
            ClientAuth::SecretPost(secret) => sent.add(secret.secret()),
            ClientAuth::SecretBasic(secret) => {
                sent.add(secret.secret());
                let form = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
                let id = client.client_id().map(ClientId::as_str).unwrap_or_default();
                let pair = format!("{}:{}", form(id), form(secret.secret()));
                sent.push(Cow::Owned(crate::base64url::encode_standard(pair.as_bytes())));
            }
            ClientAuth::RawBasic(credentials) => sent.add_credentials(credentials.secret()),
        }
        sent
    }
}
