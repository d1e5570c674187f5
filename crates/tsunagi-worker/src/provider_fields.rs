//! The Worker's side of the core's provider registry ([`tsunagi_core::providers::client_from`]):
//! a connection's provider fields spelled snake_case, its `secret` naming a Worker secret rather
//! than holding it, `{origin}/auth/{name}/callback` as the default redirect URI, and errors
//! worded `TSUNAGI_CONNECTIONS: connection '…', field '…': …` (docs/configuration.md).

use tsunagi_core::discovery::ServerMetadata;
use tsunagi_core::profile::GrantType;
use tsunagi_core::providers::fields::{Problem, Runtime, Spelling};
use tsunagi_core::{Error, ErrorCode, Result};

/// The variable that holds the document.
pub const VARIABLE: &str = "TSUNAGI_CONNECTIONS";

/// A `config_invalid` error naming the connection and field.
pub fn invalid(name: &str, field: &str, why: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::ConfigInvalid, format!("{VARIABLE}: connection '{name}', field '{field}': {why}"))
}

/// `a, b or c`.
pub fn or_list(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// One connection as the registry reads it.
pub struct WorkerRuntime<'a> {
    /// The connection's name.
    pub name: &'a str,
    /// The value of the Worker secret its `secret` field names, if set.
    pub secret: Option<&'a str>,
    /// The Worker's origin, for the default redirect URI.
    pub origin: &'a str,
    /// The connection's grant.
    pub grant: GrantType,
    /// The issuer's checked metadata, for a connection that discovers its endpoints.
    pub metadata: Option<&'a ServerMetadata>,
}

impl WorkerRuntime<'_> {
    /// The field is named, not its value: a secret's value pasted into `secret` can look like a
    /// name (A-Z, 0-9, `_`), and an error must not repeat it.
    fn missing_secret(&self) -> Error {
        Error::new(
            ErrorCode::ConfigMissing,
            format!(
                "connection '{}': the Worker secret named by its 'secret' field is not set (`wrangler secret put` with that name; `.dev.vars` for local runs)",
                self.name
            ),
        )
    }
}

impl Runtime for WorkerRuntime<'_> {
    fn spelling(&self) -> Spelling {
        Spelling::Worker
    }

    fn provider_key(&self) -> &'static str {
        "profile"
    }

    /// The value of the Worker secret named by the field (looked up by the caller), or
    /// `config_missing` naming the field, never the name's value.
    fn secret(&self, _key: &str, _name: &str) -> Result<String> {
        self.secret.map(str::to_owned).ok_or_else(|| self.missing_secret())
    }

    fn invalid(&self, key: &str, problem: Problem<'_>) -> Error {
        let why = match problem {
            Problem::NotString => "is not a string".to_owned(),
            Problem::NotBoolean => "is not true or false".to_owned(),
            Problem::NotNumber => "is not a whole number of seconds".to_owned(),
            Problem::NotStrings => "is not a list of strings".to_owned(),
            Problem::NotUrl(u) => format!("'{u}' is not an absolute http(s) URL"),
            Problem::NotOneOf(v, allowed) => format!("'{v}' is not {}", or_list(allowed)),
            Problem::Missing(why) => why.to_owned(),
            Problem::Rejected(e) => e.message().to_owned(),
            Problem::NotBuiltIn(v, _) => format!("'{v}' is not built into this Worker"),
        };
        invalid(self.name, key, why)
    }

    /// `redirect_uri`: `{the Worker's origin}/auth/{name}/callback`.
    fn default(&self, key: &str) -> Option<String> {
        (key == "redirect_uri").then(|| format!("{}/auth/{}/callback", self.origin, self.name))
    }

    fn grant(&self) -> Option<GrantType> {
        Some(self.grant)
    }

    fn metadata(&self) -> Result<Option<ServerMetadata>> {
        Ok(self.metadata.cloned())
    }
}
