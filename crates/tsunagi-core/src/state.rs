//! The `state` parameter (RFC 6749 §10.12, RFC 9700 §4.7): an unguessable per-request value that
//! binds the callback to the browser session that started the flow.
//!
//! Generated values carry 256 bits (≥ 128 required); any value is compared exactly, in constant
//! time. An app's own value may be any `1*VSCHAR` (RFC 6749 Appendix A.5), e.g. serialised data.

use crate::{base64url, Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};

/// An OAuth `state` value. Generated ones are 43 base64url characters from 32 random bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct State(String);

impl State {
    /// A state from 32 bytes of caller-supplied entropy (sans-IO).
    pub fn from_entropy(entropy: &[u8; 32]) -> Self {
        State(base64url::encode(entropy))
    }

    /// A state from the platform CSPRNG.
    #[cfg(feature = "getrandom")]
    pub fn generate() -> Result<Self> {
        Ok(Self::from_entropy(&random_32()?))
    }

    /// Wraps an existing value (read back from storage, or an app's own). RFC 6749 Appendix A.5:
    /// `state = 1*VSCHAR`, `VSCHAR = %x20-7E`: printable ASCII and the space, nothing else
    /// (no control characters, DEL or non-ASCII); at most [`State::MAX_LEN`] characters here.
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        if value.is_empty() || value.len() > Self::MAX_LEN || !value.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err(Error::new(
                ErrorCode::InvalidParameter,
                "state must be 1-512 characters from %x20-7E: printable ASCII or space (RFC 6749 Appendix A.5)",
            ));
        }
        Ok(State(value))
    }

    /// The longest value accepted, in characters (bytes: all are ASCII).
    pub const MAX_LEN: usize = 512;

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with a received value (no early exit on the first difference).
    pub fn matches(&self, received: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), received.as_bytes())
    }
}

/// Compares two byte strings in time independent of where they differ (length is not secret).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from turning the fold back into an early-exit comparison
    std::hint::black_box(diff) == 0
}

/// 32 bytes from the platform CSPRNG, or a typed error where none is available.
#[cfg(feature = "getrandom")]
pub(crate) fn random_32() -> Result<[u8; 32]> {
    let [one] = random_blocks::<1>()?;
    Ok(one)
}

/// `N` independent blocks of 32 bytes from one call to the platform CSPRNG (in a browser one
/// `crypto.getRandomValues`, whose per-call cost dominates an authorization URL's), or a typed
/// error where none is available.
#[cfg(feature = "getrandom")]
pub(crate) fn random_blocks<const N: usize>() -> Result<[[u8; 32]; N]> {
    let mut blocks = [[0u8; 32]; N];
    getrandom::fill(blocks.as_flattened_mut()).map_err(|_| Error::new(ErrorCode::InvalidConfig, "no cryptographically secure random source is available"))?;
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_entropy_is_43_chars_base64url() {
        let s = State::from_entropy(&[0xff; 32]);
        assert_eq!(s.as_str().len(), 43);
        assert!(s.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }

    #[test]
    fn matches_is_exact() {
        let s = State::from_entropy(&[1; 32]);
        assert!(s.matches(s.as_str()));
        assert!(!s.matches(""));
        assert!(!s.matches(&s.as_str()[..42]));
        let mut other = s.as_str().to_owned();
        other.replace_range(0..1, "Z");
        assert!(!s.matches(&other));
    }

    #[test]
    fn new_accepts_exactly_vschar() {
        // RFC 6749 Appendix A.5: state = 1*VSCHAR, VSCHAR = %x20-7E (space included; issue 13 item 5)
        for b in 0x20u8..=0x7e {
            let c = char::from(b);
            assert_eq!(State::new(c.to_string()).map(|s| s.as_str().to_owned()).ok(), Some(c.to_string()), "{b:#x}");
        }
        let all: String = (0x20u8..=0x7e).map(char::from).collect();
        assert!(State::new(all).is_ok());
        assert!(State::new("a b/c").is_ok());
        assert!(State::new(r#"{"return_to":"/matters?id=7&tab=a b"}"#).is_ok(), "serialised app data");
        for bad in ["", "\u{1f}", "a\u{7f}", "a\tb", "a\nb", "\u{0}", "caf\u{e9}", "日本", "a\u{a0}b"] {
            let e = State::new(bad).err().map(|e| e.code());
            assert_eq!(e, Some(ErrorCode::InvalidParameter), "{bad:?}");
        }
        assert!(State::new("x".repeat(512)).is_ok());
        assert!(State::new("x".repeat(513)).is_err());
    }

    #[cfg(feature = "getrandom")]
    #[test]
    fn generated_states_are_unique() {
        let a = State::generate().map(|s| s.as_str().to_owned());
        let b = State::generate().map(|s| s.as_str().to_owned());
        assert!(a.is_ok());
        assert_ne!(a, b);
    }

    /// One CSPRNG call, three independent blocks (state, PKCE verifier, nonce of one authorization).
    #[cfg(feature = "getrandom")]
    #[test]
    fn random_blocks_are_distinct() {
        let blocks = random_blocks::<3>().ok();
        let [a, b, c] = blocks.unwrap_or_default();
        assert!(blocks.is_some() && a != [0; 32] && a != b && b != c && a != c);
    }
}
