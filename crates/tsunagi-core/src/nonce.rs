//! The OpenID Connect `nonce` (OIDC Core §3.1.2.1, §15.5.2): a per-request value sent in the
//! authorization request and stored with its `state`; the id_token must carry it back unchanged,
//! which binds the token to this browser session and defeats replay.

use crate::{base64url, Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};

/// A `nonce`. Generated ones are 43 base64url characters from 32 random bytes (256 bits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Nonce(String);

impl Nonce {
    /// A nonce from 32 bytes of caller-supplied entropy (sans-IO).
    pub fn from_entropy(entropy: &[u8; 32]) -> Self {
        Nonce(base64url::encode(entropy))
    }

    /// Wraps an existing value (read back from storage, or an app's own): 1-512 characters of
    /// printable ASCII (no spaces, so it survives any server's form handling unchanged).
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        if value.is_empty() || value.len() > 512 || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::new(ErrorCode::InvalidParameter, "nonce must be 1-512 printable ASCII characters without spaces"));
        }
        Ok(Nonce(value))
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with the id_token's `nonce` claim.
    pub fn matches(&self, received: &str) -> bool {
        crate::state::constant_time_eq(self.0.as_bytes(), received.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        let n = Nonce::from_entropy(&[7; 32]);
        assert_eq!(n.as_str().len(), 43);
        assert!(n.matches(n.as_str()) && !n.matches("x"));
        for bad in ["", "a b", "caf\u{e9}", "a\n"] {
            assert_eq!(Nonce::new(bad).err().map(|e| e.code()), Some(ErrorCode::InvalidParameter), "{bad:?}");
        }
        assert!(Nonce::new("n-0S6_WzA2Mj").is_ok());
    }
}
