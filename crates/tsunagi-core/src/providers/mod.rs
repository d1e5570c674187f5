//! One folder per provider, each behind its cargo feature and holding everything about it: its
//! config fields and reader, endpoints, quirks, token fields and documented vectors (as arctic
//! does), plus a generic RFC 6749 profile; and the registry, [`client_from`], that both runtimes
//! build their clients through. Every host can be overridden so the local sandbox can stand in.

pub mod fields;
#[cfg(feature = "generic")]
pub mod generic;
#[cfg(feature = "lawvu")]
pub mod lawvu;
#[cfg(feature = "legalon")]
pub mod legalon;
#[cfg(feature = "logiless")]
pub mod logiless;

use crate::client::Client;
use crate::json::JsonObject;
use crate::uri::Endpoint;
use crate::Result;
pub use fields::Registered;
use fields::{Fields, Problem, Runtime, Settings};

/// The registry: one line per provider (each behind its feature).
const REGISTRY: &[Registered] = &[
    #[cfg(feature = "lawvu")]
    lawvu::fields::REGISTERED,
    #[cfg(feature = "logiless")]
    logiless::fields::REGISTERED,
    #[cfg(feature = "legalon")]
    legalon::fields::REGISTERED,
    #[cfg(feature = "generic")]
    generic::fields::REGISTERED,
];

/// The providers this build leaves out, each with whether it needs a client secret (its
/// document: a confidential client only). A config naming one is refused with
/// [`Problem::NotBuiltIn`], so the runtime can say where it does run: the npm package's browser
/// modules leave out the providers that need a secret (use the Worker), `tsunagi/lawvu`'s the rest.
const LEFT_OUT: &[(&str, bool)] = &[
    #[cfg(not(feature = "lawvu"))]
    ("lawvu", false),
    #[cfg(not(feature = "logiless"))]
    ("logiless", true),
    #[cfg(not(feature = "legalon"))]
    ("legalon", true),
    #[cfg(not(feature = "generic"))]
    ("generic", false),
];

/// A configuration to build a client from: the provider's id, its fields object and the runtime
/// reading it (spelling, secret lookup, error wording, discovered metadata).
pub struct ConfigSource<'a> {
    /// The provider's id ([`ids`]).
    pub provider: &'a str,
    /// The provider's fields.
    pub fields: &'a JsonObject,
    /// The runtime.
    pub runtime: &'a dyn Runtime,
}

/// The ids of the providers built in, in registry order.
pub fn ids() -> impl Iterator<Item = &'static str> {
    REGISTRY.iter().map(|r| r.id)
}

/// The provider `id`, if built in.
pub fn registered(id: &str) -> Option<&'static Registered> {
    REGISTRY.iter().find(|r| r.id == id)
}

/// The provider's settings read from `config` (every field type-checked, in the runtime's words),
/// before the client is built. Unknown provider: [`Problem::NotOneOf`] on the runtime's
/// [`Runtime::provider_key`]; a known one this build leaves out: [`Problem::NotBuiltIn`].
pub fn read(config: &ConfigSource<'_>) -> Result<Box<dyn Settings>> {
    let Some(provider) = registered(config.provider) else {
        if let Some((_, needs_secret)) = LEFT_OUT.iter().find(|(id, _)| *id == config.provider) {
            return Err(config.runtime.invalid(config.runtime.provider_key(), Problem::NotBuiltIn(config.provider, *needs_secret)));
        }
        let ids: Vec<&str> = ids().collect();
        return Err(config.runtime.invalid(config.runtime.provider_key(), Problem::NotOneOf(config.provider, &ids)));
    };
    (provider.read)(&Fields::new(config.fields, config.runtime))
}

/// The client `config` describes: its provider's reader, the runtime's discovered metadata if
/// any, then the provider's client.
pub fn client_from(config: &ConfigSource<'_>) -> Result<Client> {
    #[allow(unused_mut)] // mutated only with the oidc feature
    let mut settings = read(config)?;
    #[cfg(feature = "oidc")]
    if settings.takes_metadata() {
        if let Some(m) = config.runtime.metadata()? {
            settings.apply_metadata(&m)?;
        }
    }
    settings.client()
}

/// `override` when given, else `default`, validated as an endpoint.
#[cfg_attr(not(feature = "all-providers"), allow(dead_code))]
pub(crate) fn endpoint_or(override_url: Option<&str>, default: &str, allow_fragment: bool) -> Result<Endpoint> {
    Endpoint::parse(override_url.filter(|s| !s.trim().is_empty()).unwrap_or(default), allow_fragment)
}

/// `url` without trailing slashes.
#[cfg_attr(not(feature = "all-providers"), allow(dead_code))]
pub(crate) fn trim_base(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::fields::{Spelling, TestRuntime};
    use super::*;

    fn read_err(id: &str) -> String {
        let fields = JsonObject::new();
        let runtime = TestRuntime(Spelling::Package, None);
        match read(&ConfigSource { provider: id, fields: &fields, runtime: &runtime }) {
            Ok(_) => String::from("read"),
            Err(e) => e.message().to_owned(),
        }
    }

    /// A provider left out of the build is named as such (with whether it needs a secret, so the
    /// browser can say to use the Worker); an unknown one lists what is built in.
    #[test]
    fn a_left_out_provider_is_not_an_unknown_one() {
        for (id, needs_secret) in LEFT_OUT {
            assert!(registered(id).is_none());
            assert_eq!(read_err(id), format!("provider: NotBuiltIn({id:?}, {needs_secret})"));
        }
        assert_eq!(ids().count() + LEFT_OUT.len(), 4, "every provider is built in or left out");
        assert!(read_err("nope").contains("NotOneOf(\"nope\""), "{}", read_err("nope"));
    }
}
