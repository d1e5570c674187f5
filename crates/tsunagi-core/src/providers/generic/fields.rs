//! A generic RFC 6749 server's configuration fields, declared once for both runtimes (the
//! package's camelCase config, the Worker's connection), and their reader. The runtimes differ
//! in more than spelling here, and each difference is written out below.

use super::{GenericConfig, GRANTS};
use crate::client::{Client, ClientAuthMethod};
#[cfg(feature = "oidc")]
use crate::discovery::ServerMetadata;
use crate::issuer::AuthServer;
use crate::profile::{GrantType, TokenMethod};
use crate::providers::fields::{Field, Fields, Registered, Settings, Spelling};
use crate::secret::{BasicCredentials, ClientSecret};
use crate::{Error, ErrorCode, Result};

/// The issuer identifier (RFC 8414 §2): endpoints missing are discovered from it.
const ISSUER: Field = Field::new("issuer", "issuer");
const TOKEN_ENDPOINT: Field = Field::new("tokenEndpoint", "token_url");
const AUTHORIZATION_ENDPOINT: Field = Field::new("authorizationEndpoint", "authorize_url");
/// Optional in the package (a client-credentials-only or low-level use); required by the Worker.
const CLIENT_ID: Field = Field::new("clientId", "client_id");
/// The Worker supplies `{its origin}/auth/{name}/callback` when absent (code grant only).
const REDIRECT_URI: Field = Field::new("redirectUri", "redirect_uri");
/// The package: default `none`, `basic_raw` too. The Worker: default `client_secret_basic`
/// with a `secret`, else `none`.
const CLIENT_AUTH: Field = Field::new("clientAuth", "client_auth");
const CLIENT_SECRET: Field = Field::new("clientSecret", "secret");
const CREDENTIALS: Field = Field::package("credentials");
const TOKEN_METHOD: Field = Field::package("tokenMethod");
const PKCE: Field = Field::new("pkce", "pkce");
const HASH_ROUTE: Field = Field::package("hashRoute");
const API_BASE: Field = Field::new("apiBase", "api_base");
const REFRESH_LIFETIME_SECS: Field = Field::new("refreshLifetimeSecs", "refresh_lifetime_secs");
/// The package's setting; the Worker requires `iss` whenever an issuer is configured.
const REQUIRE_ISS: Field = Field::package("requireIss");
const REVOCATION_ENDPOINT: Field = Field::new("revocationEndpoint", "revocation_url");
const JWKS_URI: Field = Field::package("jwksUri");
/// The package's `scope` string; the Worker's `scopes` list, sent space-separated.
const SCOPE: Field = Field::new("scope", "scopes");
const RESOURCE: Field = Field::package("resource");
const AUDIENCE: Field = Field::package("audience");
/// Pushed Authorization Requests (RFC 9126): absent = when the server requires them, `true` =
/// whenever its metadata names a PAR endpoint, `false` = never.
const PAR: Field = Field::new("par", "par");
/// DPoP (RFC 9449): `true`, `false` (the default) or `"auto"`. The package's and the Worker's
/// (whose objects hold the key, docs/security.md).
#[cfg(feature = "dpop")]
const DPOP: Field = Field::new("dpop", "dpop");

/// Every field above.
const FIELDS: &[Field] = &[
    ISSUER,
    TOKEN_ENDPOINT,
    AUTHORIZATION_ENDPOINT,
    CLIENT_ID,
    REDIRECT_URI,
    CLIENT_AUTH,
    CLIENT_SECRET,
    CREDENTIALS,
    TOKEN_METHOD,
    PKCE,
    HASH_ROUTE,
    API_BASE,
    REFRESH_LIFETIME_SECS,
    REQUIRE_ISS,
    REVOCATION_ENDPOINT,
    JWKS_URI,
    SCOPE,
    RESOURCE,
    AUDIENCE,
    PAR,
    #[cfg(feature = "dpop")]
    DPOP,
];

/// The generic profile's line of the registry.
pub(crate) const REGISTERED: Registered = Registered { id: super::ID, grants: GRANTS, fields: FIELDS, read };

/// A generic configuration read from a runtime, and whether a user signs in (false when the
/// runtime fixes the client-credentials grant: no authorization endpoint, no redirect URI).
struct Read {
    cfg: GenericConfig,
    user: bool,
}

fn read(f: &Fields<'_>) -> Result<Box<dyn Settings>> {
    let worker = f.spelling() == Spelling::Worker;
    let user = f.runtime().grant() != Some(GrantType::ClientCredentials);
    let issuer = f.url(&ISSUER)?;
    if let Some(i) = issuer.as_deref().filter(|i| !i.is_empty()) {
        f.check(&ISSUER, AuthServer::check_issuer(i))?;
    }
    let token_endpoint = match (f.url(&TOKEN_ENDPOINT)?, &issuer) {
        (Some(t), _) => t,
        (None, Some(_)) => String::new(),
        (None, None) => return Err(f.missing(&TOKEN_ENDPOINT, "is required for a generic connection without an issuer to discover")),
    };
    let authorization_endpoint = if user { f.url(&AUTHORIZATION_ENDPOINT)? } else { None };
    if worker && user && authorization_endpoint.is_none() && issuer.is_none() {
        return Err(f.missing(&AUTHORIZATION_ENDPOINT, "is required for a generic authorization_code connection without an issuer"));
    }
    let mut cfg = GenericConfig::new(authorization_endpoint, token_endpoint, "");
    cfg.client_id = if worker { Some(f.required(&CLIENT_ID, "is required")?) } else { f.string(&CLIENT_ID)? };
    cfg.redirect_uri = if user { f.url(&REDIRECT_URI)? } else { None };
    let allowed: &[&str] =
        if worker { &["none", "client_secret_basic", "client_secret_post"] } else { &["none", "client_secret_post", "client_secret_basic", "basic_raw"] };
    let parse = |s: &str| ClientAuthMethod::parse(s).filter(|m| !worker || *m != ClientAuthMethod::RawBasic);
    cfg.client_auth = match f.choice(&CLIENT_AUTH, parse, allowed)? {
        Some(m) => m,
        None if worker && f.string(&CLIENT_SECRET)?.is_some() => ClientAuthMethod::SecretBasic,
        None => ClientAuthMethod::None,
    };
    cfg.client_secret = match (worker, cfg.client_auth) {
        (false, _) => f.secret(&CLIENT_SECRET)?.map(ClientSecret::new),
        // the Worker looks the secret up only for a method that sends it
        (true, ClientAuthMethod::None) => None,
        (true, _) => Some(ClientSecret::new(f.secret(&CLIENT_SECRET)?.ok_or_else(|| f.missing(&CLIENT_SECRET, "is required by client_auth"))?)),
    };
    cfg.credentials = f.secret(&CREDENTIALS)?.map(BasicCredentials::new);
    let method = |s: &str| match s.to_ascii_uppercase().as_str() {
        "POST" => Some(TokenMethod::Post),
        "GET" => Some(TokenMethod::Get),
        _ => None,
    };
    cfg.token_method = f.choice(&TOKEN_METHOD, method, &["POST", "GET"])?.unwrap_or(TokenMethod::Post);
    cfg.pkce = f.boolean(&PKCE)?.unwrap_or(true);
    cfg.hash_route = f.boolean(&HASH_ROUTE)?.unwrap_or(false);
    cfg.api_base = f.url(&API_BASE)?;
    cfg.refresh_lifetime_secs = f.number(&REFRESH_LIFETIME_SECS)?;
    cfg.require_iss = f.boolean(&REQUIRE_ISS)?.unwrap_or(worker && issuer.is_some());
    cfg.issuer = issuer;
    cfg.revocation_endpoint = f.url(&REVOCATION_ENDPOINT)?;
    cfg.jwks_uri = f.url(&JWKS_URI)?;
    cfg.scope_params.scope = if worker { Some(f.strings(&SCOPE)?.join(" ")).filter(|s| !s.is_empty()) } else { f.string(&SCOPE)? };
    cfg.scope_params.resources = f.strings(&RESOURCE)?;
    cfg.scope_params.audience = f.string(&AUDIENCE)?;
    cfg.par = if user { f.boolean(&PAR)? } else { None };
    #[cfg(feature = "dpop")]
    {
        use crate::dpop::DpopMode;
        cfg.dpop = match f.boolean(&DPOP) {
            Ok(on) => on.map_or(DpopMode::Off, |on| if on { DpopMode::On } else { DpopMode::Off }),
            Err(_) => f.choice(&DPOP, |s| (s == "auto").then_some(DpopMode::Auto), &["auto"])?.unwrap_or(DpopMode::Off),
        };
    }
    Ok(Box::new(Read { cfg, user }))
}

impl Settings for Read {
    fn issuer(&self) -> Option<&str> {
        self.cfg.issuer.as_deref().filter(|i| !i.is_empty())
    }

    /// An issuer, and no token endpoint or (a user signing in) no authorization endpoint, or
    /// `par: true` (the PAR endpoint is only in the metadata, RFC 9126 §5).
    fn discovers(&self) -> bool {
        let par = self.user && self.cfg.par == Some(true);
        self.issuer().is_some() && (self.cfg.token_endpoint.trim().is_empty() || (self.user && self.cfg.authorization_endpoint.is_none()) || par)
    }

    fn revokes(&self) -> bool {
        self.cfg.revocation_endpoint.is_some()
    }

    fn takes_metadata(&self) -> bool {
        true
    }

    #[cfg(feature = "oidc")]
    fn apply_metadata(&mut self, metadata: &ServerMetadata) -> Result<()> {
        self.cfg.apply_metadata(metadata)?;
        if !self.user {
            // the client's own token: no user, whatever the server also offers
            self.cfg.authorization_endpoint = None;
        }
        Ok(())
    }

    fn client(&self) -> Result<Client> {
        if self.cfg.token_endpoint.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidConfig,
                "config.issuer needs its metadata first: OAuthClient discovers it on first use; the low-level functions take discover()'s result as config.metadata",
            ));
        }
        self.cfg.client()
    }
}

#[cfg(test)]
mod tests {
    use crate::json::{self, Json};
    use crate::profile::GrantType;
    use crate::providers::fields::{Spelling, TestRuntime};
    use crate::providers::{client_from, read, ConfigSource};

    const WORKER: &str = r#"{"client_id": "app", "secret": "IDP", "token_url": "https://id.example/token", "authorize_url": "https://id.example/auth", "scopes": ["openid", "email"]}"#;

    fn with<T>(text: &str, f: impl FnOnce(&json::JsonObject) -> T) -> T {
        let Ok(Json::Object(fields)) = json::parse(text) else { panic!("{text}") };
        f(&fields)
    }

    #[test]
    fn the_worker_conventions() {
        let code = TestRuntime(Spelling::Worker, None);
        let c = with(WORKER, |fields| client_from(&ConfigSource { provider: super::super::ID, fields, runtime: &code }));
        let c = c.unwrap_or_else(|e| panic!("{e}"));
        assert!(c.is_confidential(), "client_secret_basic by default with a secret");
        assert_eq!(c.scope_params().scope.as_deref(), Some("openid email"));
        assert!(c.redirect_uri().is_some() && c.profile().authorization_endpoint.is_some());
        // a client-credentials connection: no user, so no authorization endpoint or redirect URI
        let cc = TestRuntime(Spelling::Worker, Some(GrantType::ClientCredentials));
        let c = with(WORKER, |fields| client_from(&ConfigSource { provider: super::super::ID, fields, runtime: &cc })).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.redirect_uri().is_none() && c.profile().authorization_endpoint.is_none());
        // an issuer alone is discovered; the package keeps its own key names
        let s = with(r#"{"client_id": "app", "issuer": "https://id.example/t"}"#, |fields| {
            read(&ConfigSource { provider: super::super::ID, fields, runtime: &code })
        });
        assert!(s.is_ok_and(|s| s.discovers() && s.issuer() == Some("https://id.example/t")));
        let package = TestRuntime(Spelling::Package, None);
        let missing =
            with(WORKER, |fields| client_from(&ConfigSource { provider: super::super::ID, fields, runtime: &package })).err().map(|e| e.message().to_owned());
        assert_eq!(missing.as_deref(), Some("tokenEndpoint: Missing(\"is required for a generic connection without an issuer to discover\")"));
    }

    #[test]
    #[cfg(feature = "oidc")]
    fn par_is_a_boolean_and_true_discovers() {
        // RFC 9126 §5: the PAR endpoint is only in the metadata, so `par: true` fetches it even
        // with the endpoints configured
        let code = TestRuntime(Spelling::Worker, None);
        let settings = |text: &str| with(text, |fields| read(&ConfigSource { provider: super::super::ID, fields, runtime: &code }).map(|s| s.discovers()));
        let endpoints =
            r#""client_id": "app", "issuer": "https://id.example", "token_url": "https://id.example/token", "authorize_url": "https://id.example/auth""#;
        assert_eq!(settings(&format!("{{{endpoints}}}")).ok(), Some(false));
        assert_eq!(settings(&format!("{{{endpoints}, \"par\": false}}")).ok(), Some(false));
        assert_eq!(settings(&format!("{{{endpoints}, \"par\": true}}")).ok(), Some(true));
        assert!(settings(&format!("{{{endpoints}, \"par\": \"yes\"}}")).is_err());
        let c = with(WORKER, |fields| client_from(&ConfigSource { provider: super::super::ID, fields, runtime: &code }));
        assert_eq!(c.map(|c| c.par().mode).ok(), Some(crate::par_policy::ParMode::Auto));
    }
}
