//! The Worker's named connections: the `TSUNAGI_CONNECTIONS` document (a table under wrangler.toml
//! `[vars]`, or the same as JSON text) parsed and validated field by field into [`Connection`]s,
//! each able to build its core [`Client`]. Every error names the connection and the field
//! (`config_invalid`); an invalid connection keeps its error and the others work. Reference:
//! docs/configuration.md.

use crate::bff::AccessRules;
use serde::Serialize;
use serde_json::{Map, Value};
use tsunagi_core::client::ClientAuthMethod;
use tsunagi_core::discovery::ServerMetadata;
use tsunagi_core::issuer::AuthServer;
use tsunagi_core::providers::generic::GenericConfig;
use tsunagi_core::providers::lawvu::{LawVuConfig, LawVuEnvironment};
use tsunagi_core::providers::legalon::{LegalOnConfig, LegalOnRegion};
use tsunagi_core::providers::logiless::LogilessConfig;
use tsunagi_core::secret::{BasicCredentials, ClientSecret};
use tsunagi_core::{Client, Error, ErrorCode, Result};

/// The variable that holds the document.
pub const VARIABLE: &str = "TSUNAGI_CONNECTIONS";

/// Which provider profile a connection uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileName {
    /// LawVu (lawvu-authentication.txt).
    LawVu,
    /// Logiless (logiless-authentication.txt).
    Logiless,
    /// LegalOn (legalon-authentication.txt; client credentials).
    LegalOn,
    /// Any RFC 6749 server, configured by its endpoints.
    Generic,
}

impl ProfileName {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "lawvu" => ProfileName::LawVu,
            "logiless" => ProfileName::Logiless,
            "legalon" => ProfileName::LegalOn,
            "generic" => ProfileName::Generic,
            _ => return None,
        })
    }
}

/// How a connection's tokens are obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// A user signs in (RFC 6749 §4.1); the tokens live in the browser's session, or — for an
    /// unattended connection — in the connection's own object once an administrator granted it.
    AuthorizationCode,
    /// The client's own token (RFC 6749 §4.4), held once for the deployment.
    ClientCredentials,
}

/// One validated connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// Its name: the route segment (`/auth/{name}/…`, `/api/{name}/…`) and storage key part.
    pub name: String,
    /// `profile`.
    pub profile: ProfileName,
    /// `grant` (generic; the vendors' is fixed: LegalOn client credentials, the others code).
    pub grant: GrantKind,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `secret`: the NAME of the Worker secret holding the client secret (LegalOn: the Basic
    /// credentials value), never the value.
    pub secret: Option<String>,
    /// `redirect_uri`; default `{the Worker's origin}/auth/{name}/callback`.
    pub redirect_uri: Option<String>,
    /// `scopes`, sent space-separated as `scope` (RFC 6749 §3.3).
    pub scopes: Vec<String>,
    /// `environment` (LawVu).
    pub environment: Option<LawVuEnvironment>,
    /// `region` (LegalOn).
    pub region: Option<LegalOnRegion>,
    /// `authorize_url`.
    pub authorize_url: Option<String>,
    /// `token_url`.
    pub token_url: Option<String>,
    /// `api_base`.
    pub api_base: Option<String>,
    /// `revocation_url` (generic: RFC 7009).
    pub revocation_url: Option<String>,
    /// `issuer` (generic): the authorization server's issuer identifier; every authorization
    /// response must then carry `iss` equal to it (RFC 9207), which stops mix-up attacks.
    pub issuer: Option<String>,
    /// `merchant_id` (Logiless).
    pub merchant_id: Option<String>,
    /// `client_auth` (generic): default `client_secret_basic` with a secret, `none` without.
    pub client_auth: ClientAuthMethod,
    /// `pkce` (generic, default true).
    pub pkce: bool,
    /// `refresh_lifetime_secs` (generic).
    pub refresh_lifetime_secs: Option<u64>,
    /// `access`: what the browser may call through `/api/{name}`.
    pub access: AccessRules,
    /// `allowed_for`: a held connection (client credentials or unattended) serves only browser
    /// sessions signed in to one of these connections. Default none.
    pub allowed_for: Vec<String>,
    /// `server`: served to other Workers through the RPC entrypoint.
    pub server: bool,
    /// `unattended`: granted once by an administrator, then held in its own object.
    pub unattended: bool,
    /// `refresh_leeway_secs` (unattended): how long before the refresh token's expiry the alarm
    /// refreshes. Default one day.
    pub refresh_leeway_secs: u64,
}

/// Default [`Connection::refresh_leeway_secs`].
pub const DEFAULT_REFRESH_LEEWAY_SECS: u64 = 86_400;

impl Connection {
    /// Whether the tokens live in one object for the deployment (client credentials, unattended)
    /// rather than in each browser's session.
    pub fn is_held(&self) -> bool {
        self.grant == GrantKind::ClientCredentials || self.unattended
    }

    /// Whether a browser signs in to it through `/auth/{name}/login`.
    pub fn is_session(&self) -> bool {
        !self.is_held()
    }

    /// Whether the client's endpoints come from the issuer's metadata (a generic connection with
    /// an `issuer` and no `token_url`, or no `authorize_url` for a code grant): fetched once per
    /// isolate (RFC 8414 / OpenID Connect Discovery), the issuer matched exactly.
    pub fn discovers(&self) -> bool {
        self.profile == ProfileName::Generic
            && self.issuer.is_some()
            && (self.token_url.is_none() || (self.grant == GrantKind::AuthorizationCode && self.authorize_url.is_none()))
    }

    /// The `scope` parameter, if any scopes are configured.
    pub fn scope(&self) -> Option<String> {
        (!self.scopes.is_empty()).then(|| self.scopes.join(" "))
    }

    /// Extra parameters of the authorization request: `scope` for the vendor profiles (a generic
    /// client sends its own), and `prompt=consent` when `offline_access` is asked for (OIDC Core
    /// §11: a refresh token for offline use needs explicit consent).
    pub fn authorize_params(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        if let (Some(s), false) = (self.scope(), self.profile == ProfileName::Generic) {
            p.push(("scope", s));
        }
        if self.scopes.iter().any(|s| s == "offline_access") {
            p.push(("prompt", "consent".to_owned()));
        }
        p
    }

    /// The core client, with the secret's value (looked up by the caller under [`Self::secret`]),
    /// the Worker's origin for the default redirect URI, and — for a connection that
    /// [`Self::discovers`] — the issuer's checked metadata (configured endpoints win over it).
    pub fn client(&self, secret: Option<&str>, origin: &str, metadata: Option<&ServerMetadata>) -> Result<Client> {
        let redirect = self.redirect_uri.clone().unwrap_or_else(|| format!("{origin}/auth/{}/callback", self.name));
        let secret_value = || secret.map(ClientSecret::new).ok_or_else(|| self.missing_secret());
        match self.profile {
            ProfileName::LawVu => {
                let mut cfg = LawVuConfig::new(self.environment.unwrap_or(LawVuEnvironment::Production), self.client_id.clone().unwrap_or_default(), redirect);
                // no secret: LawVu's public client (1-day refresh tokens, lawvu-authentication.txt)
                cfg.client_secret = if self.secret.is_some() { Some(secret_value()?) } else { None };
                cfg.authorize_url = self.authorize_url.clone();
                cfg.token_url = self.token_url.clone();
                cfg.api_base = self.api_base.clone();
                cfg.client()
            }
            ProfileName::Logiless => {
                let mut cfg = LogilessConfig::new(self.client_id.clone().unwrap_or_default(), secret_value()?, redirect);
                cfg.merchant_id = self.merchant_id.clone();
                cfg.authorize_url = self.authorize_url.clone();
                cfg.token_url = self.token_url.clone();
                cfg.api_base = self.api_base.clone();
                cfg.client()
            }
            ProfileName::LegalOn => {
                let credentials = secret.map(BasicCredentials::new).ok_or_else(|| self.missing_secret())?;
                let mut cfg = LegalOnConfig::new(self.region.unwrap_or(LegalOnRegion::Jp), credentials);
                cfg.token_url = self.token_url.clone();
                cfg.client()
            }
            ProfileName::Generic => {
                let token_url = self.token_url.clone().unwrap_or_default();
                let authorize = if self.grant == GrantKind::AuthorizationCode { self.authorize_url.clone() } else { None };
                let mut cfg = GenericConfig::new(authorize, token_url, self.client_id.clone().unwrap_or_default());
                if self.grant == GrantKind::AuthorizationCode {
                    cfg.redirect_uri = Some(redirect);
                }
                cfg.client_auth = self.client_auth;
                if self.client_auth != ClientAuthMethod::None {
                    cfg.client_secret = Some(secret_value()?);
                }
                cfg.pkce = self.pkce;
                cfg.api_base = self.api_base.clone();
                cfg.refresh_lifetime_secs = self.refresh_lifetime_secs;
                cfg.issuer = self.issuer.clone();
                cfg.require_iss = self.issuer.is_some();
                cfg.revocation_endpoint = self.revocation_url.clone();
                cfg.scope_params.scope = self.scope();
                if let Some(m) = metadata {
                    cfg.apply_metadata(m)?;
                    if self.grant == GrantKind::ClientCredentials {
                        // the client's own token: no user, whatever the server also offers
                        cfg.authorization_endpoint = None;
                    }
                }
                cfg.client()
            }
        }
    }

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

    /// What `/session` and the admin routes show of the configuration (never a secret).
    pub fn summary(&self) -> Value {
        serde_json::json!({
            "profile": self.profile,
            "grant": self.grant,
            "held": self.is_held(),
            "unattended": self.unattended,
            "server": self.server,
            "revocation": self.revocation_url.is_some(),
        })
    }
}

/// Every configured connection, valid or not, in name order.
#[derive(Clone, Debug)]
pub struct Connections {
    entries: Vec<(String, std::result::Result<Connection, Error>)>,
}

/// A `config_invalid` error naming the connection and field.
fn invalid(name: &str, field: &str, why: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::ConfigInvalid, format!("{VARIABLE}: connection '{name}', field '{field}': {why}"))
}

fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name.len() <= 40
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl Connections {
    /// Parses the document (JSON text). Not JSON, or not an object of objects, fails as a whole
    /// ([`ErrorCode::ConfigInvalid`]); a bad connection keeps its own error.
    pub fn parse(text: &str) -> Result<Self> {
        let doc: Value = serde_json::from_str(text).map_err(|e| Error::new(ErrorCode::ConfigInvalid, format!("{VARIABLE} is not JSON: {e}")))?;
        let Value::Object(map) = doc else {
            return Err(Error::new(ErrorCode::ConfigInvalid, format!("{VARIABLE} is not a table of connections")));
        };
        let mut entries: Vec<(String, std::result::Result<Connection, Error>)> = map
            .iter()
            .map(|(name, v)| {
                let parsed = if valid_name(name) {
                    match v {
                        Value::Object(fields) => parse_connection(name, fields),
                        _ => Err(invalid(name, "(connection)", "is not a table")),
                    }
                } else {
                    Err(invalid(name, "(name)", "a connection name is 1-40 of a-z, 0-9, '-', '_', starting with a letter or digit"))
                };
                (name.clone(), parsed)
            })
            .collect();
        // allowed_for names other connections that users sign in to (one that is itself invalid
        // keeps its own error and signs nobody in)
        let held: Vec<String> = entries.iter().filter(|(_, c)| c.as_ref().is_ok_and(Connection::is_held)).map(|(n, _)| n.clone()).collect();
        let known: Vec<String> = entries.iter().map(|(n, _)| n.clone()).collect();
        for (name, entry) in &mut entries {
            let Ok(c) = entry else { continue };
            if let Some(bad) = c.allowed_for.iter().find(|a| !known.contains(a)) {
                *entry = Err(invalid(name, "allowed_for", format!("'{bad}' is not a configured connection")));
            } else if let Some(bad) = c.allowed_for.iter().find(|a| held.contains(a)) {
                *entry = Err(invalid(name, "allowed_for", format!("'{bad}' is not a connection users sign in to")));
            }
        }
        Ok(Connections { entries })
    }

    /// The connection `name`: [`ErrorCode::NotFound`] when none is configured, its own error
    /// when it is invalid.
    pub fn get(&self, name: &str) -> Result<&Connection> {
        match self.entries.iter().find(|(n, _)| n == name) {
            None => Err(Error::new(ErrorCode::NotFound, format!("no connection named '{name}' is configured ({VARIABLE})"))),
            Some((_, Ok(c))) => Ok(c),
            Some((_, Err(e))) => Err(e.clone()),
        }
    }

    /// Every connection, in name order, each valid or with its error.
    pub fn iter(&self) -> impl Iterator<Item = (&str, std::result::Result<&Connection, &Error>)> {
        self.entries.iter().map(|(n, c)| (n.as_str(), c.as_ref()))
    }

    /// The valid connections browsers sign in to.
    pub fn session_connections(&self) -> impl Iterator<Item = &Connection> {
        self.entries.iter().filter_map(|(_, c)| c.as_ref().ok()).filter(|c| c.is_session())
    }
}

/// Reads one connection's fields, each checked; unknown or inapplicable fields are errors.
struct Fields<'a> {
    name: &'a str,
    map: &'a Map<String, Value>,
}

impl Fields<'_> {
    fn string(&self, key: &str) -> Result<Option<String>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(invalid(self.name, key, "is not a string")),
        }
    }
    fn list(&self, key: &str) -> Result<Option<Vec<String>>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| invalid(self.name, key, "is not a list of strings")))
                .collect::<Result<_>>()
                .map(Some),
            Some(_) => Err(invalid(self.name, key, "is not a list of strings")),
        }
    }
    fn boolean(&self, key: &str) -> Result<bool> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(invalid(self.name, key, "is not true or false")),
        }
    }
    fn number(&self, key: &str) -> Result<Option<u64>> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| invalid(self.name, key, "is not a whole number of seconds")),
        }
    }
    fn url(&self, key: &str) -> Result<Option<String>> {
        let v = self.string(key)?;
        if let Some(u) = &v {
            let ok = tsunagi_core::uri::split(u).is_some_and(|p| p.scheme == "https" || p.scheme == "http");
            if !ok {
                return Err(invalid(self.name, key, format!("'{u}' is not an absolute http(s) URL")));
            }
        }
        Ok(v)
    }
}

const COMMON: [&str; 13] = [
    "profile",
    "client_id",
    "secret",
    "redirect_uri",
    "scopes",
    "token_url",
    "api_base",
    "access",
    "allowed_for",
    "server",
    "unattended",
    "refresh_leeway_secs",
    "authorize_url",
];

fn applies(profile: ProfileName, key: &str) -> bool {
    COMMON.contains(&key)
        || match profile {
            ProfileName::LawVu => key == "environment",
            ProfileName::Logiless => key == "merchant_id",
            ProfileName::LegalOn => key == "region",
            ProfileName::Generic => matches!(key, "grant" | "client_auth" | "revocation_url" | "issuer" | "pkce" | "refresh_lifetime_secs"),
        }
}

fn parse_connection(name: &str, map: &Map<String, Value>) -> Result<Connection> {
    let f = Fields { name, map };
    let profile_text = f.string("profile")?.ok_or_else(|| invalid(name, "profile", "is required: lawvu, logiless, legalon or generic"))?;
    let profile =
        ProfileName::parse(&profile_text).ok_or_else(|| invalid(name, "profile", format!("'{profile_text}' is not lawvu, logiless, legalon or generic")))?;
    if let Some(key) = map.keys().find(|k| !applies(profile, k)) {
        return Err(invalid(name, key, format!("is not a field of a {profile_text} connection")));
    }
    let grant = match (profile, f.string("grant")?.as_deref()) {
        (ProfileName::LegalOn, _) => GrantKind::ClientCredentials,
        (_, None | Some("authorization_code")) => GrantKind::AuthorizationCode,
        (_, Some("client_credentials")) => GrantKind::ClientCredentials,
        (_, Some(other)) => return Err(invalid(name, "grant", format!("'{other}' is not authorization_code or client_credentials"))),
    };
    let secret = f.string("secret")?;
    if let Some(s) = &secret {
        // the NAME of a secret binding: a value pasted here by mistake must not be used (or echoed)
        if !s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') || s.len() > 64 {
            return Err(invalid(name, "secret", "is the NAME of a Worker secret (A-Z, 0-9, _), e.g. LAWVU_CLIENT_SECRET — never its value"));
        }
    }
    let access = match map.get("access") {
        None | Some(Value::Null) => AccessRules::default(),
        Some(Value::Object(a)) => {
            let af = Fields { name, map: a };
            if let Some(key) = a.keys().find(|k| !matches!(k.as_str(), "methods" | "paths")) {
                return Err(invalid(name, &format!("access.{key}"), "is not a field of access (methods, paths)"));
            }
            AccessRules::new(af.list("methods")?, af.list("paths")?).map_err(|(field, why)| invalid(name, field, why))?
        }
        Some(_) => return Err(invalid(name, "access", "is not a table with methods and paths")),
    };
    let environment = match f.string("environment")?.as_deref() {
        None => None,
        Some(e) => Some(LawVuEnvironment::parse(e).ok_or_else(|| invalid(name, "environment", format!("'{e}' is not sandbox or production")))?),
    };
    let region = match f.string("region")?.as_deref() {
        None => None,
        Some(r) => Some(LegalOnRegion::parse(r).ok_or_else(|| invalid(name, "region", format!("'{r}' is not us or jp")))?),
    };
    let client_auth = match f.string("client_auth")?.as_deref() {
        None if secret.is_some() => ClientAuthMethod::SecretBasic,
        None => ClientAuthMethod::None,
        Some(m) => ClientAuthMethod::parse(m)
            .filter(|m| *m != ClientAuthMethod::RawBasic)
            .ok_or_else(|| invalid(name, "client_auth", format!("'{m}' is not none, client_secret_basic or client_secret_post")))?,
    };
    let pkce = match map.get("pkce") {
        None | Some(Value::Null) => true,
        _ => f.boolean("pkce")?,
    };
    let scopes = f.list("scopes")?.unwrap_or_default();
    if let Some(bad) = scopes.iter().find(|s| s.is_empty() || !s.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')) {
        return Err(invalid(name, "scopes", format!("'{bad}' is not a scope token (RFC 6749 §3.3)")));
    }
    let c = Connection {
        name: name.to_owned(),
        profile,
        grant,
        client_id: f.string("client_id")?,
        secret,
        redirect_uri: f.url("redirect_uri")?,
        scopes,
        environment,
        region,
        authorize_url: f.url("authorize_url")?,
        token_url: f.url("token_url")?,
        api_base: f.url("api_base")?,
        revocation_url: f.url("revocation_url")?,
        issuer: f.url("issuer")?,
        merchant_id: f.string("merchant_id")?,
        client_auth,
        pkce,
        refresh_lifetime_secs: f.number("refresh_lifetime_secs")?,
        access,
        allowed_for: f.list("allowed_for")?.unwrap_or_default(),
        server: f.boolean("server")?,
        unattended: f.boolean("unattended")?,
        refresh_leeway_secs: f.number("refresh_leeway_secs")?.unwrap_or(DEFAULT_REFRESH_LEEWAY_SECS),
    };
    let needs = |field: &str, present: bool, why: &str| if present { Ok(()) } else { Err(invalid(name, field, why)) };
    match profile {
        ProfileName::LegalOn => needs("secret", c.secret.is_some(), "is required: the name of the secret holding LegalOn's API credentials")?,
        ProfileName::LawVu => needs("client_id", c.client_id.is_some(), "is required")?,
        ProfileName::Logiless => {
            needs("client_id", c.client_id.is_some(), "is required")?;
            needs("secret", c.secret.is_some(), "is required: the name of the secret holding the client secret")?;
        }
        ProfileName::Generic => {
            needs("client_id", c.client_id.is_some(), "is required")?;
            needs("token_url", c.token_url.is_some() || c.issuer.is_some(), "is required for a generic connection without an issuer to discover")?;
            if c.grant == GrantKind::AuthorizationCode {
                needs(
                    "authorize_url",
                    c.authorize_url.is_some() || c.issuer.is_some(),
                    "is required for a generic authorization_code connection without an issuer",
                )?;
            }
            if let Some(i) = &c.issuer {
                AuthServer::check_issuer(i).map_err(|e| invalid(name, "issuer", e.message()))?;
            }
            if c.client_auth != ClientAuthMethod::None {
                needs("secret", c.secret.is_some(), "is required by client_auth")?;
            }
        }
    }
    if c.unattended && c.grant != GrantKind::AuthorizationCode {
        return Err(invalid(name, "unattended", "applies to authorization_code connections (a client-credentials token is always held)"));
    }
    if !c.allowed_for.is_empty() && !c.is_held() {
        return Err(invalid(name, "allowed_for", "applies to held connections (client credentials or unattended): a session connection serves its own user"));
    }
    if c.server && !c.is_held() {
        return Err(invalid(name, "server", "applies to held connections (client credentials or unattended): other Workers have no browser session"));
    }
    // what the core checks (endpoint schemes, redirect URI rules), with a stand-in secret; a
    // discovering connection's endpoints are checked when its metadata arrives
    if !c.discovers() {
        c.client(Some("stand-in"), "https://worker.invalid", None)
            .map_err(|e| invalid(name, "(endpoints)", format!("{} ({})", e.message(), e.code().as_str())))?;
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(v: Value) -> Connections {
        Connections::parse(&v.to_string()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(c: &Connections, name: &str) -> String {
        c.get(name).err().map(|e| format!("{}: {}", e.code().as_str(), e.message())).unwrap_or_default()
    }

    #[test]
    fn connections_validate_and_fail_alone() {
        let c = doc(serde_json::json!({
            "lawvu": {"profile": "lawvu", "client_id": "cid", "secret": "LAWVU_CLIENT_SECRET", "environment": "sandbox"},
            "lawvu-eu": {"profile": "lawvu", "client_id": "cid2", "secret": "LAWVU_EU_SECRET", "access": {"methods": ["GET", "POST"], "paths": ["/matter-apis/"]}},
            "legalon": {"profile": "legalon", "secret": "LEGALON_API_CREDENTIALS", "allowed_for": ["lawvu", "lawvu-eu"]},
            "broken": {"profile": "lawvu", "client_id": "x", "secret": "S", "environment": "staging"},
            "typo": {"profile": "logiless", "client_id": "x", "secret": "S", "mercant_id": "1"},
            "value": {"profile": "logiless", "client_id": "x", "secret": "sk_live_abc"},
            "idp": {"profile": "generic", "client_id": "app", "secret": "IDP_SECRET", "token_url": "http://127.0.0.1:9/token", "authorize_url": "http://127.0.0.1:9/auth", "scopes": ["openid", "offline_access"]},
            "idp-cc": {"profile": "generic", "grant": "client_credentials", "client_id": "app", "secret": "IDP_SECRET", "token_url": "http://127.0.0.1:9/token", "allowed_for": ["nobody"]},
            "Bad Name": {"profile": "lawvu"},
            "idp-issuer": {"profile": "generic", "client_id": "app", "secret": "IDP_SECRET", "issuer": "https://id.example/tenant"},
            "idp-bad-issuer": {"profile": "generic", "client_id": "app", "issuer": "https://id.example/?x=1"},
            "notls": {"profile": "generic", "client_id": "a", "token_url": "http://idp.example/token", "authorize_url": "http://idp.example/auth"},
        }));
        assert_eq!(c.get("lawvu").map(|c| (c.profile, c.environment)).ok(), Some((ProfileName::LawVu, Some(LawVuEnvironment::Sandbox))));
        assert_eq!(c.get("lawvu-eu").map(|c| c.access.methods.clone()).ok(), Some(vec!["GET".to_owned(), "POST".to_owned()]));
        assert_eq!(c.get("legalon").map(|c| (c.grant, c.is_held())).ok(), Some((GrantKind::ClientCredentials, true)));
        assert_eq!(c.get("idp").ok().and_then(Connection::scope).as_deref(), Some("openid offline_access"));
        for (name, field) in [
            ("broken", "'environment'"),
            ("typo", "'mercant_id'"),
            ("value", "'secret'"),
            ("idp-cc", "'allowed_for'"),
            ("Bad Name", "(name)"),
            ("notls", "(endpoints)"),
            ("idp-bad-issuer", "'issuer'"),
        ] {
            let e = err(&c, name);
            assert!(e.starts_with("config_invalid") && e.contains(&format!("'{name}'")) && e.contains(field), "{name}: {e}");
        }
        assert!(!err(&c, "value").contains("sk_live_abc"), "a pasted value is never echoed");
        assert_eq!(c.get("nope").err().map(|e| e.code()), Some(ErrorCode::NotFound));
        assert_eq!(c.get("idp-issuer").map(Connection::discovers).ok(), Some(true), "issuer only: discovered");
        assert_eq!(c.get("idp").map(Connection::discovers).ok(), Some(false), "endpoints given: not discovered");
        assert_eq!(c.session_connections().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["idp", "idp-issuer", "lawvu", "lawvu-eu"]);
        // the client: default redirect URI from the Worker's origin; a missing secret value
        let lv = c.get("lawvu").unwrap_or_else(|e| panic!("{e}"));
        let client = lv.client(Some("s3cret"), "https://w.example", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(client.redirect_uri().map(|r| r.as_str().to_owned()).as_deref(), Some("https://w.example/auth/lawvu/callback"));
        let missing = lv.client(None, "https://w.example", None).err().map(|e| (e.code(), e.message().to_owned()));
        assert!(
            missing.as_ref().is_some_and(|(c, m)| *c == ErrorCode::ConfigMissing && m.contains("'secret' field") && !m.contains("LAWVU_CLIENT_SECRET")),
            "the field is named, never its value: {missing:?}"
        );
    }

    #[test]
    fn whole_document_errors() {
        for bad in ["", "[]", "{\"a\": 1", "\"x\""] {
            assert_eq!(Connections::parse(bad).err().map(|e| e.code()), Some(ErrorCode::ConfigInvalid), "{bad}");
        }
        let c = doc(serde_json::json!({"x": 3, "y": {"profile": "generic", "client_id": "a", "token_url": "https://a.example/t", "grant": "password"}}));
        assert!(err(&c, "x").contains("not a table"));
        assert!(err(&c, "y").contains("'grant'"));
    }
}
