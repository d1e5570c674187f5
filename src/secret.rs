//! Newtypes for secrets and protocol values.
//!
//! Secret-bearing types print `[redacted]` in `Debug`, have no `Display`, and expose their value
//! only through an explicitly named `secret()` accessor, as oauth2-rs does. Serde (for storage)
//! writes the plain value: storage is the one place a secret must round-trip.

use serde::{Deserialize, Serialize};
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

#[cfg(test)]
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
