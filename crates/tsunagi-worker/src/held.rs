//! A held connection's token: one Durable Object per connection (`TsunagiConnection`, named from a
//! keyed hash of the connection, its token endpoint and client) holds it encrypted for the whole
//! deployment — a client-credentials token (LegalOn, a generic `client_credentials` connection),
//! or an unattended connection's pair, granted once by an administrator — and renews it through
//! the shared flow under an in-object lock, so N concurrent callers cause one token request; each
//! isolate also keeps it in memory until it is due. An unattended connection's alarm refreshes it
//! ahead of the refresh token's expiry ([`crate::schedule`]), storing the rotated pair before
//! anything else, retrying with backoff and reporting in its health. A DPoP connection's key
//! (RFC 9449) is made and kept here ([`crate::dpop_key`], record [`DPOP_KEY`]): it proves the
//! object's token requests and signs the isolates' API proofs. docs/storage.md.

use crate::bff::PendingLogin;
use crate::connections::Connection;
use crate::crypto::Sealed;
use crate::dpop_key::{self, ObjectKeys, WorkerKey};
use crate::messages::{Health, HeldOp, HeldTokenAnswer, Wire};
use crate::refreshed::Verified;
use crate::runtime::{set_alarm_at, Fetcher, WorkerClock};
use crate::sealed::Place;
use crate::session::LEEWAY_SECS;
use crate::stored::storage_error;
use crate::{config, now, object_rpc, records, revoke, schedule, stored};
use std::cell::{Cell, RefCell};
use tsunagi_core::dpop::is_dpop_token_type;
use tsunagi_core::json::{Json, JsonObject, ObjectWriter};
use tsunagi_core::{Client, Error, ErrorCode, PendingAuthorization, Result, Timestamp, TokenSet};
use tsunagi_flows::dpop::ProofKey;
use tsunagi_flows::memory::LocalLock;
use tsunagi_flows::{Flow, RefreshLock, TokenStore};
use worker::{console_error, durable_object, DurableObject, Env, Request, Response, State};

/// The sealed token set.
const KEY: &str = "token";
/// The connection's DPoP key (sealed; deleted with the token set).
const DPOP_KEY: &str = "dpop";
/// The health record (clear JSON, never a token).
const HEALTH: &str = "health";
/// An administrator's grant in progress (sealed, single use).
const PENDING: &str = "pending";
/// A client-credentials connection's name while its renewal alarm is set (clear: never a token).
const RENEW: &str = "renew";
/// How many token requests the object has answered, ever (clear: a number): its health's
/// `token_requests`, kept across evictions so an operator's (and the scale simulation's) count
/// does not restart when the object sleeps.
const ASKED: &str = "asked";
/// The clear expiry written beside the sealed key: informational (a held object's records are
/// deleted with the grant, not by an alarm).
const KEY_RECORD_SECS: u64 = 365 * 24 * 3600;
/// What [`PENDING`] holds: the sign-in and the origin it was started through,
/// `{"pending": {…}, "origin"}`.
struct PendingGrant {
    pending: PendingLogin,
    origin: String,
}

impl PendingGrant {
    fn to_json(&self) -> String {
        let mut w = ObjectWriter::new();
        w.nested("pending", records::pending_login_writer(&self.pending)).str("origin", &self.origin);
        w.finish()
    }

    fn from_json(text: &str) -> Option<PendingGrant> {
        let o = records::object(text)?;
        Some(PendingGrant { pending: records::pending_login_from(o.get("pending")?.as_object()?)?, origin: o.get_str("origin")?.to_owned() })
    }
}

struct Inner {
    state: State,
    env: Env,
    /// This object's id (hex), part of each record's associated data.
    object_id: String,
    token: RefCell<Option<TokenSet>>,
    lock: LocalLock,
    /// Token requests answered since the object woke (the renewal alarm's test of use; the
    /// lifetime count the health shows is [`ASKED`], in storage) — the load docs/scaling.md counts (its
    /// health shows it; kept in memory only).
    answered: Cell<u64>,
    /// [`Inner::answered`] when the token was last stored, and whether the renewal alarm stored
    /// it: a token the alarm renewed is renewed again only if someone asked since, so a
    /// deployment nobody uses is renewed at most once more (isolates ask only when their copy is
    /// due, so silence during a token's life says nothing; silence over a renewed one does).
    answered_at_store: Cell<u64>,
    renewed_by_alarm: Cell<bool>,
    renewing: Cell<bool>,
    /// The DPoP key and the token endpoint's nonces.
    dpop: ObjectKeys,
}

/// One held connection's token.
#[durable_object(alarm)]
pub struct TsunagiConnection {
    inner: Inner,
}

impl DurableObject for TsunagiConnection {
    fn new(state: State, env: Env) -> Self {
        let object_id = state.id().to_string();
        TsunagiConnection {
            inner: Inner {
                state,
                env,
                object_id,
                token: RefCell::new(None),
                lock: LocalLock::default(),
                answered: Cell::new(0),
                answered_at_store: Cell::new(0),
                renewed_by_alarm: Cell::new(false),
                renewing: Cell::new(false),
                dpop: ObjectKeys::default(),
            },
        }
    }

    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        // the Worker calls `op` (Workers RPC); nothing is served over fetch
        let _ = req;
        Response::error("not found", 404)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.inner.on_alarm().await;
        Response::ok("ok")
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
impl TsunagiConnection {
    /// Workers RPC from the Worker: one typed operation (`messages.rs`) and its answer
    /// ([`object_rpc::answer`]).
    pub async fn op(&self, text: String) -> String {
        object_rpc::answer(&text, |op: HeldOp| self.inner.dispatch(op)).await
    }
}

fn text<T: Wire>(v: &T) -> Result<String> {
    Ok(v.to_json())
}

impl Inner {
    async fn dispatch(&self, op: HeldOp) -> Result<String> {
        match op {
            HeldOp::Token { connection, origin, failed } => {
                let c = config::connection(&self.env, &connection)?;
                self.answered.set(self.answered.get().saturating_add(1));
                self.count_ask().await;
                let origin = self.health().await?.filter(|_| c.unattended).map(|h| h.origin).unwrap_or(origin);
                // the refresh token stays here: the caller gets what an API call uses (and the
                // public key a DPoP-bound token needs)
                let t = self.token(&c, &origin, failed.as_deref()).await?;
                let jwk = if is_dpop_token_type(&t.token_type) {
                    let key = self
                        .dpop
                        .get(&self.place()?, DPOP_KEY)
                        .await?
                        .ok_or_else(|| Error::new(ErrorCode::LoginRequired, "the connection's DPoP key is gone"))?;
                    Some(ProofKey::public_jwk(&key).clone())
                } else {
                    None
                };
                text(&HeldTokenAnswer::of(&t).with_jwk(jwk))
            }
            HeldOp::Begin { connection, origin, pending } => {
                let c = unattended(&self.env, &connection)?;
                // kept until the expiry the administrator was given (the health reports it)
                let expires_at = pending.expires_at;
                let record = PendingGrant { pending, origin }.to_json();
                self.place()?.seal(PENDING, expires_at, &record).await?;
                let mut w = ObjectWriter::new();
                w.str("connection", &c.name);
                Ok(w.finish())
            }
            HeldOp::Complete { connection, callback_url } => text(&Json::from(self.complete(&connection, &callback_url).await?.to_object())),
            HeldOp::Health { connection } => text(&self.health_view(&connection).await?),
            HeldOp::Disconnect { connection } => text(&self.disconnect(&connection).await?),
            HeldOp::SignProof { connection, input } => {
                config::connection(&self.env, &connection)?;
                let key =
                    self.dpop.get(&self.place()?, DPOP_KEY).await?.ok_or_else(|| Error::new(ErrorCode::LoginRequired, "the connection holds no DPoP key"))?;
                text(&dpop_key::sign(&key, &input).await?)
            }
        }
    }

    fn place(&self) -> Result<Place<'_>> {
        Ok(Place { storage: self.state.storage(), keys: config::keys(&self.env)?, object_id: &self.object_id })
    }

    async fn client(&self, c: &Connection, origin: &str) -> Result<Client> {
        config::client(&self.env, c, origin).await
    }

    /// The connection's token from the shared flow: the client's own (RFC 6749 §4.4: acquired
    /// again when due or refused), or an unattended grant's (refreshed when due or refused).
    async fn token(&self, c: &Connection, origin: &str, failed: Option<&str>) -> Result<TokenSet> {
        let client = self.client(c, origin).await?;
        // a refresh's id_token is verified before the set is kept (OIDC Core §12.2)
        let store = Verified { env: &self.env, connection: c, client: &client, inner: HeldStore { inner: self, connection: c } };
        if c.unattended && store.load().await?.is_none() {
            return Err(Error::new(
                ErrorCode::LoginRequired,
                format!("connection '{}' is not granted: an administrator grants it (POST /admin/connections/{}/grant)", c.name, c.name),
            ));
        }
        // DPoP (RFC 9449): the connection's key proves every token request; made here the first
        // time (a client-credentials token, or an unattended grant's refresh). Configured without
        // DPoP, an unattended grant's refreshes stay proven by the key its grant was bound to (as
        // a session's: the grant's binding follows the grant, §5), but a client-credentials
        // request is a new grant of its own (RFC 6749 §4.4) and goes unproven
        let proves = client.uses_dpop() || c.unattended;
        let key = if client.uses_dpop() {
            Some(self.dpop.get_or_make(&self.place()?, DPOP_KEY, now().plus_secs(KEY_RECORD_SECS)).await?)
        } else if proves {
            self.dpop.get(&self.place()?, DPOP_KEY).await?
        } else {
            None
        };
        let fetcher = Fetcher::new(config::timeout_ms(&self.env));
        let signer = WorkerKey::local(key.as_ref());
        let transport = dpop_key::proving(&fetcher, signer.as_ref(), &self.dpop.nonces);
        let flow = Flow { client: &client, transport: &transport, store: &store, lock: &self.lock, clock: &WorkerClock, leeway_secs: LEEWAY_SECS };
        let asked_at = now();
        let t = flow.access_token(failed).await?;
        if !proves && !is_dpop_token_type(&t.token_type) && t.issued_at >= asked_at && self.dpop.get(&self.place()?, DPOP_KEY).await?.is_some() {
            // a Bearer token acquired now replaces the bound one: the earlier key outlives it
            self.dpop.forget(&self.state.storage(), DPOP_KEY).await?;
        }
        Ok(t)
    }

    /// A sealed record's plaintext; one that does not open here is deleted and reads as absent.
    async fn get_sealed(&self, key: &str) -> Result<Option<String>> {
        Ok(self.place()?.open(key).await?.into_text())
    }

    async fn health(&self) -> Result<Option<Health>> {
        Ok(stored::get(&self.state.storage(), HEALTH).await?.as_ref().and_then(Json::as_object).and_then(Health::from_object))
    }

    async fn put_health(&self, h: &Health) -> Result<()> {
        stored::put(&self.state.storage(), HEALTH, &Json::from(h.to_object())).await
    }

    /// The administrator's grant completes: the kept sign-in is spent (single use, whatever the
    /// outcome), the callback's `state` checked against it, the code exchanged and the pair held.
    async fn complete(&self, connection: &str, callback_url: &str) -> Result<Health> {
        let c = unattended(&self.env, connection)?;
        let over = || {
            Error::new(ErrorCode::StateMismatch, "no grant of this connection is in progress (already completed, refused or expired): nothing was exchanged")
        };
        let record = self.get_sealed(PENDING).await?.ok_or_else(over)?;
        self.state.storage().delete(PENDING).await.map_err(|_| storage_error())?;
        let grant = PendingGrant::from_json(&record).ok_or_else(over)?;
        if !grant.pending.is_live(now()) || grant.pending.connection != c.name {
            return Err(over());
        }
        let client = self.client(&c, &grant.origin).await?;
        let authorization = PendingAuthorization { state: grant.pending.state, pkce_verifier: grant.pending.pkce_verifier, nonce: grant.pending.nonce };
        // exchanged into memory and its id_token verified before the connection holds anything; a
        // grant that fails here changes nothing: the health (and the grant it describes) stays
        // a new grant, a new DPoP key (returned only if the set is bound to it)
        let (tokens, key) = crate::sign_in::exchange(&self.env, &c, &client, &self.dpop.nonces, callback_url, &authorization).await?;
        let bound = key.is_some();
        if let Some(made) = key {
            self.dpop.keep(&self.place()?, DPOP_KEY, made.jwk, made.key, now().plus_secs(KEY_RECORD_SECS)).await?;
        }
        let store = HeldStore { inner: self, connection: &c };
        self.lock.exclusive(store.store(&tokens)).await?;
        if !bound {
            // an earlier grant's key (the connection used DPoP then) outlives no grant: this one
            // is not bound to it, and its refreshes must not be proven by it
            self.dpop.forget(&self.state.storage(), DPOP_KEY).await?;
        }
        // the new grant starts a new history (a grant replacing an earlier one is not a refresh)
        let mut h = self.health().await?.unwrap_or_default();
        h.origin = grant.origin;
        h.granted_at = Some(now().as_millis());
        h.refreshes = 0;
        h.last_refresh_at = None;
        self.put_health(&h).await?;
        Ok(h)
    }

    /// When the administrator's grant in progress ([`PENDING`]) expires, if one is live. Its
    /// record's expiry is kept in clear next to the sealed sign-in; nothing is opened.
    async fn pending_grant_expiry(&self) -> Result<Option<u64>> {
        let pending = stored::get(&self.state.storage(), PENDING).await?.as_ref().and_then(Sealed::from_json);
        Ok(pending.map(|s| s.exp).filter(|exp| *exp > now().as_millis()))
    }

    async fn health_view(&self, connection: &str) -> Result<Json> {
        let c = config::connection(&self.env, connection)?;
        let held = HeldStore { inner: self, connection: &c }.load().await?;
        let mut o = match self.health().await? {
            Some(h) => h.to_object(),
            None => {
                let mut o = JsonObject::new();
                o.insert("status", if held.is_some() { "connected" } else { "disconnected" });
                o
            }
        };
        let ms = |t: Option<Timestamp>| t.map_or(Json::Null, |t| Json::from(t.as_millis()));
        o.insert("connection", c.name.as_str());
        o.insert("unattended", c.unattended);
        o.insert("connected", held.is_some());
        o.insert("access_expires_at", ms(held.as_ref().and_then(|t| t.expires_at)));
        o.insert("refresh_expires_at", ms(held.as_ref().and_then(|t| t.refresh_expires_at)));
        o.insert("token_requests", self.asked().await);
        // a grant in progress is reported beside the current grant's health, never in its place
        let pending = if c.unattended { self.pending_grant_expiry().await? } else { None };
        o.insert(
            "pending_grant",
            pending.map_or(Json::Null, |exp| {
                let mut p = JsonObject::new();
                p.insert("expires_at", exp);
                Json::from(p)
            }),
        );
        o.remove("origin");
        Ok(Json::from(o))
    }

    /// Forgets the grant (its alarm too); the refresh token is revoked first where the provider
    /// offers it.
    async fn disconnect(&self, connection: &str) -> Result<Json> {
        let c = config::connection(&self.env, connection)?;
        let store = HeldStore { inner: self, connection: &c };
        let held = store.load().await?;
        let h = self.health().await?.unwrap_or_default();
        let origin = if h.origin.is_empty() { config::SERVER_ORIGIN.to_owned() } else { h.origin.clone() };
        let revocation = match &held {
            Some(t) => revoke::revoke(&self.env, &origin, &c.name, t).await,
            None => {
                let mut o = JsonObject::new();
                o.insert("revoked", false);
                o.insert("forgotten", false);
                o.insert("reason", "nothing was held");
                Json::from(o)
            }
        };
        self.state.storage().delete(KEY).await.map_err(|_| storage_error())?;
        *self.token.borrow_mut() = None;
        self.dpop.forget(&self.state.storage(), DPOP_KEY).await?;
        let _ = self.state.storage().delete_alarm().await;
        self.put_health(&Health { connection: c.name.clone(), origin: h.origin, status: "disconnected".into(), ..Health::default() }).await?;
        let mut o = JsonObject::new();
        o.insert("disconnected", true);
        o.insert("revocation", revocation);
        Ok(Json::from(o))
    }

    /// The lifetime count of token requests answered ([`ASKED`]).
    async fn asked(&self) -> u64 {
        stored::get(&self.state.storage(), ASKED).await.ok().flatten().and_then(|n| n.as_u64()).unwrap_or(0)
    }

    /// One more token request answered: counted in storage (best effort: a failed write loses a
    /// count, never the answer). Asks are rare by design — one per isolate per token lifetime.
    async fn count_ask(&self) {
        let n = self.asked().await.saturating_add(1);
        let _ = stored::put(&self.state.storage(), ASKED, &Json::from(n)).await;
    }

    /// A client-credentials token renewed ahead of the isolates ([`schedule::renew_ahead`]),
    /// unless the alarm renewed it last time and nobody has asked since; the store sets the next
    /// alarm. A failure leaves the token as it is (callers renew it when due, as without the
    /// alarm) and is logged.
    async fn renew_ahead(&self, name: &str) {
        let _ = self.state.storage().delete(RENEW).await;
        if self.renewed_by_alarm.get() && self.answered.get() <= self.answered_at_store.get() {
            return;
        }
        let Ok(c) = config::connection(&self.env, name) else { return };
        if c.unattended {
            return;
        }
        let Ok(Some(held)) = (HeldStore { inner: self, connection: &c }).load().await else { return };
        let failed = held.access_token.fingerprint();
        self.renewing.set(true);
        let outcome = self.token(&c, config::SERVER_ORIGIN, Some(&failed)).await;
        self.renewing.set(false);
        if let Err(e) = outcome {
            console_error!("tsunagi: connection '{}': renewing ahead failed ({})", c.name, e.code().as_str());
        }
    }

    /// The alarm: refresh now (the held access token counts as refused, so the single-flight
    /// refresh runs under the lock); a failure that ends the grant marks it
    /// `requires_reauthorization`, any other is retried with backoff and reported.
    async fn on_alarm(&self) {
        if let Some(name) = stored::get(&self.state.storage(), RENEW).await.ok().flatten().and_then(|n| n.as_str().map(str::to_owned)) {
            self.renew_ahead(&name).await;
            return;
        }
        let Ok(Some(h)) = self.health().await else { return };
        if h.status == "disconnected" || h.status == "requires_reauthorization" {
            return;
        }
        let Ok(c) = config::connection(&self.env, &h.connection) else { return };
        let store = HeldStore { inner: self, connection: &c };
        let Ok(Some(held)) = store.load().await else { return };
        let failed = held.access_token.fingerprint();
        let outcome = self.token(&c, &h.origin, Some(&failed)).await;
        if let Err(e) = outcome {
            let mut h = self.health().await.ok().flatten().unwrap_or(h);
            h.last_error = Some(e.code().as_str().to_owned());
            if e.requires_reauthorization() {
                // the flow emptied the store (HeldStore::clear marked the health)
                h.status = "requires_reauthorization".into();
                h.next_refresh_at = None;
                let _ = self.state.storage().delete_alarm().await;
            } else {
                h.failures = h.failures.saturating_add(1);
                if h.failures >= schedule::REPORT_AFTER_FAILURES {
                    h.status = "refresh_failing".into();
                }
                h.next_refresh_at = schedule::retry_at(h.failures, now(), held.refresh_expires_at).map(Timestamp::as_millis);
                if let Some(at) = h.next_refresh_at {
                    let _ = set_alarm_at(&self.state.storage(), at).await;
                }
                console_error!("tsunagi: connection '{}': refresh failed ({}), failure {} in a row", c.name, e.code().as_str(), h.failures);
            }
            let _ = self.put_health(&h).await;
        }
    }
}

/// `name` if it is an unattended connection, else [`ErrorCode::NotFound`].
fn unattended(env: &Env, name: &str) -> Result<Connection> {
    let c = config::connection(env, name)?;
    if !c.unattended {
        return Err(Error::new(ErrorCode::NotFound, format!("connection '{name}' is not unattended: it has no administrator grant")));
    }
    Ok(c)
}

/// The object's one sealed token set, as the flows' [`TokenStore`]; for an unattended
/// connection a store also updates its health and sets its next alarm — after the pair is stored.
struct HeldStore<'a> {
    inner: &'a Inner,
    connection: &'a Connection,
}

impl TokenStore for HeldStore<'_> {
    async fn load(&self) -> Result<Option<TokenSet>> {
        let inner = self.inner;
        if let Some(t) = inner.token.borrow().as_ref() {
            return Ok(Some(t.clone()));
        }
        // one that does not open here (key rotated, moved, altered) is dropped; a new one is acquired
        match inner.get_sealed(KEY).await?.and_then(|text| records::token_set_from_json(&text)) {
            Some(t) => {
                let mut slot = inner.token.borrow_mut();
                Ok(Some(slot.get_or_insert(t).clone()))
            }
            None => Ok(None),
        }
    }

    async fn store(&self, tokens: &TokenSet) -> Result<()> {
        let inner = self.inner;
        // the API base must be valid before the token is kept (LegalOn: the token's api_base_url)
        config::client(&inner.env, self.connection, config::SERVER_ORIGIN).await?.api_base(Some(tokens))?;
        let text = records::token_set_json(tokens);
        let exp = tokens.refresh_expires_at.or(tokens.expires_at).unwrap_or_else(|| now().plus_secs(3600));
        // the rotated pair first: nothing below may lose it
        inner.place()?.seal(KEY, exp, &text).await?;
        let replaced = inner.token.borrow_mut().replace(tokens.clone()).is_some();
        inner.answered_at_store.set(inner.answered.get());
        inner.renewed_by_alarm.set(inner.renewing.get());
        if !self.connection.unattended {
            // renewed ahead of the isolates when someone asks meanwhile (docs/scaling.md)
            if let Some(at) = schedule::renew_ahead(tokens, LEEWAY_SECS, now()) {
                let storage = inner.state.storage();
                stored::put(&storage, RENEW, &Json::from(self.connection.name.as_str())).await?;
                set_alarm_at(&storage, at.as_millis()).await.map_err(|_| storage_error())?;
            }
        }
        if self.connection.unattended {
            let mut h = inner.health().await?.unwrap_or_default();
            h.connection = self.connection.name.clone();
            if replaced {
                h.refreshes = h.refreshes.saturating_add(1);
                h.last_refresh_at = Some(now().as_millis());
            }
            h.status = "connected".into();
            h.failures = 0;
            h.last_error = None;
            h.next_refresh_at = schedule::next_refresh(tokens, self.connection.refresh_leeway_secs, now()).map(Timestamp::as_millis);
            match h.next_refresh_at {
                Some(at) => set_alarm_at(&inner.state.storage(), at).await.map_err(|_| storage_error())?,
                None => inner.state.storage().delete_alarm().await.map_err(|_| storage_error())?,
            }
            inner.put_health(&h).await?;
        }
        Ok(())
    }

    async fn clear(&self) -> Result<()> {
        let inner = self.inner;
        inner.state.storage().delete(KEY).await.map_err(|_| storage_error())?;
        *inner.token.borrow_mut() = None;
        inner.dpop.forget(&inner.state.storage(), DPOP_KEY).await?;
        if self.connection.unattended {
            let mut h = inner.health().await?.unwrap_or_default();
            h.status = "requires_reauthorization".into();
            h.next_refresh_at = None;
            let _ = inner.state.storage().delete_alarm().await;
            inner.put_health(&h).await?;
        }
        Ok(())
    }
}
