//! The typed messages between the Worker and its Durable Objects — the session object
//! ([`SessionOp`]) and a held connection's object ([`HeldOp`]) — one request enum each, one answer
//! type per request, serialised as JSON over the object's `fetch`. Errors come back as the
//! core's [`tsunagi_core::ErrorFields`] (the npm package's `TsunagiError` shape), every field kept.
//! And the answer other Workers get from the broker ([`BrokerTokenAnswer`]), a JS object made by
//! serde-wasm-bindgen.

use serde::{Deserialize, Serialize};
use tsunagi_core::json::JsonObject;
use tsunagi_core::secret::AccessToken;
use tsunagi_core::token_set::TokenGrant;
use tsunagi_core::{Timestamp, TokenSet};

/// What the Worker asks of a session object.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionOp {
    /// The `/session` view ([`serde_json::Value`]; never a token).
    Session,
    /// The connections this session holds a live grant for ([`Vec<String>`]): the `allowed_for`
    /// rule of a held connection (client credentials, unattended) asks this.
    SignedIn,
    /// A usable access token for `connection` ([`TokenAnswer`]); `failed` is the fingerprint of
    /// one the API just rejected (refresh unless another caller already did).
    Token {
        /// Which connection.
        connection: String,
        /// The Worker's origin (the default redirect URI of the connection's client).
        origin: String,
        /// Fingerprint of an access token the API rejected with 401.
        failed: Option<String>,
    },
    /// Rotate now ([`serde_json::Value`]: fingerprints only).
    Refresh {
        /// Which connection.
        connection: String,
        /// The Worker's origin.
        origin: String,
    },
    /// Forget one connection, or the whole session (`None`); answers the token sets forgotten
    /// ([`Vec<StoredSet>`]) so the Worker can revoke them where the provider offers it.
    Logout {
        /// Which connection; `None` for all.
        connection: Option<String>,
    },
    /// Hand over every token set and empty the object (a sign-in moves them to a fresh session
    /// id): answers [`Vec<StoredSet>`].
    Take,
    /// Store these sets in a new session ([`PutAnswer`]).
    Put {
        /// The sets, one per connection.
        sets: Vec<StoredSet>,
    },
}

/// One connection's token set in transit between the Worker and an object (inside the isolate's
/// own runtime, never over the network).
#[derive(Serialize, Deserialize)]
pub struct StoredSet {
    /// Which connection.
    pub connection: String,
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

/// The answer to [`HeldOp::Token`]: what a call to the connection's API uses — the access token,
/// its type, when it was issued and expires (the isolate's cache judges freshness by them) and
/// LegalOn's API base. The refresh token stays in the object that refreshes it: an unattended
/// grant's pair never reaches a Worker isolate (issue 21 item 9).
#[derive(Serialize, Deserialize)]
pub struct HeldTokenAnswer {
    /// The access token.
    pub access_token: AccessToken,
    /// Its type.
    pub token_type: String,
    /// When the object received it, ms since the epoch.
    pub issued_at: u64,
    /// When it expires, ms since the epoch.
    pub expires_at: Option<u64>,
    /// LegalOn's `api_base_url` (the API host the token is for).
    pub api_base_url: Option<String>,
}

impl HeldTokenAnswer {
    /// The parts of `tokens` an API call uses.
    pub fn of(tokens: &TokenSet) -> Self {
        HeldTokenAnswer {
            access_token: tokens.access_token.clone(),
            token_type: tokens.token_type.clone(),
            issued_at: tokens.issued_at.as_millis(),
            expires_at: tokens.expires_at.map(Timestamp::as_millis),
            api_base_url: tokens.api_base_url.clone(),
        }
    }

    /// A token set for the API loop: no refresh token, no scope or extra fields. The loop never
    /// refreshes it itself: a refused token goes back to the object as `failed`.
    pub fn into_set(self) -> TokenSet {
        TokenSet {
            access_token: self.access_token,
            token_type: self.token_type,
            issued_at: Timestamp::from_millis(self.issued_at),
            expires_at: self.expires_at.map(Timestamp::from_millis),
            refresh_token: None,
            refresh_expires_at: None,
            scope: None,
            api_base_url: self.api_base_url,
            extra: JsonObject::new(),
            grant: TokenGrant::default(),
        }
    }
}

/// What the Worker asks of a held connection's object (`TsunagiConnection`: client credentials or
/// unattended).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldOp {
    /// A usable access token ([`HeldTokenAnswer`]: what an API call uses, never the refresh
    /// token); `failed` is the fingerprint of an access token the API just refused with 401.
    Token {
        /// Which connection.
        connection: String,
        /// The Worker's origin (the client's default redirect URI).
        origin: String,
        /// Fingerprint of a refused access token.
        failed: Option<String>,
    },
    /// An administrator starts granting an unattended connection: keep this sign-in (sealed,
    /// single use, 10 minutes) until its callback ([`serde_json::Value`] `{}`).
    Begin {
        /// Which connection.
        connection: String,
        /// The Worker's origin (kept for the alarm's refreshes).
        origin: String,
        /// The state and PKCE verifier sent.
        pending: crate::bff::PendingLogin,
    },
    /// The provider's callback for an administrator's grant: the `state` must be the one kept;
    /// the code is exchanged and the set held ([`Health`]).
    Complete {
        /// Which connection.
        connection: String,
        /// The callback URL as received.
        callback_url: String,
    },
    /// The connection's health ([`Health`]; never a token).
    Health {
        /// Which connection.
        connection: String,
    },
    /// Forget the grant (revoking it where the provider offers it); answers the revocation
    /// outcome ([`serde_json::Value`]).
    Disconnect {
        /// Which connection.
        connection: String,
    },
}

/// An unattended connection's health, kept in clear in its object (never a token): what
/// `GET /connections/{name}` shows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Health {
    /// The connection's name (the alarm reads its configuration by it).
    pub connection: String,
    /// `connected`, `refresh_failing` (retrying), `requires_reauthorization` or `disconnected`.
    pub status: String,
    /// The Worker origin the grant was made through (the client's default redirect URI).
    pub origin: String,
    /// When the administrator granted it, ms since the epoch.
    pub granted_at: Option<u64>,
    /// When the access token expires.
    pub access_expires_at: Option<u64>,
    /// When the refresh token expires.
    pub refresh_expires_at: Option<u64>,
    /// The last successful refresh.
    pub last_refresh_at: Option<u64>,
    /// When the alarm refreshes next.
    pub next_refresh_at: Option<u64>,
    /// Successful refreshes since the grant.
    pub refreshes: u64,
    /// Failed refreshes in a row.
    pub failures: u32,
    /// The last error's code.
    pub last_error: Option<String>,
}

/// What the broker's `accessToken(connection)` answers another Worker over Workers RPC: a plain
/// JS object (serde-wasm-bindgen, JSON-compatible: a missing expiry is `null`) with the access
/// token, its type and its expiry (ms since the epoch). Never a refresh token (README "Other Workers").
#[derive(Serialize)]
pub struct BrokerTokenAnswer<'a> {
    /// The access token.
    pub access_token: &'a str,
    /// Its type (`Bearer`).
    pub token_type: &'a str,
    /// When it expires, ms since the epoch; `null` when the server gave no lifetime.
    pub expires_at: Option<u64>,
}
