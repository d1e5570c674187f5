//! The Worker's named connections: the `TSUNAGI_CONNECTIONS` document (a table under wrangler.toml
//! `[vars]`, or the same as JSON text) validated into [`Connection`]s. A connection keeps the
//! Worker's own fields (access, `allowed_for`, `unattended`, `server`, …) and its provider's fields
//! as a JSON object, read by the core's registry ([`tsunagi_core::providers`]) in the Worker's
//! conventions ([`crate::provider_fields`]). Every error names the connection and the field
//! (`config_invalid`); an invalid connection keeps its error and the others work. Reference:
//! docs/configuration.md.

use crate::bff::AccessRules;
pub use crate::provider_fields::VARIABLE;
use crate::provider_fields::{invalid, or_list, WorkerRuntime};
use tsunagi_core::discovery::ServerMetadata;
use tsunagi_core::json::{Json, JsonObject};
use tsunagi_core::profile::GrantType;
use tsunagi_core::providers::{self, ConfigSource, Registered};
use tsunagi_core::{Client, Error, ErrorCode, Result};

/// How a connection's tokens are obtained: the provider's one user-less or user grant, or the
/// connection's `grant` when its provider supports both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantKind {
    /// A user signs in (RFC 6749 §4.1); the tokens live in the browser's session, or — for an
    /// unattended connection — in the connection's own object once an administrator granted it.
    AuthorizationCode,
    /// The client's own token (RFC 6749 §4.4), held once for the deployment.
    ClientCredentials,
}

impl GrantKind {
    /// The name shown in summaries (and written as `grant` in the configuration).
    pub fn as_str(self) -> &'static str {
        match self {
            GrantKind::AuthorizationCode => "authorization_code",
            GrantKind::ClientCredentials => "client_credentials",
        }
    }

    fn grant_type(self) -> GrantType {
        match self {
            GrantKind::AuthorizationCode => GrantType::AuthorizationCode,
            GrantKind::ClientCredentials => GrantType::ClientCredentials,
        }
    }
}

/// One validated connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// Its name: the route segment (`/auth/{name}/…`, `/api/{name}/…`) and storage key part.
    pub name: String,
    /// `profile`: the provider's id in the core's registry.
    pub profile: &'static str,
    /// `grant`, where the provider supports both; else the provider's one grant.
    pub grant: GrantKind,
    /// `client_id` as written, part of a held connection's object name.
    pub client_id: Option<String>,
    /// `secret`: the NAME of the Worker secret holding the client secret (LegalOn: the Basic
    /// credentials value), never the value.
    pub secret: Option<String>,
    /// `scopes`, sent space-separated as `scope` (RFC 6749 §3.3).
    pub scopes: Vec<String>,
    /// The provider's fields (those its folder declares), read by the registry.
    pub fields: JsonObject,
    /// The issuer identifier, if the provider's fields give one: every authorization response
    /// must then carry `iss` equal to it (RFC 9207), which stops mix-up attacks.
    pub issuer: Option<String>,
    /// Whether the client's endpoints come from the issuer's metadata ([`Self::discovers`]).
    discovers: bool,
    /// Whether a revocation endpoint (RFC 7009) is configured.
    revokes: bool,
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

    /// Whether the client's endpoints come from the issuer's metadata (an `issuer` and no
    /// `token_url`, or no `authorize_url` for a code grant): fetched once per isolate (RFC 8414 /
    /// OpenID Connect Discovery), the issuer matched exactly.
    pub fn discovers(&self) -> bool {
        self.discovers
    }

    /// The `scope` parameter, if any scopes are configured.
    pub fn scope(&self) -> Option<String> {
        (!self.scopes.is_empty()).then(|| self.scopes.join(" "))
    }

    /// Extra parameters of the authorization request: `scope` when the provider's client does not
    /// send `scopes` itself (a provider that declares the field does), and `prompt=consent` when
    /// `offline_access` is asked for (OIDC Core §11: a refresh token for offline use needs
    /// explicit consent).
    pub fn authorize_params(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        if let (Some(s), false) = (self.scope(), self.fields.contains_key(SCOPES)) {
            p.push(("scope", s));
        }
        if self.scopes.iter().any(|s| s == "offline_access") {
            p.push(("prompt", "consent".to_owned()));
        }
        p
    }

    /// The core client, built by the registry from the provider's fields, with the secret's
    /// value (looked up by the caller under [`Self::secret`]), the Worker's origin for the default
    /// redirect URI, and — for a connection that [`Self::discovers`] — the issuer's checked
    /// metadata (configured endpoints win over it).
    pub fn client(&self, secret: Option<&str>, origin: &str, metadata: Option<&ServerMetadata>) -> Result<Client> {
        let runtime = WorkerRuntime { name: &self.name, secret, origin, grant: self.grant.grant_type(), metadata };
        providers::client_from(&ConfigSource { provider: self.profile, fields: &self.fields, runtime: &runtime })
    }

    /// What `/session` and the admin routes show of the configuration (never a secret).
    pub fn summary(&self) -> JsonObject {
        let mut o = JsonObject::new();
        o.insert("profile", self.profile);
        o.insert("grant", self.grant.as_str());
        o.insert("held", self.is_held());
        o.insert("unattended", self.unattended);
        o.insert("server", self.server);
        o.insert("revocation", self.revokes);
        o
    }
}

/// Every configured connection, valid or not, in name order.
#[derive(Clone, Debug)]
pub struct Connections {
    entries: Vec<(String, std::result::Result<Connection, Error>)>,
}

fn valid_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name.len() <= 40
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl Connections {
    /// Parses the document as JSON text. Not JSON fails as a whole ([`ErrorCode::ConfigInvalid`]).
    pub fn parse(text: &str) -> Result<Self> {
        // the core's reader: numbers stay text, no float code in the Worker (issue 24)
        let doc = tsunagi_core::json::parse(text).map_err(|e| Error::new(ErrorCode::ConfigInvalid, format!("{VARIABLE} is not JSON: {e}")))?;
        Self::from_document(doc)
    }

    /// Validates the document (a table of connections: the `[vars]` object as `JSON.stringify`
    /// writes it, or the JSON text itself, both read by [`Self::parse`]). Not an object of objects fails as a whole
    /// ([`ErrorCode::ConfigInvalid`]); a bad connection keeps its own error.
    pub fn from_document(doc: Json) -> Result<Self> {
        let Json::Object(map) = doc else {
            return Err(Error::new(ErrorCode::ConfigInvalid, format!("{VARIABLE} is not a table of connections")));
        };
        let mut entries: Vec<(String, std::result::Result<Connection, Error>)> = map
            .iter()
            .map(|(name, v)| {
                let parsed = if valid_name(name) {
                    match v {
                        Json::Object(fields) => parse_connection(name, fields),
                        _ => Err(invalid(name, "(connection)", "is not a table")),
                    }
                } else {
                    Err(invalid(name, "(name)", "a connection name is 1-40 of a-z, 0-9, '-', '_', starting with a letter or digit"))
                };
                (name.to_owned(), parsed)
            })
            .collect();
        tsunagi_core::short_sort::sort_short_by(&mut entries, |a, b| a.0 < b.0);
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

/// The Worker's own fields, on every connection.
const WORKER_FIELDS: [&str; 8] = ["profile", "secret", "scopes", "access", "allowed_for", "server", "unattended", "refresh_leeway_secs"];
/// Keys every connection has accepted whatever its provider (a provider without the setting
/// ignores it), kept so that no deployed table starts failing.
const ACCEPTED_EVERYWHERE: [&str; 5] = ["client_id", "redirect_uri", "token_url", "api_base", "authorize_url"];
/// `grant`: a field of a connection whose provider supports both user and user-less grants.
const GRANT: &str = "grant";
/// `scopes`: the Worker's field, which a provider may also read.
const SCOPES: &str = "scopes";

/// Whether the provider reads `key`.
fn declares(provider: &Registered, key: &str) -> bool {
    provider.fields.iter().any(|f| f.worker == Some(key))
}

fn supports(provider: &Registered, grant: GrantType) -> bool {
    provider.grants.contains(&grant)
}

/// Reads the Worker's own fields of one connection, each checked.
struct Fields<'a> {
    name: &'a str,
    map: &'a JsonObject,
}

impl Fields<'_> {
    fn string(&self, key: &str) -> Result<Option<String>> {
        match self.map.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(invalid(self.name, key, "is not a string")),
        }
    }
    fn list(&self, key: &str) -> Result<Option<Vec<String>>> {
        match self.map.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| invalid(self.name, key, "is not a list of strings")))
                .collect::<Result<_>>()
                .map(Some),
            Some(_) => Err(invalid(self.name, key, "is not a list of strings")),
        }
    }
    fn boolean(&self, key: &str) -> Result<bool> {
        match self.map.get(key) {
            None | Some(Json::Null) => Ok(false),
            Some(Json::Bool(b)) => Ok(*b),
            Some(_) => Err(invalid(self.name, key, "is not true or false")),
        }
    }
    fn number(&self, key: &str) -> Result<Option<u64>> {
        match self.map.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| invalid(self.name, key, "is not a whole number of seconds")),
        }
    }
}

fn parse_connection(name: &str, map: &JsonObject) -> Result<Connection> {
    let f = Fields { name, map };
    let ids: Vec<&str> = providers::ids().collect();
    let profile_text = f.string("profile")?.ok_or_else(|| invalid(name, "profile", format!("is required: {}", or_list(&ids))))?;
    let provider = providers::registered(&profile_text).ok_or_else(|| invalid(name, "profile", format!("'{profile_text}' is not {}", or_list(&ids))))?;
    let both_grants = supports(provider, GrantType::AuthorizationCode) && supports(provider, GrantType::ClientCredentials);
    let applies = |key: &str| WORKER_FIELDS.contains(&key) || ACCEPTED_EVERYWHERE.contains(&key) || declares(provider, key) || (key == GRANT && both_grants);
    if let Some(key) = map.keys().find(|k| !applies(k)) {
        return Err(invalid(name, key, format!("is not a field of a {profile_text} connection")));
    }
    let grant = match f.string(GRANT)?.as_deref() {
        _ if !supports(provider, GrantType::AuthorizationCode) => GrantKind::ClientCredentials,
        None | Some("authorization_code") => GrantKind::AuthorizationCode,
        Some("client_credentials") => GrantKind::ClientCredentials,
        Some(other) => return Err(invalid(name, GRANT, format!("'{other}' is not authorization_code or client_credentials"))),
    };
    let secret = f.string("secret")?;
    if let Some(s) = &secret {
        // the NAME of a secret binding: a value pasted here by mistake must not be used (or echoed)
        if !s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') || s.len() > 64 {
            return Err(invalid(name, "secret", "is the NAME of a Worker secret (A-Z, 0-9, _), e.g. LAWVU_CLIENT_SECRET — never its value"));
        }
    }
    let access = match map.get("access") {
        None | Some(Json::Null) => AccessRules::default(),
        Some(Json::Object(a)) => {
            let af = Fields { name, map: a };
            if let Some(key) = a.keys().find(|k| !matches!(*k, "methods" | "paths")) {
                return Err(invalid(name, &format!("access.{key}"), "is not a field of access (methods, paths)"));
            }
            AccessRules::new(af.list("methods")?, af.list("paths")?).map_err(|(field, why)| invalid(name, field, why))?
        }
        Some(_) => return Err(invalid(name, "access", "is not a table with methods and paths")),
    };
    let scopes = f.list(SCOPES)?.unwrap_or_default();
    if let Some(bad) = scopes.iter().find(|s| s.is_empty() || !s.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')) {
        return Err(invalid(name, SCOPES, format!("'{bad}' is not a scope token (RFC 6749 §3.3)")));
    }
    // the provider's fields, read by its reader in the core (types, choices, what it requires),
    // with a stand-in secret and origin
    let fields: JsonObject = map.iter().filter(|(k, _)| declares(provider, k)).map(|(k, v)| (k.to_owned(), v.clone())).collect();
    let stand_in = WorkerRuntime { name, secret: Some("stand-in"), origin: "https://worker.invalid", grant: grant.grant_type(), metadata: None };
    let settings = providers::read(&ConfigSource { provider: provider.id, fields: &fields, runtime: &stand_in })?;
    let c = Connection {
        name: name.to_owned(),
        profile: provider.id,
        grant,
        client_id: f.string("client_id")?,
        secret,
        scopes,
        issuer: settings.issuer().map(str::to_owned),
        discovers: settings.discovers(),
        revokes: settings.revokes(),
        fields,
        access,
        allowed_for: f.list("allowed_for")?.unwrap_or_default(),
        server: f.boolean("server")?,
        unattended: f.boolean("unattended")?,
        refresh_leeway_secs: f.number("refresh_leeway_secs")?.unwrap_or(DEFAULT_REFRESH_LEEWAY_SECS),
    };
    if c.unattended && c.grant != GrantKind::AuthorizationCode {
        return Err(invalid(name, "unattended", "applies to authorization_code connections (a client-credentials token is always held)"));
    }
    if !c.allowed_for.is_empty() && !c.is_held() {
        return Err(invalid(name, "allowed_for", "applies to held connections (client credentials or unattended): a session connection serves its own user"));
    }
    if c.server && !c.is_held() {
        return Err(invalid(name, "server", "applies to held connections (client credentials or unattended): other Workers have no browser session"));
    }
    // what the core checks (endpoint schemes, redirect URI rules), with the stand-in secret; a
    // discovering connection's endpoints are checked when its metadata arrives
    if !c.discovers {
        settings.client().map_err(|e| invalid(name, "(endpoints)", format!("{} ({})", e.message(), e.code().as_str())))?;
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

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
        let sandbox = c.get("lawvu").and_then(|c| c.client(Some("s"), "https://w.example", None)).map(|cl| cl.profile().token_endpoint.as_str().to_owned());
        assert_eq!(
            (c.get("lawvu").map(|c| c.profile).ok(), sandbox.ok().as_deref()),
            (Some("lawvu"), Some("https://api-sandbox.lawvu.com/account-apis/v1/auth/token"))
        );
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
