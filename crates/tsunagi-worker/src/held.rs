//! A held connection's token: one Durable Object per connection (`TsunagiConnection`, named from a
//! keyed hash of the connection, its token endpoint and client) holds it encrypted for the whole
//! deployment — a client-credentials token (LegalOn, a generic `client_credentials` connection) —
//! and renews it through the shared flow under an in-object lock, so N concurrent callers cause
//! one token request; each isolate also keeps it in memory until it is due. docs/storage.md.

use crate::crypto::Sealed;
use crate::messages::HeldOp;
use crate::runtime::{Fetcher, WorkerClock};
use crate::session::LEEWAY_SECS;
use crate::{config, crypto, http, now};
use std::cell::RefCell;
use tsunagi_core::{Error, ErrorCode, Result, TokenSet};
use tsunagi_flows::memory::LocalLock;
use tsunagi_flows::{Flow, TokenStore};
use worker::{durable_object, DurableObject, Env, Request, Response, State};

const KEY: &str = "token";
/// How many held tokens an isolate keeps in memory.
const MEMORY_SLOTS: usize = 16;

thread_local! {
    /// The isolate's copies: (object name, token set), most recent first.
    static MEMORY: RefCell<Vec<(String, TokenSet)>> = const { RefCell::new(Vec::new()) };
}

/// The isolate's cached token for `object`, if fresh and not the one that just failed.
pub fn from_memory(object: &str, failed: Option<&str>) -> Option<TokenSet> {
    MEMORY.with(|m| {
        m.borrow()
            .iter()
            .find(|(name, t)| name == object && t.access_token_is_fresh(now(), LEEWAY_SECS) && failed.is_none_or(|fp| t.access_token.fingerprint() != fp))
            .map(|(_, t)| t.clone())
    })
}

/// Remembers a token in the isolate.
pub fn remember(object: &str, tokens: &TokenSet) {
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        m.retain(|(name, _)| name != object);
        m.insert(0, (object.to_owned(), tokens.clone()));
        m.truncate(MEMORY_SLOTS);
    });
}

struct Inner {
    state: State,
    env: Env,
    /// This object's id (hex), part of the record's associated data.
    object_id: String,
    token: RefCell<Option<TokenSet>>,
    lock: LocalLock,
}

/// One held connection's token.
#[durable_object]
pub struct TsunagiConnection {
    inner: Inner,
}

impl DurableObject for TsunagiConnection {
    fn new(state: State, env: Env) -> Self {
        let object_id = state.id().to_string();
        TsunagiConnection { inner: Inner { state, env, object_id, token: RefCell::new(None), lock: LocalLock::default() } }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let op: HeldOp = match req.json().await {
            Ok(op) => op,
            Err(_) => return http::object_error(&Error::new(ErrorCode::InvalidParameter, "bad internal request")),
        };
        match self.inner.dispatch(op).await {
            Ok(text) => http::json(200, &text),
            Err(e) => http::object_error(&e),
        }
    }
}

fn storage_error() -> Error {
    Error::new(ErrorCode::Transport, "token storage failed")
}

impl Inner {
    async fn dispatch(&self, op: HeldOp) -> Result<String> {
        match op {
            HeldOp::Token { connection, origin, failed } => {
                let t = self.token(&connection, &origin, failed.as_deref()).await?;
                serde_json::to_string(&t).map_err(|_| storage_error())
            }
        }
    }

    /// The connection's token from the shared flow (RFC 6749 §4.4: acquired again when due or
    /// refused).
    async fn token(&self, connection: &str, origin: &str, failed: Option<&str>) -> Result<TokenSet> {
        let c = config::connection(&self.env, connection)?;
        let client = config::client(&self.env, &c, origin)?;
        let flow = Flow {
            client: &client,
            transport: &Fetcher { timeout_ms: config::timeout_ms(&self.env) },
            store: &HeldStore { inner: self, client: &client },
            lock: &self.lock,
            clock: &WorkerClock,
            leeway_secs: LEEWAY_SECS,
        };
        flow.access_token(failed).await
    }
}

/// The object's one sealed record, as the flows' [`TokenStore`].
struct HeldStore<'a> {
    inner: &'a Inner,
    client: &'a tsunagi_core::Client,
}

impl TokenStore for HeldStore<'_> {
    async fn load(&self) -> Result<Option<TokenSet>> {
        let inner = self.inner;
        if let Some(t) = inner.token.borrow().as_ref() {
            return Ok(Some(t.clone()));
        }
        let Some(s) = inner.state.storage().get::<Sealed>(KEY).await.map_err(|_| storage_error())? else { return Ok(None) };
        let keys = config::keys(&inner.env)?;
        // one that does not open here (key rotated, moved, altered) is dropped; a new one is acquired
        match crypto::open(&keys, &keys.record_aad(&inner.object_id, KEY), &s.blob).await.ok().and_then(|text| serde_json::from_str::<TokenSet>(&text).ok()) {
            Some(t) => {
                let mut slot = inner.token.borrow_mut();
                Ok(Some(slot.get_or_insert(t).clone()))
            }
            None => {
                inner.state.storage().delete(KEY).await.map_err(|_| storage_error())?;
                Ok(None)
            }
        }
    }

    async fn store(&self, tokens: &TokenSet) -> Result<()> {
        // the API base must be valid before the token is kept
        self.client.api_base(Some(tokens))?;
        let inner = self.inner;
        let keys = config::keys(&inner.env)?;
        let text = serde_json::to_string(tokens).map_err(|_| storage_error())?;
        let blob = crypto::seal(&keys, &keys.record_aad(&inner.object_id, KEY), &text).await?;
        let exp = tokens.expires_at.map(|e| e.as_millis()).unwrap_or_default();
        inner.state.storage().put(KEY, Sealed { exp, blob }).await.map_err(|_| storage_error())?;
        *inner.token.borrow_mut() = Some(tokens.clone());
        Ok(())
    }

    async fn clear(&self) -> Result<()> {
        self.inner.state.storage().delete(KEY).await.map_err(|_| storage_error())?;
        *self.inner.token.borrow_mut() = None;
        Ok(())
    }
}
