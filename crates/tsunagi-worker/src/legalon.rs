//! LegalOn's client-credentials token: one Durable Object per credential (`TsunagiLegalOn`,
//! named from a keyed hash of the token URL and credentials) holds it encrypted and acquires a
//! new one through the shared flow under an in-object lock, so N concurrent callers cause one
//! token request; each isolate also keeps it in memory until it is due.

use crate::crypto::Sealed;
use crate::runtime::{Fetcher, WorkerClock};
use crate::session::LEEWAY_SECS;
use crate::{config, crypto, http, now};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use tsunagi_core::{Error, ErrorCode, Result, TokenSet};
use tsunagi_flows::memory::LocalLock;
use tsunagi_flows::{Flow, TokenStore};
use worker::{durable_object, DurableObject, Env, Request, Response, State};

const KEY: &str = "token";

thread_local! {
    /// The isolate's copy: (object name, token set).
    static MEMORY: RefCell<Option<(String, TokenSet)>> = const { RefCell::new(None) };
}

/// The isolate's cached token for `object`, if fresh and not the one that just failed.
pub fn from_memory(object: &str, failed: Option<&str>) -> Option<TokenSet> {
    MEMORY.with(|m| {
        m.borrow()
            .as_ref()
            .filter(|(name, t)| name == object && t.access_token_is_fresh(now(), LEEWAY_SECS) && failed.is_none_or(|fp| t.access_token.fingerprint() != fp))
            .map(|(_, t)| t.clone())
    })
}

/// Remembers a token in the isolate.
pub fn remember(object: &str, tokens: &TokenSet) {
    MEMORY.with(|m| *m.borrow_mut() = Some((object.to_owned(), tokens.clone())));
}

/// What the Worker asks of the LegalOn object: a usable token; `failed` is the fingerprint of
/// one the API just refused with 401.
#[derive(Serialize, Deserialize)]
pub struct TokenOp {
    /// Fingerprint of a refused access token.
    pub failed: Option<String>,
}

struct Inner {
    state: State,
    env: Env,
    /// This object's id (hex), part of the record's associated data.
    object_id: String,
    token: RefCell<Option<TokenSet>>,
    lock: LocalLock,
}

/// One LegalOn credential's token.
#[durable_object]
pub struct TsunagiLegalOn {
    inner: Inner,
}

impl DurableObject for TsunagiLegalOn {
    fn new(state: State, env: Env) -> Self {
        let object_id = state.id().to_string();
        TsunagiLegalOn { inner: Inner { state, env, object_id, token: RefCell::new(None), lock: LocalLock::default() } }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let op: TokenOp = match req.json().await {
            Ok(op) => op,
            Err(_) => return http::object_error(&Error::new(ErrorCode::InvalidParameter, "bad internal request")),
        };
        match self.inner.token(op.failed.as_deref()).await.and_then(|t| serde_json::to_string(&t).map_err(|_| storage_error())) {
            Ok(text) => http::json(200, &text),
            Err(e) => http::object_error(&e),
        }
    }
}

fn storage_error() -> Error {
    Error::new(ErrorCode::Transport, "token storage failed")
}

impl Inner {
    /// The client's own token from the shared flow (RFC 6749 §4.4: acquired again when due or
    /// refused).
    async fn token(&self, failed: Option<&str>) -> Result<TokenSet> {
        let (client, _) = config::legalon_client(&self.env)?;
        let flow = Flow {
            client: &client,
            transport: &Fetcher { timeout_ms: config::timeout_ms(&self.env) },
            store: self,
            lock: &self.lock,
            clock: &WorkerClock,
            leeway_secs: LEEWAY_SECS,
        };
        flow.access_token(failed).await
    }
}

/// The object's one sealed record, as the flows' [`TokenStore`].
impl TokenStore for Inner {
    async fn load(&self) -> Result<Option<TokenSet>> {
        if let Some(t) = self.token.borrow().as_ref() {
            return Ok(Some(t.clone()));
        }
        let Some(s) = self.state.storage().get::<Sealed>(KEY).await.map_err(|_| storage_error())? else { return Ok(None) };
        let keys = config::keys(&self.env)?;
        // one that does not open here (key rotated, moved, altered) is dropped; a new one is acquired
        match crypto::open(&keys, &keys.record_aad(&self.object_id, KEY), &s.blob).await.ok().and_then(|text| serde_json::from_str::<TokenSet>(&text).ok()) {
            Some(t) => {
                let mut slot = self.token.borrow_mut();
                Ok(Some(slot.get_or_insert(t).clone()))
            }
            None => {
                self.state.storage().delete(KEY).await.map_err(|_| storage_error())?;
                Ok(None)
            }
        }
    }

    async fn store(&self, tokens: &TokenSet) -> Result<()> {
        // the API base must be valid before the token is kept
        let (client, _) = config::legalon_client(&self.env)?;
        client.api_base(Some(tokens))?;
        let keys = config::keys(&self.env)?;
        let text = serde_json::to_string(tokens).map_err(|_| storage_error())?;
        let blob = crypto::seal(&keys, &keys.record_aad(&self.object_id, KEY), &text).await?;
        let exp = tokens.expires_at.map(|e| e.as_millis()).unwrap_or_default();
        self.state.storage().put(KEY, Sealed { exp, blob }).await.map_err(|_| storage_error())?;
        *self.token.borrow_mut() = Some(tokens.clone());
        Ok(())
    }

    async fn clear(&self) -> Result<()> {
        self.state.storage().delete(KEY).await.map_err(|_| storage_error())?;
        *self.token.borrow_mut() = None;
        Ok(())
    }
}
