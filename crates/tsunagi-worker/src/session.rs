//! The session Durable Object (`TsunagiSession`, one per signed-in browser session): the token
//! sets of LawVu and Logiless, encrypted at rest and bound to this object. Tokens come from the
//! shared flows ([`tsunagi_flows::Flow`]) over this object's storage and one in-object lock per
//! provider: requests interleave while the object awaits `fetch`, so the first caller that needs a
//! refresh takes the lock and the others, once they get it, re-read the rotated pair, which was
//! stored before anyone was answered. See docs/storage.md.

use crate::bff::{self, SessionKeys};
use crate::config::{self, SessionProvider};
use crate::crypto::Sealed;
use crate::messages::{PutAnswer, SessionOp, StoredSet, TokenAnswer};
use crate::runtime::{Fetcher, WorkerClock};
use crate::{crypto, http, now};
use serde::Serialize;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use tsunagi_core::{Client, Error, ErrorCode, Result, Timestamp, TokenSet};
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
    /// Decrypted token sets, once loaded (`None` = not loaded yet).
    tokens: RefCell<Option<HashMap<SessionProvider, TokenSet>>>,
    /// LawVu's refresh lock.
    lawvu_lock: LocalLock,
    /// Logiless' refresh lock.
    logiless_lock: LocalLock,
}

/// One browser session.
#[durable_object]
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
                lawvu_lock: LocalLock::default(),
                logiless_lock: LocalLock::default(),
            }),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let op: SessionOp = match req.json().await {
            Ok(op) => op,
            Err(_) => return http::object_error(&Error::new(ErrorCode::InvalidParameter, "bad internal request")),
        };
        match self.inner.dispatch(op).await {
            Ok(text) => http::json(200, &text),
            Err(e) => http::object_error(&e),
        }
    }

    async fn alarm(&self) -> worker::Result<Response> {
        self.inner.cleanup().await.map_err(|e| worker::Error::RustError(e.code().as_str().to_owned()))?;
        Response::ok("ok")
    }
}

fn tokens_key(p: SessionProvider) -> String {
    format!("tokens:{}", p.as_str())
}
const PROVIDERS: [SessionProvider; 2] = [SessionProvider::LawVu, SessionProvider::Logiless];

/// An answer as JSON text.
fn text<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|_| storage_error())
}

fn storage_error() -> Error {
    Error::new(ErrorCode::Transport, "session storage failed")
}

impl Inner {
    fn storage(&self) -> Storage {
        self.state.storage()
    }

    fn keys(&self) -> Result<SessionKeys> {
        config::keys(&self.env)
    }

    fn client(&self, origin: &str, p: SessionProvider) -> Result<Client> {
        config::session_client(&self.env, p, origin)
    }

    fn not_signed_in(&self, p: SessionProvider) -> Error {
        match *self.dropped.borrow() {
            Some(why) => why.to_error(),
            None => Error::new(ErrorCode::SessionMissing, format!("not signed in to {}", p.as_str())),
        }
    }

    /// Runs one operation; its answer as JSON text.
    async fn dispatch(&self, op: SessionOp) -> Result<String> {
        match op {
            SessionOp::Session => text(&self.session().await?),
            SessionOp::SignedIn => text(&self.signed_in().await?),
            SessionOp::Token { provider, origin, failed } => {
                let client = self.client(&origin, provider)?;
                let t = self.access_token(provider, &client, failed.as_deref()).await?;
                let expires = self.session_expiry();
                text(&TokenAnswer {
                    access_token: t.access_token,
                    token_type: t.token_type,
                    expires_at: t.expires_at.map(Timestamp::as_millis),
                    session_expires_at: expires.map(Timestamp::as_millis),
                })
            }
            SessionOp::Refresh { provider: p, origin } => {
                let client = self.client(&origin, p)?;
                self.ensure_loaded().await?;
                let (old, failed) = {
                    let cache = self.tokens.borrow();
                    let held = cache.as_ref().and_then(|m| m.get(&p)).ok_or_else(|| self.not_signed_in(p))?;
                    (held.refresh_token.as_ref().map(|r| r.fingerprint()), held.access_token.fingerprint())
                };
                // the held access token counts as "failed", so the single-flight refresh runs now
                let t = self.access_token(p, &client, Some(&failed)).await?;
                let expires = self.session_expiry();
                text(
                    &json!({"provider": p.as_str(), "old_refresh_fingerprint": old, "new_refresh_fingerprint": t.refresh_token.as_ref().map(|r| r.fingerprint()),
                          "session": bff::session_view(&t), "session_expires_at": expires.map(|t| t.as_millis())}),
                )
            }
            SessionOp::Logout { provider } => text(&self.logout(provider).await?),
            SessionOp::Take => text(&self.take().await?),
            SessionOp::Put { sets } => {
                for set in &sets {
                    self.store_tokens(set.provider, &set.tokens).await?;
                }
                text(&PutAnswer { session_expires_at: self.session_expiry().map(Timestamp::as_millis) })
            }
        }
    }

    fn aad(&self, keys: &SessionKeys, key: &str) -> String {
        keys.record_aad(&self.object_id, key)
    }

    async fn put_sealed(&self, key: &str, exp: Timestamp, plaintext: &str) -> Result<()> {
        let keys = self.keys()?;
        let blob = crypto::seal(&keys, &self.aad(&keys, key), plaintext).await?;
        self.storage().put(key, Sealed { exp: exp.as_millis(), blob }).await.map_err(|_| storage_error())
    }

    /// A record's plaintext. One that does not open here (moved from another object, altered, or
    /// sealed under another key) is deleted and reads as absent; [`Self::not_signed_in`] then
    /// says why.
    async fn get_sealed(&self, key: &str) -> Result<Option<(Timestamp, String)>> {
        let Some(s) = self.storage().get::<Sealed>(key).await.map_err(|_| storage_error())? else { return Ok(None) };
        let keys = self.keys()?;
        match crypto::open(&keys, &self.aad(&keys, key), &s.blob).await {
            Ok(text) => Ok(Some((Timestamp::from_millis(s.exp), text))),
            Err(why) => {
                self.storage().delete(key).await.map_err(|_| storage_error())?;
                *self.dropped.borrow_mut() = Some(why);
                Ok(None)
            }
        }
    }

    async fn ensure_loaded(&self) -> Result<()> {
        if self.tokens.borrow().is_some() {
            return Ok(());
        }
        let mut loaded = HashMap::new();
        for p in PROVIDERS {
            if let Some((_, text)) = self.get_sealed(&tokens_key(p)).await? {
                let t: TokenSet = serde_json::from_str(&text).map_err(|_| storage_error())?;
                loaded.insert(p, t);
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
    async fn store_tokens(&self, p: SessionProvider, tokens: &TokenSet) -> Result<()> {
        let text = serde_json::to_string(tokens).map_err(|_| storage_error())?;
        let exp = bff::session_expiry([tokens]).unwrap_or_else(|| now().plus_secs(3600));
        self.put_sealed(&tokens_key(p), exp, &text).await?;
        if self.tokens.borrow().is_none() {
            self.ensure_loaded().await?;
        }
        if let Some(m) = self.tokens.borrow_mut().as_mut() {
            m.insert(p, tokens.clone());
        }
        self.schedule_cleanup().await
    }

    async fn forget(&self, p: SessionProvider) -> Result<()> {
        self.storage().delete(&tokens_key(p)).await.map_err(|_| storage_error())?;
        if let Some(m) = self.tokens.borrow_mut().as_mut() {
            m.remove(&p);
        }
        Ok(())
    }

    /// A usable access token for `p` from the shared flow: the held one if fresh (and not the one
    /// that just failed with 401), else one refresh under `p`'s lock. Not signed in to `p` is
    /// `session_missing`; a grant that is gone is forgotten and answered `login_required` (or the
    /// provider's own code).
    async fn access_token(&self, p: SessionProvider, client: &Client, failed: Option<&str>) -> Result<TokenSet> {
        self.ensure_loaded().await?;
        if self.held(p).is_none() {
            return Err(self.not_signed_in(p));
        }
        let flow = Flow {
            client,
            transport: &Fetcher { timeout_ms: config::timeout_ms(&self.env) },
            store: &ProviderStore { inner: self, provider: p },
            lock: match p {
                SessionProvider::LawVu => &self.lawvu_lock,
                SessionProvider::Logiless => &self.logiless_lock,
            },
            clock: &WorkerClock,
            leeway_secs: LEEWAY_SECS,
        };
        flow.access_token(failed).await
    }

    fn held(&self, p: SessionProvider) -> Option<TokenSet> {
        self.tokens.borrow().as_ref().and_then(|m| m.get(&p)).cloned()
    }

    async fn session(&self) -> Result<Value> {
        self.ensure_loaded().await?;
        let cache = self.tokens.borrow();
        let mut providers = serde_json::Map::new();
        if let Some(m) = cache.as_ref() {
            for p in PROVIDERS {
                if let Some(t) = m.get(&p) {
                    providers.insert(p.as_str().to_owned(), bff::session_view(t));
                }
            }
        }
        let expires = cache.as_ref().and_then(|m| bff::session_expiry(m.values()));
        Ok(json!({"signed_in": !providers.is_empty(), "providers": providers, "session_expires_at": expires.map(|t| t.as_millis())}))
    }

    /// The providers whose grant is still alive (an access token or a refresh token not known to
    /// be expired).
    async fn signed_in(&self) -> Result<Vec<SessionProvider>> {
        self.ensure_loaded().await?;
        let now = now();
        let cache = self.tokens.borrow();
        let live = |p: &SessionProvider| cache.as_ref().and_then(|m| m.get(p)).is_some_and(|t| bff::session_expiry([t]).is_none_or(|exp| now < exp));
        Ok(PROVIDERS.into_iter().filter(live).collect())
    }

    /// Every token set, then an empty object: a sign-in moves them to its fresh session id.
    async fn take(&self) -> Result<Vec<StoredSet>> {
        self.ensure_loaded().await?;
        let sets = self.tokens.borrow().as_ref().map(|m| m.iter().map(|(p, t)| StoredSet { provider: *p, tokens: t.clone() }).collect()).unwrap_or_default();
        self.logout(None).await?;
        Ok(sets)
    }

    async fn logout(&self, provider: Option<SessionProvider>) -> Result<Value> {
        match provider {
            None => {
                self.storage().delete_all().await.map_err(|_| storage_error())?;
                let _ = self.storage().delete_alarm().await;
                *self.tokens.borrow_mut() = Some(HashMap::new());
            }
            Some(p) => self.forget(p).await?,
        }
        Ok(json!({"signed_out": true}))
    }

    /// Sets the alarm to the earliest expiry among stored records.
    async fn schedule_cleanup(&self) -> Result<()> {
        let mut earliest: Option<u64> = None;
        for key in PROVIDERS.map(tokens_key) {
            if let Some(s) = self.storage().get::<Sealed>(&key).await.map_err(|_| storage_error())? {
                earliest = Some(earliest.map_or(s.exp, |e| e.min(s.exp)));
            }
        }
        if let Some(at) = earliest {
            let at = i64::try_from(at).unwrap_or(i64::MAX);
            self.storage().set_alarm(at).await.map_err(|_| storage_error())?;
        }
        Ok(())
    }

    /// The alarm: drops expired records; an empty session is deleted entirely.
    async fn cleanup(&self) -> Result<()> {
        let now_ms = now().as_millis();
        let mut left = 0;
        for key in PROVIDERS.map(tokens_key) {
            if let Some(s) = self.storage().get::<Sealed>(&key).await.map_err(|_| storage_error())? {
                if s.exp <= now_ms {
                    self.storage().delete(&key).await.map_err(|_| storage_error())?;
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

/// One provider's token set in this object, as the flows' [`TokenStore`]: sealed in storage and
/// kept decrypted in memory once loaded.
struct ProviderStore<'a> {
    inner: &'a Inner,
    provider: SessionProvider,
}

impl TokenStore for ProviderStore<'_> {
    async fn load(&self) -> Result<Option<TokenSet>> {
        self.inner.ensure_loaded().await?;
        Ok(self.inner.held(self.provider))
    }
    async fn store(&self, tokens: &TokenSet) -> Result<()> {
        self.inner.store_tokens(self.provider, tokens).await
    }
    async fn clear(&self) -> Result<()> {
        self.inner.forget(self.provider).await
    }
}
