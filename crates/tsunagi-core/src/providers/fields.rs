//! What a runtime hands the provider registry ([`super::client_from`]): a configuration object,
//! its key spelling, its secret lookup and its error wording ([`Runtime`]). Each provider declares
//! its fields once ([`Field`]) and reads them through [`Fields`]; this module names no provider.

use crate::client::Client;
#[cfg(feature = "oidc")]
use crate::discovery::ServerMetadata;
use crate::json::{Json, JsonObject};
use crate::profile::GrantType;
use crate::{Error, Result};

/// The largest integer a JS number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// Which runtime's configuration is read, and so its conventions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spelling {
    /// The npm package's config object (`js/index.d.ts`): camelCase keys, strings as given, a
    /// repeatable value as a string or an array, numbers truncated to integers.
    Package,
    /// One connection of the Worker's `TSUNAGI_CONNECTIONS` (docs/configuration.md): snake_case
    /// keys, strings trimmed (blank is unset), URLs absolute http(s), lists as arrays, whole
    /// numbers, and a secret field naming a Worker secret rather than holding it.
    Worker,
}

/// One configuration field of a provider, declared once in its folder: its key in each runtime
/// (`None`: not a setting of that runtime) and the Worker's default where the package has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// The package's key.
    pub package: Option<&'static str>,
    /// The Worker's key.
    pub worker: Option<&'static str>,
    /// The Worker's value when the field is absent (the package requires such a field).
    pub worker_default: Option<&'static str>,
}

impl Field {
    /// A field of both runtimes.
    pub const fn new(package: &'static str, worker: &'static str) -> Field {
        Field { package: Some(package), worker: Some(worker), worker_default: None }
    }
    /// A setting of the package only.
    pub const fn package(package: &'static str) -> Field {
        Field { package: Some(package), worker: None, worker_default: None }
    }
    /// With the Worker's default value.
    pub const fn worker_default(self, value: &'static str) -> Field {
        Field { worker_default: Some(value), ..self }
    }
    /// Its key in `spelling`.
    pub const fn key(&self, spelling: Spelling) -> Option<&'static str> {
        match spelling {
            Spelling::Package => self.package,
            Spelling::Worker => self.worker,
        }
    }
}

/// A provider in the registry: its id (the package's `provider`, the Worker's `profile`), the
/// grants its client can use ([`crate::profile::Profile::grants`]), its fields and their reader.
pub struct Registered {
    /// The id.
    pub id: &'static str,
    /// The grants of its profile.
    pub grants: &'static [GrantType],
    /// Its configuration fields, each declared once (the Worker refuses a key none declares).
    pub fields: &'static [Field],
    /// Reads its fields ([`Field`]s declared in its folder) into its settings.
    pub read: fn(&Fields<'_>) -> Result<Box<dyn Settings>>,
}

/// What is wrong with a field; the runtime words it ([`Runtime::invalid`]).
#[derive(Clone, Copy, Debug)]
pub enum Problem<'a> {
    /// Not a string.
    NotString,
    /// Not a boolean.
    NotBoolean,
    /// Not a non-negative whole number.
    NotNumber,
    /// Not a list of strings (the package: nor a string).
    NotStrings,
    /// The Worker: not an absolute http(s) URL.
    NotUrl(&'a str),
    /// The value is none of `allowed`.
    NotOneOf(&'a str, &'a [&'a str]),
    /// Required and absent; `why` says what it is for.
    Missing(&'a str),
    /// Refused by a check of the core (an issuer identifier, …).
    Rejected(&'a Error),
    /// A provider this build leaves out; `true` when it needs a client secret, which is why the
    /// browser's builds leave it out.
    NotBuiltIn(&'a str, bool),
}

/// What a runtime supplies to the registry besides the object.
pub trait Runtime {
    /// Its key spelling and conventions.
    fn spelling(&self) -> Spelling;
    /// The key that names the provider (the package's `provider`, the Worker's `profile`).
    fn provider_key(&self) -> &'static str;
    /// The secret of field `key`, whose value in the object is `value`: the package's object
    /// holds the secret; the Worker's names the Worker secret holding it.
    fn secret(&self, key: &str, value: &str) -> Result<String>;
    /// The error for `problem` with field `key`, in the runtime's words.
    fn invalid(&self, key: &str, problem: Problem<'_>) -> Error;
    /// A value the runtime supplies for an absent field (the Worker's default redirect URI).
    fn default(&self, _key: &str) -> Option<String> {
        None
    }
    /// The one grant the client is for, if the runtime fixes it (a Worker connection's `grant`).
    fn grant(&self) -> Option<GrantType> {
        None
    }
    /// The issuer's checked metadata (RFC 8414), when the runtime has it (the package: the
    /// config's `metadata`, read only for a provider that [`Settings::takes_metadata`]).
    #[cfg(feature = "oidc")]
    fn metadata(&self) -> Result<Option<ServerMetadata>> {
        Ok(None)
    }
}

/// A provider's configuration as read from one runtime's object, before the client is built.
pub trait Settings {
    /// The issuer identifier (RFC 8414 §2), if configured.
    fn issuer(&self) -> Option<&str> {
        None
    }
    /// Whether endpoints are missing that the issuer's metadata must supply first.
    fn discovers(&self) -> bool {
        false
    }
    /// Whether an RFC 7009 revocation endpoint is configured.
    fn revokes(&self) -> bool {
        false
    }
    /// Whether the issuer's metadata completes these settings ([`Runtime::metadata`]).
    fn takes_metadata(&self) -> bool {
        false
    }
    /// Completes the settings with the issuer's checked metadata.
    #[cfg(feature = "oidc")]
    fn apply_metadata(&mut self, _metadata: &ServerMetadata) -> Result<()> {
        Ok(())
    }
    /// The configured client.
    fn client(&self) -> Result<Client>;
}

/// A provider's view of its configuration object in one runtime's conventions.
pub struct Fields<'a> {
    map: &'a JsonObject,
    runtime: &'a dyn Runtime,
}

impl<'a> Fields<'a> {
    /// The fields of `map`, read as `runtime` spells them.
    pub fn new(map: &'a JsonObject, runtime: &'a dyn Runtime) -> Self {
        Fields { map, runtime }
    }

    /// The runtime's spelling.
    pub fn spelling(&self) -> Spelling {
        self.runtime.spelling()
    }

    /// The runtime ([`Runtime::grant`], [`Runtime::metadata`]).
    pub fn runtime(&self) -> &dyn Runtime {
        self.runtime
    }

    fn key(&self, f: &Field) -> Option<&'static str> {
        f.key(self.spelling())
    }

    fn raw(&self, f: &Field) -> Option<(&'static str, &'a Json)> {
        let key = self.key(f)?;
        self.map.get(key).filter(|v| !v.is_null()).map(|v| (key, v))
    }

    /// Whether the field is given.
    pub fn has(&self, f: &Field) -> bool {
        self.raw(f).is_some()
    }

    /// The error for `problem` with field `f`.
    pub fn invalid(&self, f: &Field, problem: Problem<'_>) -> Error {
        self.runtime.invalid(self.key(f).unwrap_or("?"), problem)
    }

    /// The error for a required field that is absent.
    pub fn missing(&self, f: &Field, why: &str) -> Error {
        self.invalid(f, Problem::Missing(why))
    }

    /// A string, or the runtime's default (the Worker: trimmed, blank as absent).
    pub fn string(&self, f: &Field) -> Result<Option<String>> {
        let value = match self.raw(f) {
            None => None,
            Some((_, Json::String(s))) => match self.spelling() {
                Spelling::Package => Some(s.clone()),
                Spelling::Worker => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            },
            Some((key, _)) => return Err(self.runtime.invalid(key, Problem::NotString)),
        };
        Ok(match (value, self.spelling()) {
            (Some(v), _) => Some(v),
            (None, Spelling::Package) => None,
            (None, Spelling::Worker) => f.worker_default.map(str::to_owned).or_else(|| f.worker.and_then(|k| self.runtime.default(k))),
        })
    }

    /// A required string; `why` tells the Worker's user what it is for.
    pub fn required(&self, f: &Field, why: &str) -> Result<String> {
        self.string(f)?.ok_or_else(|| self.missing(f, why))
    }

    /// A required URL ([`Self::url`]).
    pub fn required_url(&self, f: &Field, why: &str) -> Result<String> {
        self.url(f)?.ok_or_else(|| self.missing(f, why))
    }

    /// A URL: a string that the Worker also requires to be an absolute http(s) URL (the core
    /// checks every endpoint when the client is built).
    pub fn url(&self, f: &Field) -> Result<Option<String>> {
        let v = self.string(f)?;
        if let (Some(u), Spelling::Worker) = (&v, self.spelling()) {
            if !crate::uri::split(u).is_some_and(|p| p.scheme == "https" || p.scheme == "http") {
                return Err(self.invalid(f, Problem::NotUrl(u)));
            }
        }
        Ok(v)
    }

    /// One of `allowed`, read by `parse`.
    pub fn choice<T>(&self, f: &Field, parse: impl Fn(&str) -> Option<T>, allowed: &[&str]) -> Result<Option<T>> {
        match self.string(f)? {
            None => Ok(None),
            Some(v) => parse(&v).map(Some).ok_or_else(|| self.invalid(f, Problem::NotOneOf(&v, allowed))),
        }
    }

    /// A boolean.
    pub fn boolean(&self, f: &Field) -> Result<Option<bool>> {
        match self.raw(f) {
            None => Ok(None),
            Some((_, Json::Bool(b))) => Ok(Some(*b)),
            Some((key, _)) => Err(self.runtime.invalid(key, Problem::NotBoolean)),
        }
    }

    /// A non-negative whole number (the package: a JS number, fractions truncated).
    pub fn number(&self, f: &Field) -> Result<Option<u64>> {
        let Some((key, v)) = self.raw(f) else { return Ok(None) };
        let n = match (v, self.spelling()) {
            (Json::Number(n), Spelling::Package) => n.to_u64_saturating().filter(|u| *u <= MAX_SAFE_INTEGER),
            (Json::Number(n), Spelling::Worker) => n.as_u64(),
            _ => None,
        };
        n.map(Some).ok_or_else(|| self.runtime.invalid(key, Problem::NotNumber))
    }

    /// A list of strings (the package also takes one string), absent as empty.
    pub fn strings(&self, f: &Field) -> Result<Vec<String>> {
        let Some((key, v)) = self.raw(f) else { return Ok(Vec::new()) };
        match (v, self.spelling()) {
            (Json::String(s), Spelling::Package) => Ok(vec![s.clone()]),
            (Json::Array(items), _) => {
                items.iter().map(|v| v.as_str().map(str::to_owned).ok_or_else(|| self.runtime.invalid(key, Problem::NotStrings))).collect()
            }
            _ => Err(self.runtime.invalid(key, Problem::NotStrings)),
        }
    }

    /// A secret field's value ([`Runtime::secret`]), if the field is given.
    pub fn secret(&self, f: &Field) -> Result<Option<String>> {
        match (self.string(f)?, self.key(f)) {
            (Some(v), Some(key)) => self.runtime.secret(key, &v).map(Some),
            _ => Ok(None),
        }
    }

    /// `checked`'s error, if any, as a problem with field `f` ([`Problem::Rejected`]).
    pub fn check<T>(&self, f: &Field, checked: Result<T>) -> Result<T> {
        checked.map_err(|e| self.invalid(f, Problem::Rejected(&e)))
    }
}

/// A runtime for the providers' reader tests: either spelling, secrets by their name in the
/// Worker's convention, errors as `key: problem`.
#[cfg(test)]
#[allow(dead_code)] // used by the readers' tests of the providers built in
pub(crate) struct TestRuntime(pub Spelling, pub Option<GrantType>);

#[cfg(test)]
impl Runtime for TestRuntime {
    fn spelling(&self) -> Spelling {
        self.0
    }
    fn provider_key(&self) -> &'static str {
        "provider"
    }
    fn secret(&self, _key: &str, value: &str) -> Result<String> {
        Ok(format!("value of {value}"))
    }
    fn invalid(&self, key: &str, problem: Problem<'_>) -> Error {
        Error::new(crate::ErrorCode::InvalidConfig, format!("{key}: {problem:?}"))
    }
    fn default(&self, key: &str) -> Option<String> {
        (key == "redirect_uri").then(|| "https://worker.example/auth/x/callback".to_owned())
    }
    fn grant(&self) -> Option<GrantType> {
        self.1
    }
}
