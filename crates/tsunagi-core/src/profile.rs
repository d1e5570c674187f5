//! A provider profile: the data and small hooks that make one OAuth 2.0 server different from
//! another (endpoints, token method, refresh lifetimes, API base, request bodies, error messages).
//!
//! Profiles are built by the folders of [`crate::providers`]; nothing else in the core branches on
//! which provider it is talking to, nor names one (a test below holds every other file to that).

use crate::codec::ascii_json;
pub use crate::codec::lenient_json::JsonReading;
use crate::json::JsonObject;
use crate::time::Timestamp;
use crate::uri::{Endpoint, RedirectPolicy};
use crate::{ErrorCode, Result};

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

/// Where a provider's API lives.
#[derive(Clone, Debug)]
pub enum ApiBase {
    /// Not configured (a generic server without one): API requests fail with
    /// [`ErrorCode::InvalidConfig`].
    None,
    /// Known before any token response (LawVu's gateway host; Logiless' `/api/v1`, merchant-scoped
    /// when configured).
    Fixed(String),
    /// Sent with every token response as `api_base_url` (LegalOn, `legalon-getting-started.txt`:
    /// "Use api_base_url from the token response as the API base URL"). The hook turns that value
    /// into the base or refuses it with [`ErrorCode::TokenResponseInvalid`]; a token response
    /// without `api_base_url` is refused, and API requests need a token set that carries one.
    FromTokenResponse(fn(&str) -> Result<String>),
}

impl ApiBase {
    /// The base when it is known before any token response.
    pub fn fixed(&self) -> Option<&str> {
        match self {
            ApiBase::Fixed(base) => Some(base),
            ApiBase::None | ApiBase::FromTokenResponse(_) => None,
        }
    }
}

/// How the JSON body of an API request is put on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyEncoding {
    /// Sent as the caller wrote it.
    AsIs,
    /// Every non-ASCII character escaped as `\uNNNN` ([`ascii_json::escape_non_ascii`]; RFC 8259
    /// §7), as Logiless requires ("文字コードはUTF-8、\uNNNN 形式", `logiless-authentication.ja.txt`).
    AsciiOnlyJson,
}

impl BodyEncoding {
    /// `json` as this encoding sends it; for valid JSON, the same value either way (RFC 8259 §7).
    pub fn encode(self, json: &str) -> String {
        match self {
            BodyEncoding::AsIs => json.to_owned(),
            BodyEncoding::AsciiOnlyJson => ascii_json::escape_non_ascii(json),
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
    /// The provider's registry name (`lawvu`, `generic`, …: [`crate::providers::ids`]).
    pub id: &'static str,
    /// The provider's own spelling (`LawVu`, `generic`, …), for messages.
    pub name: &'static str,
    /// Authorization endpoint (RFC 6749 §3.1); `None` where the provider has no user consent.
    pub authorization_endpoint: Option<Endpoint>,
    /// Token endpoint (RFC 6749 §3.2).
    pub token_endpoint: Endpoint,
    /// Where API requests go: a fixed base, none, or the token response's `api_base_url`.
    pub api_base: ApiBase,
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
    /// How API request bodies are encoded (Logiless: ASCII-only JSON).
    pub api_body_encoding: BodyEncoding,
    /// How token responses and token-endpoint error bodies are read (Logiless: its unquoted value
    /// repaired; everyone else strictly).
    pub json_reading: JsonReading,
    /// Maps a provider's human-readable error message to a code (LawVu's documented strings).
    pub classify_message: fn(&str) -> Option<ProviderMessage>,
    /// Token response members of the provider's own that its hooks read, so they are not kept in
    /// [`crate::TokenSet::extra`] (LawVu: `expires`).
    pub token_fields: &'static [&'static str],
    /// The access token's expiry when the response has no `expires_in` (RFC 6749 §5.1 makes it
    /// optional): a provider's own member (LawVu's `expires`), or [`no_expiry`].
    pub expiry_fallback: fn(&JsonObject) -> Option<Timestamp>,
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

/// An expiry fallback that finds nothing (providers that send `expires_in` or nothing).
pub fn no_expiry(_: &JsonObject) -> Option<Timestamp> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The names a shared module must not hold: the providers' identifiers and lowercase names.
    const NAMES: [&str; 3] = ["lawvu", "logiless", "legalon"];

    fn code_lines(text: &str) -> impl Iterator<Item = &str> {
        text.lines().filter(|l| !l.trim_start().starts_with("//"))
    }

    /// Issue 14, strengthened in issue 22: a provider is one place. No file outside `providers/`
    /// names a provider in its code (comments aside): no identifier (`LawVu`, `LegalOnConfig`, …),
    /// no name or string (`"lawvu"`, `providers::logiless`). Its tests may use providers' clients as
    /// vectors for shared code only when gated on `all-providers`, so every provider feature still
    /// builds and tests alone; a provider's own vectors live in its folder. Step 2 (b): the shared
    /// files of `providers/` itself (the registry, the field reader) name a provider only on its
    /// registry lines (`pub mod x;` under its feature, `x::fields::REGISTERED,`, and its line of
    /// `LEFT_OUT`, `("x", needs_secret),` under `not(feature)`), and the runtimes'
    /// config readers (the package's `src/js/config.rs`, the Worker's connections) name none.
    #[test]
    fn nothing_outside_providers_names_a_provider() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // the patterns match real code: the provider folders use them
        assert!(code_lines(&read(&src.join("providers/legalon/mod.rs"))).any(|l| l.to_ascii_lowercase().contains("legalon")));
        let mut checked = 0;
        let registry_line = |l: &str| {
            let l = l.trim();
            NAMES.iter().any(|n| {
                [
                    format!("pub mod {n};"),
                    format!("#[cfg(feature = \"{n}\")]"),
                    format!("{n}::fields::REGISTERED,"),
                    format!("#[cfg(not(feature = \"{n}\"))]"),
                    format!("(\"{n}\", true),"),
                    format!("(\"{n}\", false),"),
                ]
                .iter()
                .any(|r| r == l)
            })
        };
        let shared_of_providers: Vec<&PathBuf> = files.iter().filter(|p| p.parent() == Some(src.join("providers").as_path())).collect();
        assert!(shared_of_providers.len() >= 2, "providers/mod.rs and providers/fields.rs");
        for path in shared_of_providers {
            let named = code_lines(&read(path))
                .filter(|l| NAMES.iter().any(|n| l.to_ascii_lowercase().contains(n)) && !registry_line(l))
                .map(str::to_owned)
                .collect::<Vec<_>>();
            assert!(named.is_empty(), "{} names a provider outside its registry lines: {named:?}", path.display());
        }
        // the runtimes' readers: no provider module, id or type (an example secret name in a
        // message, LAWVU_CLIENT_SECRET, is not one)
        let root = src.join("../../..");
        let names_one = |l: &str| {
            NAMES.iter().any(|n| l.contains(&format!("providers::{n}")) || l.contains(&format!("\"{n}\"")))
                || ["LawVu", "Logiless", "LegalOn"].iter().any(|t| l.contains(t))
        };
        for runtime in [
            "src/js/config.rs",
            "crates/tsunagi-worker/src/connections.rs",
            "crates/tsunagi-worker/src/provider_fields.rs",
            "crates/tsunagi-worker/src/config.rs",
        ] {
            let text = read(&root.join(runtime));
            let code = text.split("\n#[cfg(test)]").next().unwrap_or_default();
            let named = code_lines(code).find(|l| names_one(l));
            assert_eq!(named, None, "{runtime} names a provider: the registry reads every provider's fields");
        }
        for path in files.iter().filter(|p| !p.starts_with(src.join("providers"))) {
            let text = read(path);
            let split = text.find("\n#[cfg(").filter(|i| text.get(*i..).is_some_and(|t| t.lines().nth(1).is_some_and(|l| l.contains("test"))));
            let (code, tests) = text.split_at(split.unwrap_or(text.len()));
            for name in NAMES {
                let in_code = code_lines(code).find(|l| l.to_ascii_lowercase().contains(name));
                assert_eq!(in_code, None, "{} names {name} in its code", path.display());
            }
            let reaches = code_lines(tests).any(|l| NAMES.iter().any(|n| l.contains(&format!("{n}::"))));
            let gated = tests.lines().nth(1).is_some_and(|l| l.contains("feature = \"all-providers\""));
            assert!(!reaches || gated, "{}: tests that use a provider need #[cfg(all(test, feature = \"all-providers\"))]", path.display());
            checked += 1;
        }
        assert!(checked >= 20, "only {checked} files checked under {}", src.display());
    }

    #[test]
    fn body_encodings() {
        assert_eq!(BodyEncoding::AsIs.encode(r#"{"a":"山"}"#), r#"{"a":"山"}"#);
        assert_eq!(BodyEncoding::AsciiOnlyJson.encode(r#"{"a":"山"}"#), r#"{"a":"\u5c71"}"#);
    }
}
