//! The typed messages between the Worker and its session Durable Object: one request enum, one
//! answer type per request, serialised as JSON over the object's `fetch`. Errors come back as the
//! core's [`tsunagi_core::ErrorFields`] (the npm package's `TsunagiError` shape), every field kept.

use crate::config::SessionProvider;
use serde::{Deserialize, Serialize};
use tsunagi_core::secret::AccessToken;
use tsunagi_core::TokenSet;

/// What the Worker asks of a session object.
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SessionOp {
    /// The `/session` view ([`serde_json::Value`]; never a token).
    Session,
    /// The providers this session holds a live grant for ([`Vec<SessionProvider>`]): the access
    /// rules of a client-credentials provider (LegalOn) ask this.
    SignedIn,
    /// A usable access token for `provider` ([`TokenAnswer`]); `failed` is the fingerprint of
    /// one the API just rejected (refresh unless another caller already did).
    Token {
        /// Which provider.
        provider: SessionProvider,
        /// The Worker's origin (the default redirect URI of the provider's client).
        origin: String,
        /// Fingerprint of an access token the API rejected with 401.
        failed: Option<String>,
    },
    /// Rotate now ([`serde_json::Value`]: fingerprints only).
    Refresh {
        /// Which provider.
        provider: SessionProvider,
        /// The Worker's origin.
        origin: String,
    },
    /// Forget one provider, or the whole session (`None`).
    Logout {
        /// Which provider; `None` for all.
        provider: Option<SessionProvider>,
    },
    /// Hand over every token set and empty the object (a sign-in moves them to a fresh session
    /// id): answers [`Vec<StoredSet>`].
    Take,
    /// Store these sets in a new session ([`PutAnswer`]).
    Put {
        /// The sets, one per provider.
        sets: Vec<StoredSet>,
    },
}

/// One provider's token set in transit between the Worker and an object (inside the isolate's
/// own runtime, never over the network).
#[derive(Serialize, Deserialize)]
pub struct StoredSet {
    /// Which provider.
    pub provider: SessionProvider,
    /// Its tokens.
    pub tokens: TokenSet,
}

/// The answer to [`SessionOp::Token`].
#[derive(Serialize, Deserialize)]
pub struct TokenAnswer {
    /// The access token.
    pub access_token: AccessToken,
    /// Its type.
    pub token_type: String,
    /// When it expires, ms since the epoch.
    pub expires_at: Option<u64>,
    /// When the session ends, ms since the epoch.
    pub session_expires_at: Option<u64>,
}

/// The answer to [`SessionOp::Put`].
#[derive(Serialize, Deserialize)]
pub struct PutAnswer {
    /// When the session ends, ms since the epoch.
    pub session_expires_at: Option<u64>,
}
