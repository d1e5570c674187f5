//! The typed messages between the Worker and its Durable Objects — the session object
//! ([`SessionOp`]) and a held connection's object ([`HeldOp`]) — one request enum each, one answer
//! type per request, as JSON text over Workers RPC (`op`: `{"op": "token", …}`), written and read by
//! the core's codec ([`crate::records`]; no serde_json in the Worker). Errors come back as the
//! core's [`tsunagi_core::ErrorFields`] (the npm package's `TsunagiError` shape), every field kept.
//! And the answer other Workers get from the broker ([`BrokerTokenAnswer`]), a JS object made by
//! serde-wasm-bindgen.

use crate::records::{self, opt_str, opt_u64, req_str, req_u64};
use serde::Serialize;
use tsunagi_core::dpop::{PrivateJwk, PublicJwk};
use tsunagi_core::json::{object_array, Json, JsonObject, ObjectWriter};
use tsunagi_core::secret::AccessToken;
use tsunagi_core::token_set::TokenGrant;
use tsunagi_core::{Timestamp, TokenSet};

/// What the Worker asks of a session object.
pub enum SessionOp {
    /// The `/session` view ([`Json`]; never a token).
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
    /// Rotate now ([`Json`]: fingerprints only).
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
    /// A sign-in's callback, run in the fresh session's object ([`PutAnswer`]): the `state` of
    /// `callback_url` checked against `pending`, the code exchanged — with a proof of a new DPoP
    /// key made here when the connection uses DPoP (RFC 9449 §5) — the id_token verified, and
    /// only then the set (and its key) stored. A failure stores nothing.
    Exchange {
        /// Which connection.
        connection: String,
        /// The Worker's origin (the client's default redirect URI).
        origin: String,
        /// The callback URL as received.
        callback_url: String,
        /// The sign-in the callback must match (its state, PKCE verifier and nonce).
        pending: crate::bff::PendingLogin,
    },
    /// The signature of one DPoP proof by the connection's key ([`SignAnswer`]): `input` must be
    /// a proof of that key made now ([`crate::dpop_proof::check_signing_input`]).
    SignProof {
        /// Which connection.
        connection: String,
        /// The JWS signing input, `BASE64URL(header).BASE64URL(claims)`.
        input: String,
    },
}

impl SessionOp {
    /// Whether the answer may be copied in the isolate (`session_copy.rs`): the signed-in list and
    /// a token asked for without a failed one. Every other operation changes the session.
    pub fn may_be_copied(&self) -> bool {
        matches!(self, SessionOp::SignedIn | SessionOp::Token { failed: None, .. })
    }

    /// Whether the operation leaves the session as it was, so the isolate's copies of its
    /// answers stay (a proof's signature changes nothing).
    pub fn keeps_copies(&self) -> bool {
        self.may_be_copied() || matches!(self, SessionOp::SignProof { .. })
    }
}

/// One connection's token set in transit between the Worker and an object (inside the isolate's
/// own runtime, never over the network).
pub struct StoredSet {
    /// Which connection.
    pub connection: String,
    /// Its tokens.
    pub tokens: TokenSet,
    /// The private JWK of the DPoP key its tokens are bound to: moved with them from object to
    /// object by `Take` and `Put` (never in any other answer).
    pub key: Option<PrivateJwk>,
}

/// The answer to [`SessionOp::Token`].
pub struct TokenAnswer {
    /// The access token.
    pub access_token: AccessToken,
    /// Its type.
    pub token_type: String,
    /// When it expires, ms since the epoch.
    pub expires_at: Option<u64>,
    /// When the session ends, ms since the epoch.
    pub session_expires_at: Option<u64>,
    /// The public JWK of the key a `DPoP` token is bound to (its proofs are signed by the object:
    /// [`SessionOp::SignProof`]); `None` for a Bearer token. On the wire: the JWK's JSON text.
    pub jwk: Option<PublicJwk>,
}

/// The answer to [`SessionOp::SignProof`] and [`HeldOp::SignProof`].
pub struct SignAnswer {
    /// The ES256 signature, raw `r || s` (RFC 7518 §3.4).
    pub signature: Vec<u8>,
}

/// The answer to [`SessionOp::Put`].
pub struct PutAnswer {
    /// When the session ends, ms since the epoch.
    pub session_expires_at: Option<u64>,
}

/// The answer to [`HeldOp::Token`]: what a call to the connection's API uses — the access token,
/// its type, when it was issued and expires (the isolate's cache judges freshness by them) and
/// LegalOn's API base. The refresh token stays in the object that refreshes it: an unattended
/// grant's pair never reaches a Worker isolate (issue 21 item 9).
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
    /// The public JWK of the key a `DPoP` token is bound to ([`HeldOp::SignProof`]). On the wire:
    /// the JWK's JSON text.
    pub jwk: Option<PublicJwk>,
}

/// A held connection's token as an isolate uses it (and keeps it: `held_copy`): the set for the
/// API loop and, for a `DPoP` token, the public JWK of the key its object signs proofs with.
#[derive(Clone)]
pub struct HeldToken {
    /// The set for the API loop ([`HeldTokenAnswer::into_set`]).
    pub set: TokenSet,
    /// The public JWK of the key a `DPoP` token is bound to; `None` for a Bearer token.
    pub jwk: Option<PublicJwk>,
}

impl HeldTokenAnswer {
    /// The parts of `tokens` an API call uses (no key: [`Self::with_jwk`]).
    pub fn of(tokens: &TokenSet) -> Self {
        HeldTokenAnswer {
            access_token: tokens.access_token.clone(),
            token_type: tokens.token_type.clone(),
            issued_at: tokens.issued_at.as_millis(),
            expires_at: tokens.expires_at.map(Timestamp::as_millis),
            api_base_url: tokens.api_base_url.clone(),
            jwk: None,
        }
    }

    /// With the public JWK of the key the token is bound to.
    pub fn with_jwk(mut self, jwk: Option<PublicJwk>) -> Self {
        self.jwk = jwk;
        self
    }

    /// The token as the isolate uses it ([`HeldToken`]).
    pub fn into_held(mut self) -> HeldToken {
        let jwk = self.jwk.take();
        HeldToken { set: self.into_set(), jwk }
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
    /// single use, 10 minutes) until its callback ([`Json`] `{"connection"}`).
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
    /// outcome ([`Json`]).
    Disconnect {
        /// Which connection.
        connection: String,
    },
    /// The signature of one DPoP proof by the connection's key ([`SignAnswer`]), as
    /// [`SessionOp::SignProof`].
    SignProof {
        /// Which connection.
        connection: String,
        /// The JWS signing input.
        input: String,
    },
}

/// An unattended connection's health, kept in clear in its object (never a token): what
/// `GET /connections/{name}` shows.
#[derive(Clone, Debug, Default)]
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

/// A message or an answer as the JSON text that crosses to or from an object, and back.
pub trait Wire: Sized {
    /// The JSON text.
    fn to_json(&self) -> String;
    /// Read back from the parsed JSON (`None`: not this message).
    fn from_json(v: &Json) -> Option<Self>;
}

fn op(name: &str) -> ObjectWriter {
    let mut w = ObjectWriter::new();
    w.str("op", name);
    w
}

impl Wire for SessionOp {
    fn to_json(&self) -> String {
        let w = match self {
            SessionOp::Session => op("session"),
            SessionOp::SignedIn => op("signed_in"),
            SessionOp::Token { connection, origin, failed } => {
                let mut w = op("token");
                w.str("connection", connection).str("origin", origin).str_or_null("failed", failed.as_deref());
                w
            }
            SessionOp::Refresh { connection, origin } => {
                let mut w = op("refresh");
                w.str("connection", connection).str("origin", origin);
                w
            }
            SessionOp::Logout { connection } => {
                let mut w = op("logout");
                w.str_or_null("connection", connection.as_deref());
                w
            }
            SessionOp::Take => op("take"),
            SessionOp::Put { sets } => {
                let mut w = op("put");
                w.objects("sets", sets.iter().map(StoredSet::writer));
                w
            }
            SessionOp::Exchange { connection, origin, callback_url, pending } => {
                let mut w = op("exchange");
                w.str("connection", connection).str("origin", origin).str("callback_url", callback_url);
                w.nested("pending", records::pending_login_writer(pending));
                w
            }
            SessionOp::SignProof { connection, input } => {
                let mut w = op("sign_proof");
                w.str("connection", connection).str("input", input);
                w
            }
        };
        w.finish()
    }

    fn from_json(v: &Json) -> Option<Self> {
        let o = v.as_object()?;
        let s = |name| req_str(o, name).map(str::to_owned);
        Some(match req_str(o, "op")? {
            "session" => SessionOp::Session,
            "signed_in" => SessionOp::SignedIn,
            "token" => SessionOp::Token { connection: s("connection")?, origin: s("origin")?, failed: opt_str(o, "failed")?.map(str::to_owned) },
            "refresh" => SessionOp::Refresh { connection: s("connection")?, origin: s("origin")? },
            "logout" => SessionOp::Logout { connection: opt_str(o, "connection")?.map(str::to_owned) },
            "take" => SessionOp::Take,
            "put" => SessionOp::Put { sets: Vec::<StoredSet>::from_json(o.get("sets")?)? },
            "exchange" => SessionOp::Exchange {
                connection: s("connection")?,
                origin: s("origin")?,
                callback_url: s("callback_url")?,
                pending: records::pending_login_from(o.get("pending")?.as_object()?)?,
            },
            "sign_proof" => SessionOp::SignProof { connection: s("connection")?, input: s("input")? },
            _ => return None,
        })
    }
}

impl StoredSet {
    fn writer(&self) -> ObjectWriter {
        let mut w = ObjectWriter::new();
        w.str("connection", &self.connection).nested("tokens", records::token_set_writer(&self.tokens));
        w.opt_str("key", self.key.as_ref().map(PrivateJwk::expose));
        w
    }
}

impl Wire for Vec<StoredSet> {
    fn to_json(&self) -> String {
        object_array(self.iter().map(StoredSet::writer))
    }

    fn from_json(v: &Json) -> Option<Self> {
        v.as_array()?
            .iter()
            .map(|item| {
                let o = item.as_object()?;
                Some(StoredSet {
                    connection: req_str(o, "connection")?.to_owned(),
                    tokens: records::token_set_from(o.get("tokens")?.as_object()?)?,
                    key: opt_str(o, "key")?.map(PrivateJwk::new),
                })
            })
            .collect()
    }
}

impl Wire for Vec<String> {
    fn to_json(&self) -> String {
        Json::Array(self.iter().map(|s| Json::from(s.as_str())).collect()).to_json(tsunagi_core::json::Escape::Minimal)
    }

    fn from_json(v: &Json) -> Option<Self> {
        v.as_array()?.iter().map(|s| s.as_str().map(str::to_owned)).collect()
    }
}

impl Wire for Json {
    fn to_json(&self) -> String {
        Json::to_json(self, tsunagi_core::json::Escape::Minimal)
    }

    fn from_json(v: &Json) -> Option<Self> {
        Some(v.clone())
    }
}

impl Wire for TokenAnswer {
    fn to_json(&self) -> String {
        let mut w = ObjectWriter::new();
        w.str("access_token", self.access_token.secret()).str("token_type", &self.token_type);
        w.u64_or_null("expires_at", self.expires_at).u64_or_null("session_expires_at", self.session_expires_at);
        w.opt_str("jwk", self.jwk.as_ref().map(PublicJwk::to_json).as_deref());
        w.finish()
    }

    fn from_json(v: &Json) -> Option<Self> {
        let o = v.as_object()?;
        Some(TokenAnswer {
            access_token: AccessToken::new(req_str(o, "access_token")?),
            token_type: req_str(o, "token_type")?.to_owned(),
            expires_at: opt_u64(o, "expires_at")?,
            session_expires_at: opt_u64(o, "session_expires_at")?,
            jwk: opt_str(o, "jwk")?.map(PublicJwk::from_jwk_json).transpose().ok()?,
        })
    }
}

impl Wire for SignAnswer {
    fn to_json(&self) -> String {
        let mut w = ObjectWriter::new();
        w.str("signature", &tsunagi_core::base64url::encode(&self.signature));
        w.finish()
    }

    fn from_json(v: &Json) -> Option<Self> {
        Some(SignAnswer { signature: tsunagi_core::base64url::decode(req_str(v.as_object()?, "signature")?).ok()? })
    }
}

impl Wire for PutAnswer {
    fn to_json(&self) -> String {
        let mut w = ObjectWriter::new();
        w.u64_or_null("session_expires_at", self.session_expires_at);
        w.finish()
    }

    fn from_json(v: &Json) -> Option<Self> {
        Some(PutAnswer { session_expires_at: opt_u64(v.as_object()?, "session_expires_at")? })
    }
}

impl Wire for HeldTokenAnswer {
    fn to_json(&self) -> String {
        let mut w = ObjectWriter::new();
        w.str("access_token", self.access_token.secret()).str("token_type", &self.token_type).u64("issued_at", self.issued_at);
        w.u64_or_null("expires_at", self.expires_at).str_or_null("api_base_url", self.api_base_url.as_deref());
        w.opt_str("jwk", self.jwk.as_ref().map(PublicJwk::to_json).as_deref());
        w.finish()
    }

    fn from_json(v: &Json) -> Option<Self> {
        let o = v.as_object()?;
        Some(HeldTokenAnswer {
            access_token: AccessToken::new(req_str(o, "access_token")?),
            token_type: req_str(o, "token_type")?.to_owned(),
            issued_at: req_u64(o, "issued_at")?,
            expires_at: opt_u64(o, "expires_at")?,
            api_base_url: opt_str(o, "api_base_url")?.map(str::to_owned),
            jwk: opt_str(o, "jwk")?.map(PublicJwk::from_jwk_json).transpose().ok()?,
        })
    }
}

impl Wire for HeldOp {
    fn to_json(&self) -> String {
        let w = match self {
            HeldOp::Token { connection, origin, failed } => {
                let mut w = op("token");
                w.str("connection", connection).str("origin", origin).str_or_null("failed", failed.as_deref());
                w
            }
            HeldOp::Begin { connection, origin, pending } => {
                let mut w = op("begin");
                w.str("connection", connection).str("origin", origin).nested("pending", records::pending_login_writer(pending));
                w
            }
            HeldOp::Complete { connection, callback_url } => {
                let mut w = op("complete");
                w.str("connection", connection).str("callback_url", callback_url);
                w
            }
            HeldOp::Health { connection } => {
                let mut w = op("health");
                w.str("connection", connection);
                w
            }
            HeldOp::Disconnect { connection } => {
                let mut w = op("disconnect");
                w.str("connection", connection);
                w
            }
            HeldOp::SignProof { connection, input } => {
                let mut w = op("sign_proof");
                w.str("connection", connection).str("input", input);
                w
            }
        };
        w.finish()
    }

    fn from_json(v: &Json) -> Option<Self> {
        let o = v.as_object()?;
        let s = |name| req_str(o, name).map(str::to_owned);
        Some(match req_str(o, "op")? {
            "token" => HeldOp::Token { connection: s("connection")?, origin: s("origin")?, failed: opt_str(o, "failed")?.map(str::to_owned) },
            "begin" => {
                HeldOp::Begin { connection: s("connection")?, origin: s("origin")?, pending: records::pending_login_from(o.get("pending")?.as_object()?)? }
            }
            "complete" => HeldOp::Complete { connection: s("connection")?, callback_url: s("callback_url")? },
            "health" => HeldOp::Health { connection: s("connection")? },
            "disconnect" => HeldOp::Disconnect { connection: s("connection")? },
            "sign_proof" => HeldOp::SignProof { connection: s("connection")?, input: s("input")? },
            _ => return None,
        })
    }
}

impl Health {
    /// The health as a JSON object (the admin routes' view; never a token), members in the
    /// record's order.
    pub fn to_object(&self) -> JsonObject {
        let ms = |v: Option<u64>| v.map_or(Json::Null, Json::from);
        let mut o = JsonObject::new();
        o.insert("connection", self.connection.as_str());
        o.insert("status", self.status.as_str());
        o.insert("origin", self.origin.as_str());
        o.insert("granted_at", ms(self.granted_at));
        o.insert("access_expires_at", ms(self.access_expires_at));
        o.insert("refresh_expires_at", ms(self.refresh_expires_at));
        o.insert("last_refresh_at", ms(self.last_refresh_at));
        o.insert("next_refresh_at", ms(self.next_refresh_at));
        o.insert("refreshes", self.refreshes);
        o.insert("failures", u64::from(self.failures));
        o.insert("last_error", self.last_error.as_deref().map_or(Json::Null, Json::from));
        o
    }

    /// Read back from [`Health::to_object`]'s form, as storage keeps it (`None`: not a health
    /// record). A missing or `null` time is `None`.
    pub fn from_object(o: &JsonObject) -> Option<Health> {
        let ms = |name: &str| o.get(name).and_then(Json::as_u64);
        Some(Health {
            connection: o.get_str("connection")?.to_owned(),
            status: o.get_str("status")?.to_owned(),
            origin: o.get_str("origin")?.to_owned(),
            granted_at: ms("granted_at"),
            access_expires_at: ms("access_expires_at"),
            refresh_expires_at: ms("refresh_expires_at"),
            last_refresh_at: ms("last_refresh_at"),
            next_refresh_at: ms("next_refresh_at"),
            refreshes: ms("refreshes").unwrap_or(0),
            failures: ms("failures").and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
            last_error: o.get_str("last_error").map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bff::PendingLogin;
    use tsunagi_core::json;

    fn back<T: Wire>(v: &T) -> Option<T> {
        T::from_json(&json::parse(&v.to_json()).ok()?)
    }

    fn set() -> TokenSet {
        HeldTokenAnswer { access_token: AccessToken::new("at"), token_type: "Bearer".into(), issued_at: 5, expires_at: Some(9), api_base_url: None, jwk: None }
            .into_set()
    }

    #[test]
    fn health_reads_back_from_its_stored_object_and_from_what_serde_wrote() {
        let h = Health {
            connection: "robot".into(),
            status: "connected".into(),
            origin: "https://w.example".into(),
            granted_at: Some(5),
            refreshes: 2,
            failures: 1,
            last_error: Some("transport".into()),
            ..Health::default()
        };
        let back = Health::from_object(&h.to_object()).map(|b| b.to_object());
        assert_eq!(back, Some(h.to_object()));
        // the shape serde-wasm-bindgen stored before stored.rs (absent times as null)
        let old = json::parse(r#"{"connection":"robot","status":"disconnected","origin":"https://w.example","granted_at":null,"access_expires_at":null,"refresh_expires_at":null,"last_refresh_at":null,"next_refresh_at":null,"refreshes":0,"failures":0,"last_error":null}"#).ok();
        let read = old.as_ref().and_then(Json::as_object).and_then(Health::from_object);
        assert!(matches!(read, Some(Health { ref status, granted_at: None, last_error: None, .. }) if status == "disconnected"));
        assert!(Health::from_object(&JsonObject::new()).is_none());
    }

    #[test]
    fn session_messages_keep_the_op_tag_and_round_trip() {
        let token = SessionOp::Token { connection: "lawvu".into(), origin: "https://w.example".into(), failed: Some("ab12".into()) };
        assert_eq!(token.to_json(), r#"{"op":"token","connection":"lawvu","origin":"https://w.example","failed":"ab12"}"#);
        assert!(matches!(back(&token), Some(SessionOp::Token { failed: Some(f), .. }) if f == "ab12"));
        assert_eq!(SessionOp::Session.to_json(), r#"{"op":"session"}"#);
        assert!(matches!(back(&SessionOp::SignedIn), Some(SessionOp::SignedIn)));
        assert!(matches!(back(&SessionOp::Logout { connection: None }), Some(SessionOp::Logout { connection: None })));
        let put = SessionOp::Put { sets: vec![StoredSet { connection: "c".into(), tokens: set(), key: Some(PrivateJwk::new("{}")) }] };
        assert!(
            matches!(back(&put), Some(SessionOp::Put { sets }) if sets.len() == 1 && sets.first().is_some_and(|s| s.tokens == set() && s.key == Some(PrivateJwk::new("{}"))))
        );
        let sign = SessionOp::SignProof { connection: "c".into(), input: "h.c".into() };
        assert!(matches!(back(&sign), Some(SessionOp::SignProof { input, .. }) if input == "h.c"));
        assert!(sign.keeps_copies() && !sign.may_be_copied() && !SessionOp::Take.keeps_copies());
        assert_eq!(back(&SignAnswer { signature: vec![1, 2, 3] }).map(|a| a.signature), Some(vec![1, 2, 3]));
        for refused in [r#"{"op":"made_up"}"#, r#"{"op":"token","connection":"c"}"#, r#"{"op":"put","sets":[{}]}"#, "[]"] {
            assert!(json::parse(refused).ok().as_ref().and_then(SessionOp::from_json).is_none(), "{refused}");
        }
    }

    #[test]
    fn held_messages_and_answers_round_trip() {
        let pending = PendingLogin {
            connection: "c".into(),
            state: tsunagi_core::state::State::new("s").unwrap_or_else(|e| panic!("{e}")),
            pkce_verifier: None,
            nonce: None,
            return_to: "/".into(),
            expires_at: Timestamp::from_millis(3),
        };
        let begin = HeldOp::Begin { connection: "c".into(), origin: "o".into(), pending: pending.clone() };
        assert!(matches!(back(&begin), Some(HeldOp::Begin { pending: p, .. }) if p == pending));
        assert!(matches!(back(&HeldOp::Disconnect { connection: "c".into() }), Some(HeldOp::Disconnect { connection }) if connection == "c"));
        let answer = HeldTokenAnswer::of(&set());
        assert_eq!(answer.to_json(), r#"{"access_token":"at","token_type":"Bearer","issued_at":5,"expires_at":9,"api_base_url":null}"#);
        assert_eq!(back(&answer).map(HeldTokenAnswer::into_set), Some(set()));
        let t = TokenAnswer { access_token: AccessToken::new("a"), token_type: "Bearer".into(), expires_at: None, session_expires_at: Some(1), jwk: None };
        assert_eq!(back(&t).map(|t| (t.expires_at, t.session_expires_at, t.jwk)), Some((None, Some(1), None)));
        let jwk = PublicJwk::new(&"A".repeat(43), &"E".repeat(43)).ok();
        let bound = HeldTokenAnswer::of(&set()).with_jwk(jwk.clone());
        assert_eq!(back(&bound).map(HeldTokenAnswer::into_held).and_then(|h| h.jwk), jwk);
        assert!(jwk.is_some());
        // a key the object did not write (not a public P-256 JWK) makes the answer garbage
        let text = bound.to_json().replace(r#"\"kty\":\"EC\""#, r#"\"kty\":\"RSA\""#);
        assert!(text.contains("RSA") && HeldTokenAnswer::from_json(&json::parse(&text).unwrap_or_default()).is_none());
        let exchange = SessionOp::Exchange { connection: "c".into(), origin: "o".into(), callback_url: "u".into(), pending: pending.clone() };
        assert!(matches!(back(&exchange), Some(SessionOp::Exchange { pending: p, .. }) if p == pending));
        assert_eq!(back(&vec!["a".to_owned(), "b".to_owned()]), Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(back(&PutAnswer { session_expires_at: None }).map(|p| p.session_expires_at), Some(None));
    }
}
