//! The session Durable Object (`TsunagiSession`, one per signed-in browser session): the token
//! sets of the connections its browser signed in to, encrypted at rest and bound to this object.
//! Tokens come from the shared flows ([`tsunagi_flows::Flow`]) over this object's storage and one
//! in-object lock per connection: requests interleave while the object awaits `fetch`, so the first caller that needs a
//! refresh takes the lock and the others, once they get it, re-read the rotated pair, which was
//! stored before anyone was answered. A DPoP connection's key (RFC 9449) lives here too, one per
//! connection ([`crate::dpop_key`]): made by the sign-in's exchange, which runs in this object
//! ([`SessionOp::Exchange`]), proving its token requests and signing the isolate's API proofs.
//! See docs/storage.md.

use crate::bff::{self, SessionKeys};
use crate::config;
use crate::crypto::Sealed;
use crate::dpop_key::{self, ObjectKeys, WorkerKey};
use crate::messages::{PutAnswer, SessionOp, StoredSet, TokenAnswer, Wire};
use crate::refreshed::Verified;
use crate::runtime::{set_alarm_at, Fetcher, WorkerClock};
use crate::sealed::{Found, Place};
use crate::stored::storage_error;
use crate::{crypto, now, object_rpc, records, stored};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use tsunagi_core::dpop::{is_dpop_token_type, PublicJwk};
use tsunagi_core::json::{Json, JsonObject};
use tsunagi_core::{Client, Error, ErrorCode, PendingAuthorization, Result, Timestamp, TokenSet};
use tsunagi_flows::memory::LocalLock;
use tsunagi_flows::{Flow, TokenStore};
use worker::{durable_object, DurableObject, Env, Request, Response, State, Storage};

/// Refresh leeway, seconds.
pub const LEEWAY_SECS: u64 = 60;

struct Inner {
    state: State,
    env: Env,
    /// This object's id (hex), part of every record's associated data.
    object_id: String,
    /// A stored record did not open (moved from another object, or another `SESSION_KEY`) and
    /// was dropped: the next "not signed in" answer says so.
    dropped: RefCell<Option<crypto::OpenError>>,
    /// Decrypted token sets by connection, once loaded (`None` = not loaded yet).
    tokens: RefCell<Option<HashMap<String, TokenSet>>>,
    /// One refresh lock per connection.
    locks: RefCell<HashMap<String, Rc<LocalLock>>>,
    /// The DPoP keys (`dpop:{connection}`) and the token endpoints' nonces.
    dpop: ObjectKeys,
}

/// One browser session.
#[durable_object(alarm)]
pub struct TsunagiSession {
    inner: Rc<Inner>,
}

impl DurableObject for TsunagiSession {
    fn new(state: State, env: Env) -> Self {
        let object_id = state.id().to_string();
        TsunagiSession {
            inner: Rc::new(Inner {
                state,
                env,
                object_id,
                dropped: RefCell::new(None),
                tokens: RefCell::new(None),
                locks: RefCell::new(HashMap::new()),
                dpop: ObjectKeys::default(),
            }),
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        // the Worker calls `op` (Workers RPC); nothing is served over fetch
        let _ = req;
        Response::error("not found", 404)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.inner.cleanup().await.map_err(|e| worker::Error::RustError(e.code().as_str().to_owned()))?;
        Response::ok("ok")
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
impl TsunagiSession {
    /// Workers RPC from the Worker: one typed operation (`messages.rs`) and its answer
    /// ([`object_rpc::answer`]).
    pub async fn op(&self, text: String) -> String {
        object_rpc::answer(&text, |op: SessionOp| self.inner.dispatch(op)).await
    }
}

/// Where a connection's token set is stored: `tokens:{connection}`.
const TOKENS_PREFIX: &str = "tokens:";

fn tokens_key(c: &str) -> String {
    format!("{TOKENS_PREFIX}{c}")
}

/// When a connection's records (its token set and its DPoP key) are cleaned up: when the set can
/// no longer keep the session (its refresh token's end, or its access token's without one), else
/// in an hour.
fn record_expiry(tokens: &TokenSet) -> Timestamp {
    bff::session_expiry([tokens]).unwrap_or_else(|| now().plus_secs(3600))
}

/// Where a connection's DPoP key is stored: `dpop:{connection}` (sealed like the tokens; deleted
/// with them).
fn key_record(c: &str) -> String {
    format!("dpop:{c}")
}

/// An answer as JSON text.
fn text<T: Wire>(v: &T) -> Result<String> {
    Ok(v.to_json())
}

impl Inner {
    fn storage(&self) -> Storage {
        self.state.storage()
    }

    fn keys(&self) -> Result<SessionKeys> {
        config::keys(&self.env)
    }

    async fn client(&self, origin: &str, name: &str) -> Result<Client> {
        let c = config::connection(&self.env, name)?;
        config::client(&self.env, &c, origin).await
    }

    fn not_signed_in(&self, c: &str) -> Error {
        match *self.dropped.borrow() {
            Some(why) => why.to_error(),
            None => Error::new(ErrorCode::SessionMissing, format!("not signed in to {c}")),
        }
    }

    /// The keys of every stored token set (whatever the configuration says now).
    async fn stored_keys(&self) -> Result<Vec<String>> {
        stored::keys_with_prefix(&self.storage(), TOKENS_PREFIX).await
    }

    fn lock(&self, c: &str) -> Rc<LocalLock> {
        self.locks.borrow_mut().entry(c.to_owned()).or_default().clone()
    }

    /// Runs one operation; its answer as JSON text.
    async fn dispatch(&self, op: SessionOp) -> Result<String> {
        match op {
            SessionOp::Session => text(&self.session().await?),
            SessionOp::SignedIn => text(&self.signed_in().await?),
            SessionOp::Token { connection, origin, failed } => {
                let client = self.client(&origin, &connection).await?;
                let t = self.access_token(&connection, &client, failed.as_deref()).await?;
                let expires = self.session_expiry();
                let jwk = self.bound_jwk(&connection, &t).await?;
                text(&TokenAnswer {
                    access_token: t.access_token,
                    token_type: t.token_type,
                    expires_at: t.expires_at.map(Timestamp::as_millis),
                    session_expires_at: expires.map(Timestamp::as_millis),
                    jwk,
                })
            }
            SessionOp::Refresh { connection: p, origin } => {
                let client = self.client(&origin, &p).await?;
                self.ensure_loaded().await?;
                let (old, failed) = {
                    let cache = self.tokens.borrow();
                    let held = cache.as_ref().and_then(|m| m.get(&p)).ok_or_else(|| self.not_signed_in(&p))?;
                    (held.refresh_token.as_ref().map(|r| r.fingerprint()), held.access_token.fingerprint())
                };
                // the held access token counts as "failed", so the single-flight refresh runs now
                let t = self.access_token(&p, &client, Some(&failed)).await?;
                let expires = self.session_expiry();
                let mut v = JsonObject::new();
                v.insert("connection", p);
                v.insert("old_refresh_fingerprint", old.map_or(Json::Null, Json::from));
                v.insert("new_refresh_fingerprint", t.refresh_token.as_ref().map_or(Json::Null, |r| Json::from(r.fingerprint())));
                v.insert("session", bff::session_view(&t));
                v.insert("session_expires_at", expires.map_or(Json::Null, |t| Json::from(t.as_millis())));
                text(&Json::from(v))
            }
            SessionOp::Logout { connection } => text(&self.logout(connection.as_deref()).await?),
            SessionOp::Take => text(&self.take().await?),
            SessionOp::Put { sets } => {
                for set in sets {
                    // a bound set's key first: a stored DPoP token always has its key
                    let moved_key = set.key.is_some();
                    if let Some(key) = set.key {
                        self.dpop.adopt(&self.place()?, &key_record(&set.connection), key, record_expiry(&set.tokens)).await?;
                    }
                    self.store_tokens_or_drop_key(&set.connection, &set.tokens, moved_key).await?;
                }
                text(&PutAnswer { session_expires_at: self.session_expiry().map(Timestamp::as_millis) })
            }
            SessionOp::Exchange { connection, origin, callback_url, pending } => {
                self.exchange(&connection, &origin, &callback_url, pending).await?;
                text(&PutAnswer { session_expires_at: self.session_expiry().map(Timestamp::as_millis) })
            }
            SessionOp::SignProof { connection, input } => {
                let key = self.dpop.get(&self.place()?, &key_record(&connection)).await?.ok_or_else(|| self.not_signed_in(&connection))?;
                text(&dpop_key::sign(&key, &input).await?)
            }
        }
    }

    fn place(&self) -> Result<Place<'_>> {
        Ok(Place { storage: self.storage(), keys: self.keys()?, object_id: &self.object_id })
    }

    /// The sign-in's callback in this (fresh) object: the `state` checked, the code exchanged —
    /// proven by a new key when the connection uses DPoP — the id_token verified; then the key (if
    /// the set is bound to it) and the set stored. A failure stores nothing.
    async fn exchange(&self, connection: &str, origin: &str, callback_url: &str, pending: bff::PendingLogin) -> Result<()> {
        let c = config::connection(&self.env, connection)?;
        if pending.connection != c.name {
            return Err(Error::new(ErrorCode::StateMismatch, "this sign-in is for another connection: nothing was exchanged"));
        }
        let client = config::client(&self.env, &c, origin).await?;
        let authorization = PendingAuthorization { state: pending.state, pkce_verifier: pending.pkce_verifier, nonce: pending.nonce };
        let (tokens, key) = crate::sign_in::exchange(&self.env, &c, &client, &self.dpop.nonces, callback_url, &authorization).await?;
        let kept_key = key.is_some();
        if let Some(made) = key {
            self.dpop.keep(&self.place()?, &key_record(connection), made.jwk, made.key, record_expiry(&tokens)).await?;
        }
        self.store_tokens_or_drop_key(connection, &tokens, kept_key).await
    }

    /// Stores a set whose key was just stored (`key_stored`); if the set cannot be stored, the key
    /// is deleted too, so no key outlives the tokens it was made for.
    async fn store_tokens_or_drop_key(&self, connection: &str, tokens: &TokenSet, key_stored: bool) -> Result<()> {
        let stored = self.store_tokens(connection, tokens).await;
        if stored.is_err() && key_stored {
            let _ = self.dpop.forget(&self.storage(), &key_record(connection)).await;
        }
        stored
    }

    /// The public JWK of the key `t` is bound to (`None` for a Bearer token).
    async fn bound_jwk(&self, connection: &str, t: &TokenSet) -> Result<Option<PublicJwk>> {
        if !is_dpop_token_type(&t.token_type) {
            return Ok(None);
        }
        let key = self.dpop.get(&self.place()?, &key_record(connection)).await?.ok_or_else(|| self.not_signed_in(connection))?;
        Ok(Some(tsunagi_flows::dpop::ProofKey::public_jwk(&key).clone()))
    }

    /// A record's plaintext. One that does not open here (moved from another object, altered, or
    /// sealed under another key) is deleted and reads as absent; [`Self::not_signed_in`] then
    /// says why.
    async fn get_sealed(&self, key: &str) -> Result<Option<(Timestamp, String)>> {
        match self.place()?.open(key).await? {
            Found::Open(exp, text) => Ok(Some((exp, text))),
            Found::Dropped(why) => {
                *self.dropped.borrow_mut() = Some(why);
                Ok(None)
            }
            Found::Nothing => Ok(None),
        }
    }

    async fn ensure_loaded(&self) -> Result<()> {
        if self.tokens.borrow().is_some() {
            return Ok(());
        }
        let mut loaded = HashMap::new();
        for key in self.stored_keys().await? {
            if let (Some((_, text)), Some(c)) = (self.get_sealed(&key).await?, key.strip_prefix(TOKENS_PREFIX)) {
                let t = records::token_set_from_json(&text).ok_or_else(storage_error)?;
                loaded.insert(c.to_owned(), t);
            }
        }
        // another request may have loaded (and since refreshed) meanwhile: never overwrite it
        let mut slot = self.tokens.borrow_mut();
        if slot.is_none() {
            *slot = Some(loaded);
        }
        Ok(())
    }

    fn session_expiry(&self) -> Option<Timestamp> {
        self.tokens.borrow().as_ref().and_then(|m| bff::session_expiry(m.values()))
    }

    /// Encrypts and stores `tokens`, then updates the in-memory copy (so a caller sees it only
    /// once it is durable).
    async fn store_tokens(&self, p: &str, tokens: &TokenSet) -> Result<()> {
        let text = records::token_set_json(tokens);
        self.place()?.seal(&tokens_key(p), record_expiry(tokens), &text).await?;
        if self.tokens.borrow().is_none() {
            self.ensure_loaded().await?;
        }
        if let Some(m) = self.tokens.borrow_mut().as_mut() {
            m.insert(p.to_owned(), tokens.clone());
        }
        self.schedule_cleanup().await
    }

    async fn forget(&self, p: &str) -> Result<()> {
        self.storage().delete(&tokens_key(p)).await.map_err(|_| storage_error())?;
        self.dpop.forget(&self.storage(), &key_record(p)).await?;
        if let Some(m) = self.tokens.borrow_mut().as_mut() {
            m.remove(p);
        }
        Ok(())
    }

    /// A usable access token for `p` from the shared flow: the held one if fresh (and not the one
    /// that just failed with 401), else one refresh under `p`'s lock. Not signed in to `p` is
    /// `session_missing`; a grant that is gone is forgotten and answered `login_required` (or the
    /// provider's own code).
    async fn access_token(&self, p: &str, client: &Client, failed: Option<&str>) -> Result<TokenSet> {
        self.ensure_loaded().await?;
        if self.held(p).is_none() {
            return Err(self.not_signed_in(p));
        }
        let lock = self.lock(p);
        let connection = config::connection(&self.env, p)?;
        // a refresh's id_token is verified before the set is kept (OIDC Core §12.2)
        let store = Verified { env: &self.env, connection: &connection, client, inner: ConnectionStore { inner: self, connection: p } };
        // a DPoP-bound set's refresh is proven by its key (RFC 9449 §5; a public client's refresh
        // token is bound to it too)
        let key = self.dpop.get(&self.place()?, &key_record(p)).await?;
        let fetcher = Fetcher::new(config::timeout_ms(&self.env));
        let signer = WorkerKey::local(key.as_ref());
        let transport = dpop_key::proving(&fetcher, signer.as_ref(), &self.dpop.nonces);
        let flow = Flow { client, transport: &transport, store: &store, lock: &*lock, clock: &WorkerClock, leeway_secs: LEEWAY_SECS };
        flow.access_token(failed).await
    }

    fn held(&self, p: &str) -> Option<TokenSet> {
        self.tokens.borrow().as_ref().and_then(|m| m.get(p)).cloned()
    }

    async fn session(&self) -> Result<Json> {
        self.ensure_loaded().await?;
        let cache = self.tokens.borrow();
        let mut providers = JsonObject::new();
        if let Some(m) = cache.as_ref() {
            let mut names: Vec<&String> = m.keys().collect();
            tsunagi_core::short_sort::sort_short(&mut names);
            for p in names {
                if let Some(t) = m.get(p) {
                    providers.insert(p.as_str(), bff::session_view(t));
                }
            }
        }
        let expires = cache.as_ref().and_then(|m| bff::session_expiry(m.values()));
        let mut v = JsonObject::new();
        v.insert("signed_in", !providers.is_empty());
        v.insert("providers", providers);
        v.insert("session_expires_at", expires.map_or(Json::Null, |t| Json::from(t.as_millis())));
        Ok(Json::from(v))
    }

    /// The connections whose grant is still alive (an access token or a refresh token not known
    /// to be expired).
    async fn signed_in(&self) -> Result<Vec<String>> {
        self.ensure_loaded().await?;
        let now = now();
        let cache = self.tokens.borrow();
        let live = |t: &TokenSet| bff::session_expiry([t]).is_none_or(|exp| now < exp);
        Ok(cache.as_ref().map(|m| m.iter().filter(|(_, t)| live(t)).map(|(c, _)| c.clone()).collect()).unwrap_or_default())
    }

    /// Every token set (a DPoP-bound one with its key's private JWK: the key moves with its
    /// tokens, object to object), then an empty object: a sign-in moves them to its fresh session id.
    async fn take(&self) -> Result<Vec<StoredSet>> {
        self.ensure_loaded().await?;
        let mut sets = self.held_sets(None);
        let place = self.place()?;
        for set in &mut sets {
            set.key = self.dpop.private_jwk(&place, &key_record(&set.connection)).await?;
        }
        self.logout(None).await?;
        Ok(sets)
    }

    /// The sets held in memory (all, or `connection`'s), without their keys.
    fn held_sets(&self, connection: Option<&str>) -> Vec<StoredSet> {
        self.tokens
            .borrow()
            .as_ref()
            .map(|m| {
                m.iter()
                    .filter(|(c, _)| connection.is_none_or(|x| x == c.as_str()))
                    .map(|(c, t)| StoredSet { connection: c.clone(), tokens: t.clone(), key: None })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Forgets one connection's set, or all of them; answers what was forgotten (for revocation).
    async fn logout(&self, connection: Option<&str>) -> Result<Vec<StoredSet>> {
        self.ensure_loaded().await?;
        // the sets for revocation, never their keys
        let held = self.held_sets(connection);
        match connection {
            None => {
                self.storage().delete_all().await.map_err(|_| storage_error())?;
                let _ = self.storage().delete_alarm().await;
                *self.tokens.borrow_mut() = Some(HashMap::new());
                self.dpop.clear();
            }
            Some(p) => self.forget(p).await?,
        }
        Ok(held)
    }

    /// Sets the alarm to the earliest expiry among stored records.
    async fn schedule_cleanup(&self) -> Result<()> {
        let mut earliest: Option<u64> = None;
        for key in self.stored_keys().await? {
            if let Some(s) = stored::get(&self.storage(), &key).await?.as_ref().and_then(Sealed::from_json) {
                earliest = Some(earliest.map_or(s.exp, |e| e.min(s.exp)));
            }
        }
        if let Some(at) = earliest {
            // an absolute time (workers-rs took the bare integer as an offset from now: the
            // cleanup alarm was set decades late)
            set_alarm_at(&self.storage(), at).await.map_err(|_| storage_error())?;
        }
        Ok(())
    }

    /// The alarm: drops expired records; an empty session is deleted entirely.
    async fn cleanup(&self) -> Result<()> {
        let now_ms = now().as_millis();
        let mut left = 0;
        for key in self.stored_keys().await? {
            if let Some(s) = stored::get(&self.storage(), &key).await?.as_ref().and_then(Sealed::from_json) {
                if s.exp <= now_ms {
                    self.storage().delete(&key).await.map_err(|_| storage_error())?;
                    // its DPoP key goes with it
                    if let Some(c) = key.strip_prefix(TOKENS_PREFIX) {
                        self.dpop.forget(&self.storage(), &key_record(c)).await?;
                    }
                } else {
                    left += 1;
                }
            }
        }
        *self.tokens.borrow_mut() = None;
        if left == 0 {
            self.storage().delete_all().await.map_err(|_| storage_error())?;
            Ok(())
        } else {
            self.schedule_cleanup().await
        }
    }
}

/// One connection's token set in this object, as the flows' [`TokenStore`]: sealed in storage
/// and kept decrypted in memory once loaded.
struct ConnectionStore<'a> {
    inner: &'a Inner,
    connection: &'a str,
}

impl TokenStore for ConnectionStore<'_> {
    async fn load(&self) -> Result<Option<TokenSet>> {
        self.inner.ensure_loaded().await?;
        Ok(self.inner.held(self.connection))
    }
    async fn store(&self, tokens: &TokenSet) -> Result<()> {
        self.inner.store_tokens(self.connection, tokens).await
    }
    async fn clear(&self) -> Result<()> {
        self.inner.forget(self.connection).await
    }
}
