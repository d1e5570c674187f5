//! Newtypes for secrets and protocol values.
//!
//! Secret-bearing types print `[redacted]` in `Debug`, have no `Display`, and expose their value
//! only through an explicitly named `secret()` accessor, as oauth2-rs does. Serde (for storage)
//! writes the plain value: storage is the one place a secret must round-trip.

use crate::http::HttpRequest;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }
            /// The secret value itself. Never log it.
            pub fn secret(&self) -> &str {
                &self.0
            }
            /// A short, non-reversible fingerprint (first 8 hex digits of SHA-256) for showing
            /// that a value changed (e.g. refresh-token rotation) without showing the value.
            pub fn fingerprint(&self) -> String {
                crate::pkce::sha256_hex_prefix(self.0.as_bytes(), 8)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_type!(
    /// An OAuth client secret (RFC 6749 §2.3.1). LawVu: sending it selects 30-day refresh tokens.
    ClientSecret
);
secret_type!(
    /// A ready-made value for `Authorization: Basic {value}`, sent unchanged (LegalOn's console
    /// issues one; RFC 6749 §2.3.1 form-encoding is *not* applied).
    BasicCredentials
);
secret_type!(
    /// An access token (RFC 6749 §1.4).
    AccessToken
);
secret_type!(
    /// A refresh token (RFC 6749 §1.5). LawVu's are single-use: each refresh spends it.
    RefreshToken
);
secret_type!(
    /// An authorization code (RFC 6749 §4.1.2): single-use and short-lived.
    AuthorizationCode
);

macro_rules! plain_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                $name(value.into())
            }
            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

plain_type!(
    /// An OAuth client identifier (RFC 6749 §2.2). Public, not a secret.
    ClientId
);

/// Request parameters whose values are secrets the client sends: RFC 6749 §2.3.1
/// (`client_secret`), §4.1.3 (`code`), §6 (`refresh_token`), §4.3.2 (`password`), RFC 7636 §4.5
/// (`code_verifier`), RFC 7521 §4.2 (`assertion`, `client_assertion`).
const SENT_SECRET_PARAMETERS: &[&str] = &["client_secret", "code", "refresh_token", "code_verifier", "password", "assertion", "client_assertion", "token"];

const REDACTED: &str = "[redacted]";

/// How many occurrences of secrets [`SentSecrets::redact`] redacts one by one: a text echoing
/// more (a hostile error body) is replaced whole, which also bounds the ordering of the ranges.
pub const MAX_REDACTIONS: usize = 256;

/// The secrets a client sent in one request — client secret, Basic credentials, authorization
/// code, PKCE verifier, refresh token — so that an [`Error`](crate::Error) built from the answer
/// can redact them wherever the server echoes them, not only after a known key: an
/// `invalid_client` reply reading `"bad secret sbx_…"` must not carry the secret to a log or a
/// browser (RFC 6749 §10.3 and §10.4: codes and tokens must not leak; §2.3.1: client
/// credentials are secrets).
///
/// A small list of borrowed values (owned only where the request holds them encoded: a
/// percent-encoded parameter, the halves of a Basic credential). `Debug` shows how many, never
/// which.
#[derive(Clone, Default)]
pub struct SentSecrets<'a> {
    values: Vec<Cow<'a, str>>,
}

impl<'a> SentSecrets<'a> {
    /// No secrets.
    pub fn new() -> Self {
        SentSecrets { values: Vec::new() }
    }

    /// Adds a secret value. Values shorter than [`SentSecrets::MIN_LEN`] bytes are ignored: they
    /// would match ordinary words (a test secret `s` would redact every `s`), and the scrubber
    /// still redacts them after a known key (`client_secret=…`).
    pub fn add(&mut self, value: &'a str) {
        self.push(Cow::Borrowed(value));
    }

    /// The shortest value searched for in free text.
    pub const MIN_LEN: usize = 8;

    pub(crate) fn push(&mut self, value: Cow<'a, str>) {
        if value.len() >= Self::MIN_LEN && !self.values.contains(&value) {
            self.values.push(value);
        }
    }

    /// Every secret in `request` as sent: the values of `client_secret`, `code`,
    /// `refresh_token`, `code_verifier`, `password`, `assertion`, `client_assertion` and (RFC 7009) `token` in the
    /// query (Logiless' GET token endpoint) or the form body, both as sent and decoded, and the
    /// `Authorization` credential — for Basic also the password half of `id:password` (RFC 7617
    /// §2), raw and form-decoded (RFC 6749 §2.3.1).
    pub fn from_request(request: &'a HttpRequest) -> Self {
        let mut sent = SentSecrets::new();
        let query = request.url.split_once('?').map(|(_, q)| q.split('#').next().unwrap_or_default());
        for form in query.into_iter().chain(request.body.as_deref()) {
            for pair in form.split('&') {
                let Some((key, value)) = pair.split_once('=') else { continue };
                let key = form_urlencoded::parse(key.as_bytes()).next().map(|(k, _)| k);
                if key.is_some_and(|k| SENT_SECRET_PARAMETERS.contains(&k.as_ref())) {
                    sent.add(value);
                    if let Some((_, decoded)) = form_urlencoded::parse(pair.as_bytes()).next() {
                        sent.push(decoded);
                    }
                }
            }
        }
        for (name, value) in &request.headers {
            if name.eq_ignore_ascii_case("authorization") {
                let (scheme, credential) = value.trim().split_once(' ').unwrap_or(("", value.trim()));
                if scheme.eq_ignore_ascii_case("basic") {
                    sent.add_credentials(credential.trim());
                } else {
                    sent.add(credential.trim());
                }
            }
        }
        sent
    }

    /// A Basic credential: the value itself and the password half of what it decodes to.
    pub(crate) fn add_credentials(&mut self, credentials: &'a str) {
        self.add(credentials);
        let url_alphabet: String = credentials
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect();
        let Some(pair) = crate::base64url::decode(&url_alphabet).ok().and_then(|b| String::from_utf8(b).ok()) else { return };
        let Some((_, password)) = pair.split_once(':') else { return };
        let decoded: String = form_urlencoded::parse(format!("p={password}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default();
        self.push(Cow::Owned(password.to_owned()));
        self.push(Cow::Owned(decoded));
    }

    /// Adds every secret of `other`.
    pub fn extend(&mut self, other: SentSecrets<'a>) {
        for v in other.values {
            self.push(v);
        }
    }

    /// How many distinct secrets are held.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every occurrence of every secret replaced by `[redacted]`. Should a secret
    /// still be found afterwards (one that overlaps the marker itself), or should the text hold
    /// more than [`MAX_REDACTIONS`] of them, the whole text is replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for v in &self.values {
            ranges.extend(text.match_indices(v.as_ref()).map(|(at, m)| (at, at + m.len())));
        }
        if ranges.is_empty() {
            return text.to_owned();
        }
        if ranges.len() > MAX_REDACTIONS {
            return REDACTED.to_owned();
        }
        crate::short_sort::sort_short(&mut ranges);
        let mut out = String::with_capacity(text.len());
        let mut cursor = 0usize;
        for (start, end) in ranges {
            if start < cursor {
                cursor = cursor.max(end);
                continue;
            }
            out.push_str(text.get(cursor..start).unwrap_or_default());
            out.push_str(REDACTED);
            cursor = end;
        }
        out.push_str(text.get(cursor..).unwrap_or_default());
        if self.values.iter().any(|v| out.contains(v.as_ref())) {
            return REDACTED.to_owned();
        }
        out
    }
}

impl fmt::Debug for SentSecrets<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SentSecrets([redacted; {}])", self.values.len())
    }
}

#[cfg(all(test, feature = "all-providers"))]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = ClientSecret::new("hunter2");
        assert_eq!(format!("{s:?}"), "ClientSecret([redacted])");
        assert_eq!(s.secret(), "hunter2");
        let t = RefreshToken::new("rt-1");
        assert!(!format!("{t:?}").contains("rt-1"));
        let c = BasicCredentials::new("Zm9vOmJhcg==");
        assert!(!format!("{c:?}").contains("Zm9v"));
        let a = AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA");
        assert!(!format!("{a:?}").contains("Splx"));
    }

    #[test]
    fn sent_secrets_from_a_request_and_a_client() {
        use crate::client::ClientAuthMethod;
        use crate::providers::generic::GenericConfig;
        // Logiless-style GET: secrets in the query, percent-encoded
        let get = HttpRequest {
            method: crate::http::Method::Get,
            url: "https://as.example/oauth2/token?client_id=cid&client_secret=sec%2Fret%2B&code=C0DE0C0DE&grant_type=authorization_code#frag".into(),
            headers: vec![],
            body: None,
        };
        let sent = SentSecrets::from_request(&get);
        assert_eq!(sent.redact("sec/ret+ sec%2Fret%2B C0DE0C0DE cid authorization_code"), "[redacted] [redacted] [redacted] cid authorization_code");
        assert_eq!(format!("{sent:?}"), "SentSecrets([redacted; 3])");
        // client_secret_basic: the header the request carries is covered by the client alone
        let mut cfg = GenericConfig::new(None, "https://as.example/token", "c id");
        cfg.client_auth = ClientAuthMethod::SecretBasic;
        cfg.client_secret = Some(ClientSecret::new("s&cr=t é"));
        let client = cfg.client().unwrap_or_else(|e| panic!("{e}"));
        let request = client.client_credentials_request().unwrap_or_else(|e| panic!("{e}"));
        let header = request.header("authorization").unwrap_or_default().to_owned();
        let by_client = SentSecrets::of_client(&client);
        let by_request = SentSecrets::from_request(&request);
        for sent in [&by_client, &by_request] {
            assert_eq!(sent.redact(&format!("{header} / s&cr=t é")), "Basic [redacted] / [redacted]");
        }
        assert!(!format!("{by_request:?}").contains("cr=t"));
        // a short value is not searched for; a secret overlapping the marker empties the text
        let mut odd = SentSecrets::new();
        odd.add("");
        odd.add("s");
        assert!(odd.is_empty());
        odd.add("aaaaaaa[r");
        assert_eq!(odd.redact("aaaaaaaaaaaaaa[r"), "[redacted]");
    }

    #[test]
    fn interleaved_secrets_are_redacted_in_order_and_a_flood_replaces_the_text() {
        let mut sent = SentSecrets::new();
        sent.add("secret-token-B");
        sent.add("secret-token-A");
        let text = "A=secret-token-A B=secret-token-B A=secret-token-A";
        assert_eq!(sent.redact(text), "A=[redacted] B=[redacted] A=[redacted]");
        let just_under = "secret-token-A secret-token-B ".repeat(MAX_REDACTIONS / 2);
        assert_eq!(sent.redact(&just_under), "[redacted] ".repeat(MAX_REDACTIONS));
        let flood = format!("{just_under}secret-token-A");
        assert_eq!(sent.redact(&flood), "[redacted]");
    }

    #[test]
    fn serde_is_transparent_for_storage() {
        let t = AccessToken::new("at");
        assert_eq!(serde_json::to_string(&t).ok().as_deref(), Some("\"at\""));
    }

    #[test]
    fn fingerprint_is_stable_and_short() {
        let a = RefreshToken::new("tGzv3JOkF0XG5Qx2TlKWIA");
        assert_eq!(a.fingerprint().len(), 8);
        assert_eq!(a.fingerprint(), RefreshToken::new("tGzv3JOkF0XG5Qx2TlKWIA").fingerprint());
        assert_ne!(a.fingerprint(), RefreshToken::new("other").fingerprint());
    }
}
