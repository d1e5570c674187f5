//! The JS `config` object → a core [`Client`], through the core's provider registry
//! ([`client_from`]): the package's side of it is the spelling (camelCase, as in `index.d.ts`),
//! the secret held in the object itself, and the wording of errors: a wrong or missing field is
//! `invalid_config` naming `config.{field}`. A generic config may name only its `issuer` when it
//! carries the checked `metadata` (RFC 8414) the wrapper discovered.

use super::args::Args;
use tsunagi_core::client::Client;
#[cfg(feature = "oidc")]
use tsunagi_core::discovery::ServerMetadata;
use tsunagi_core::providers::fields::{Problem, Runtime, Spelling};
#[cfg(feature = "generic")]
use tsunagi_core::providers::generic::GenericConfig;
use tsunagi_core::providers::{client_from, ConfigSource};
use tsunagi_core::{Error, ErrorCode, Result};

fn bad(message: String) -> Error {
    Error::new(ErrorCode::InvalidConfig, message)
}

#[cfg(feature = "oidc")]
fn owned(v: Option<&str>) -> Option<String> {
    v.map(str::to_owned)
}

/// The package's conventions for the registry.
struct Package<'a, 'b> {
    #[cfg_attr(not(feature = "oidc"), allow(dead_code))] // read only for the metadata
    config: &'b Args<'a>,
}

impl Runtime for Package<'_, '_> {
    fn spelling(&self) -> Spelling {
        Spelling::Package
    }

    fn provider_key(&self) -> &'static str {
        "provider"
    }

    /// The package's config holds the secret itself.
    fn secret(&self, _key: &str, value: &str) -> Result<String> {
        Ok(value.to_owned())
    }

    fn invalid(&self, key: &str, problem: Problem<'_>) -> Error {
        let expected = match problem {
            Problem::Rejected(e) => return e.clone(),
            Problem::NotString | Problem::Missing(_) => "a string".to_owned(),
            Problem::NotBoolean => "a boolean".to_owned(),
            Problem::NotNumber => "a non-negative number".to_owned(),
            Problem::NotStrings => "a string or an array of strings".to_owned(),
            Problem::NotUrl(_) => "a URL".to_owned(),
            Problem::NotOneOf(_, allowed) => one_of(allowed),
            Problem::NotBuiltIn(id, true) => {
                return bad(format!(
                    "config.{key} \"{id}\" needs a client secret, which must never reach a browser, so the browser's build of tsunagi leaves it out: connect it through the tsunagi Worker (README, \"The Worker\"), or use tsunagi from Node"
                ))
            }
            Problem::NotBuiltIn(id, false) => return bad(format!("config.{key} \"{id}\" is not in tsunagi/lawvu: import it from \"tsunagi\"")),
        };
        bad(format!("config.{key} must be {expected}"))
    }

    #[cfg(feature = "oidc")]
    fn metadata(&self) -> Result<Option<ServerMetadata>> {
        self.config.opt_object("metadata", "config.metadata", ErrorCode::InvalidConfig)?.map(|m| metadata(&m)).transpose()
    }
}

/// `"a", "b" or "c"`.
fn one_of(allowed: &[&str]) -> String {
    let quoted: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "known".to_owned(),
    }
}

/// Builds the core client described by `c` (the `config` object).
pub(crate) fn client(c: &Args<'_>) -> Result<Client> {
    let provider = c.str("provider")?;
    client_from(&ConfigSource { provider, fields: c.map(), runtime: &Package { config: c } })
}

#[cfg(feature = "oidc")]
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
        pushed_authorization_request_endpoint: opt("pushed_authorization_request_endpoint")?,
        require_pushed_authorization_requests: m.opt_bool("require_pushed_authorization_requests")?.unwrap_or(false),
        dpop_signing_alg_values_supported: m.strings("dpop_signing_alg_values_supported")?,
    })
}

/// The client used to read a token response when the caller gives no `config`: a generic
/// RFC 6749 profile (no provider messages, unknown refresh lifetime).
#[cfg(feature = "generic")]
pub(crate) fn generic_reader() -> Result<Client> {
    GenericConfig::new(None, "https://token.invalid/", "tsunagi").client()
}
