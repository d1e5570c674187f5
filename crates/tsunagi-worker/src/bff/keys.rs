//! The keys of the Worker: HMAC-SHA256 (RFC 2104) and the purpose-bound keys derived from
//! `SESSION_KEY` (cookie MAC, storage encryption, object names), with the associated data that
//! binds a sealed record or sign-in cookie to where it belongs.

use sha2::{Digest, Sha256};
use tsunagi_core::base64url;
use tsunagi_core::{Error, ErrorCode, Result};

/// Minimum length of `SESSION_KEY` in bytes.
pub const MIN_SESSION_KEY_LEN: usize = 32;

const BLOCK: usize = 64;

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        let digest = Sha256::digest(key);
        for (b, k) in block.iter_mut().zip(digest.iter()) {
            *b = *k;
        }
    } else {
        for (b, k) in block.iter_mut().zip(key.iter()) {
            *b = *k;
        }
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// Purpose-bound 256-bit keys derived from `SESSION_KEY`: `HMAC-SHA256(SESSION_KEY, "tsunagi/v1/" + purpose)`
/// (one HKDF-Expand block with the secret as PRK). Purposes: `cookie` (cookie MAC), `storage`
/// (AES-256-GCM key for token sets at rest), `object` (Durable Object names).
#[derive(Clone)]
pub struct SessionKeys {
    /// Key for the cookie MAC.
    pub cookie: [u8; 32],
    /// AES-256-GCM key for data at rest.
    pub storage: [u8; 32],
    /// Key for naming Durable Objects (names never reveal the session id or credentials).
    pub object: [u8; 32],
    /// Names the storage key in sealed records (8 hex characters of `HMAC(storage, "key-id")`), so
    /// a record sealed under another `SESSION_KEY` is told apart from a tampered one.
    pub key_id: String,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys([redacted])")
    }
}

impl SessionKeys {
    /// Derives the keys; `SESSION_KEY` missing → [`ErrorCode::ConfigMissing`], shorter than
    /// [`MIN_SESSION_KEY_LEN`] bytes → [`ErrorCode::InvalidConfig`].
    pub fn derive(session_key: Option<&str>) -> Result<Self> {
        let key = match session_key.map(str::trim) {
            None | Some("") => {
                return Err(Error::new(ErrorCode::ConfigMissing, "SESSION_KEY is not set (`wrangler secret put SESSION_KEY`; `.dev.vars` for local runs)"))
            }
            Some(k) => k,
        };
        if key.len() < MIN_SESSION_KEY_LEN {
            return Err(Error::new(ErrorCode::InvalidConfig, "SESSION_KEY must be at least 32 bytes of random text"));
        }
        let k = |purpose: &str| hmac_sha256(key.as_bytes(), format!("tsunagi/v1/{purpose}").as_bytes());
        let storage = k("storage");
        let key_id = hmac_sha256(&storage, b"key-id").iter().take(4).map(|b| format!("{b:02x}")).collect();
        Ok(SessionKeys { cookie: k("cookie"), storage, object: k("object"), key_id })
    }

    /// The AES-GCM associated data of the record `record` kept by the Durable Object `object_id`:
    /// `tsunagi/v2|{key id}|{object id}|{record}`. A sealed record opens only in the object and
    /// slot it was written for, under the key that wrote it (docs/storage.md).
    pub fn record_aad(&self, object_id: &str, record: &str) -> String {
        format!("tsunagi/v2|{}|{object_id}|{record}", self.key_id)
    }

    /// The associated data of the sign-in cookie for `provider` ([`login_cookie_name`](super::login_cookie_name)).
    pub fn login_aad(&self, provider: &str) -> String {
        format!("tsunagi/v2|{}|login|{provider}", self.key_id)
    }

    /// A stable, non-reversible object name for `label` (e.g. `session:{id}`, `legalon:{credentials}`).
    pub fn object_name(&self, label: &str) -> String {
        base64url::encode(&hmac_sha256(&self.object, label.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SessionKeys {
        SessionKeys::derive(Some("0123456789abcdef0123456789abcdef")).unwrap_or_else(|e| panic!("{e}"))
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn hmac_rfc4231_vectors() {
        assert_eq!(hex(&hmac_sha256(&[0x0b; 20], b"Hi There")), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        assert_eq!(hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        // key longer than the block size is hashed first (test case 6)
        assert_eq!(
            hex(&hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn session_key_is_required_and_long() {
        assert_eq!(SessionKeys::derive(None).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::ConfigMissing));
        assert_eq!(SessionKeys::derive(Some(" ")).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::ConfigMissing));
        assert_eq!(SessionKeys::derive(Some("short")).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig));
        let k = keys();
        assert_ne!(k.cookie, k.storage);
        assert_eq!(k.key_id.len(), 8);
        let other = SessionKeys::derive(Some("another-key-another-key-another-key")).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(k.key_id, other.key_id);
        assert_ne!(k.record_aad("obj-a", "tokens:lawvu"), k.record_aad("obj-b", "tokens:lawvu"));
        assert_ne!(k.record_aad("obj-a", "tokens:lawvu"), other.record_aad("obj-a", "tokens:lawvu"));
        assert_ne!(k.login_aad("lawvu"), k.login_aad("logiless"));
        assert_eq!(format!("{k:?}"), "SessionKeys([redacted])");
        assert_eq!(k.object_name("session:a"), keys().object_name("session:a"));
        assert_ne!(k.object_name("session:a"), k.object_name("session:b"));
    }
}
