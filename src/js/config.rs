//! The JS `config` object → a core [`Client`].
//!
//! `{ provider: "lawvu" | "logiless" | "legalon" | "generic", … }`, camelCase field names as in
//! the package's `index.d.ts`. Every field is type-checked; a wrong or missing one is
//! `invalid_config` naming the field. A generic config may name only its `issuer` when it carries
//! the checked `metadata` (RFC 8414) the wrapper discovered (`js/oidc.js`).

use super::args::Args;
use tsunagi_core::client::{Client, ClientAuthMethod};
use tsunagi_core::discovery::ServerMetadata;
use tsunagi_core::profile::TokenMethod;
use tsunagi_core::providers::generic::GenericConfig;
use tsunagi_core::providers::lawvu::{LawVuConfig, LawVuEnvironment};
use tsunagi_core::providers::legalon::{LegalOnConfig, LegalOnRegion};
use tsunagi_core::providers::logiless::LogilessConfig;
use tsunagi_core::scope::ScopeParams;
use tsunagi_core::secret::{BasicCredentials, ClientSecret};
use tsunagi_core::{Error, ErrorCode, Result};

fn bad(message: &str) -> Error {
    Error::new(ErrorCode::InvalidConfig, message.to_owned())
}

fn owned(v: Option<&str>) -> Option<String> {
    v.map(str::to_owned)
}

/// Builds the core client described by `c` (the `config` object).
pub(crate) fn client(c: &Args<'_>) -> Result<Client> {
    match c.str("provider")? {
        "lawvu" => {
            let environment = LawVuEnvironment::parse(c.str("environment")?).ok_or_else(|| bad("config.environment must be \"sandbox\" or \"production\""))?;
            let mut cfg = LawVuConfig::new(environment, c.str("clientId")?, c.str("redirectUri")?);
            cfg.client_secret = c.opt_str("clientSecret")?.map(ClientSecret::new);
            cfg.region_hint = owned(c.opt_str("regionHint")?);
            cfg.authorize_url = owned(c.opt_str("authorizeUrl")?);
            cfg.token_url = owned(c.opt_str("tokenUrl")?);
            cfg.api_base = owned(c.opt_str("apiBase")?);
            cfg.client()
        }
        "logiless" => {
            let mut cfg = LogilessConfig::new(c.str("clientId")?, ClientSecret::new(c.str("clientSecret")?), c.str("redirectUri")?);
            cfg.merchant_id = owned(c.opt_str("merchantId")?);
            cfg.authorize_url = owned(c.opt_str("authorizeUrl")?);
            cfg.token_url = owned(c.opt_str("tokenUrl")?);
            cfg.api_base = owned(c.opt_str("apiBase")?);
            cfg.client()
        }
        "legalon" => {
            let region = LegalOnRegion::parse(c.str("region")?).ok_or_else(|| bad("config.region must be \"us\" or \"jp\""))?;
            let mut cfg = LegalOnConfig::new(region, BasicCredentials::new(c.str("credentials")?));
            cfg.token_url = owned(c.opt_str("tokenUrl")?);
            cfg.client()
        }
        "generic" => {
            let issuer = owned(c.opt_str("issuer")?);
            let token_endpoint = match (c.opt_str("tokenEndpoint")?, &issuer) {
                (Some(t), _) => t,
                (None, Some(_)) => "",
                (None, None) => c.str("tokenEndpoint")?,
            };
            let mut cfg = GenericConfig::new(owned(c.opt_str("authorizationEndpoint")?), token_endpoint, "");
            cfg.client_id = owned(c.opt_str("clientId")?);
            cfg.redirect_uri = owned(c.opt_str("redirectUri")?);
            cfg.client_auth = match c.opt_str("clientAuth")? {
                None => ClientAuthMethod::None,
                Some(s) => ClientAuthMethod::parse(s)
                    .ok_or_else(|| bad("config.clientAuth must be \"none\", \"client_secret_post\", \"client_secret_basic\" or \"basic_raw\""))?,
            };
            cfg.client_secret = c.opt_str("clientSecret")?.map(ClientSecret::new);
            cfg.credentials = c.opt_str("credentials")?.map(BasicCredentials::new);
            cfg.token_method = match c.opt_str("tokenMethod")?.map(str::to_ascii_uppercase).as_deref() {
                None | Some("POST") => TokenMethod::Post,
                Some("GET") => TokenMethod::Get,
                Some(_) => return Err(bad("config.tokenMethod must be \"POST\" or \"GET\"")),
            };
            cfg.pkce = c.opt_bool("pkce")?.unwrap_or(true);
            cfg.hash_route = c.opt_bool("hashRoute")?.unwrap_or(false);
            cfg.api_base = owned(c.opt_str("apiBase")?);
            cfg.refresh_lifetime_secs = c.opt_u64("refreshLifetimeSecs")?;
            cfg.issuer = issuer;
            cfg.require_iss = c.opt_bool("requireIss")?.unwrap_or(false);
            cfg.revocation_endpoint = owned(c.opt_str("revocationEndpoint")?);
            cfg.jwks_uri = owned(c.opt_str("jwksUri")?);
            cfg.scope_params = ScopeParams { scope: owned(c.opt_str("scope")?), resources: c.strings("resource")?, audience: owned(c.opt_str("audience")?) };
            if let Some(m) = c.opt_object("metadata", "config.metadata", ErrorCode::InvalidConfig)? {
                cfg.apply_metadata(&metadata(&m)?)?;
            }
            if cfg.token_endpoint.is_empty() {
                return Err(bad("config.issuer needs its metadata first: OAuthClient discovers it on first use; the low-level functions take discover()'s result as config.metadata"));
            }
            cfg.client()
        }
        _ => Err(bad("config.provider must be \"lawvu\", \"logiless\", \"legalon\" or \"generic\"")),
    }
}

/// `config.metadata` (what `discover()` returned: RFC 8414 names), read field by field; the
/// client built from it checks its endpoints and issuer again.
fn metadata(m: &Args<'_>) -> Result<ServerMetadata> {
    let opt = |k: &str| m.opt_str(k).map(owned);
    Ok(ServerMetadata {
        issuer: m.str("issuer")?.to_owned(),
        authorization_endpoint: opt("authorization_endpoint")?,
        token_endpoint: m.str("token_endpoint")?.to_owned(),
        jwks_uri: opt("jwks_uri")?,
        revocation_endpoint: opt("revocation_endpoint")?,
        scopes_supported: m.strings("scopes_supported")?,
        token_endpoint_auth_methods_supported: m.strings("token_endpoint_auth_methods_supported")?,
        code_challenge_methods_supported: m.strings("code_challenge_methods_supported")?,
        authorization_response_iss_parameter_supported: m.opt_bool("authorization_response_iss_parameter_supported")?.unwrap_or(false),
        id_token_signing_alg_values_supported: m.strings("id_token_signing_alg_values_supported")?,
    })
}

/// The client used to read a token response when the caller gives no `config`: a generic
/// RFC 6749 profile (no provider messages, unknown refresh lifetime).
pub(crate) fn generic_reader() -> Result<Client> {
    GenericConfig::new(None, "https://token.invalid/", "tsunagi").client()
}
