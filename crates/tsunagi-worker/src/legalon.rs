//! LegalOn's client-credentials token: one Durable Object per credential (`TsunagiLegalOn`,
//! named from a keyed hash of the token URL and credentials) holds it encrypted and acquires a
//! new one single-flight, so N concurrent callers cause one token request; each isolate also
//! keeps it in memory until it is due.

use crate::session::LEEWAY_SECS;
use crate::{config, crypto, http, now};
use crate::bff;
use tsunagi_core::{Error, ErrorCode, Result, TokenSet};
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use serde::Deserialize;
use std::cell::RefCell;
use std::rc::Rc;
use worker::{durable_object, DurableObject, Env, Request, Response, State};

const KEY: &str = "token";

type Flight = Shared<LocalBoxFuture<'static, Result<TokenSet>>>;

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

#[derive(Deserialize)]
struct Op {
    failed: Option<String>,
}

#[derive(serde::Serialize, Deserialize)]
struct Sealed {
    exp: u64,
    blob: String,
}

struct Inner {
    state: State,
    env: Env,
    /// This object's id (hex), part of the record's associated data.
    object_id: String,
    token: RefCell<Option<TokenSet>>,
    inflight: RefCell<Option<Flight>>,
}

/// One LegalOn credential's token.
#[durable_object]
pub struct TsunagiLegalOn {
    inner: Rc<Inner>,
}

impl DurableObject for TsunagiLegalOn {
    fn new(state: State, env: Env) -> Self {
        let object_id = state.id().to_string();
        TsunagiLegalOn { inner: Rc::new(Inner { state, env, object_id, token: RefCell::new(None), inflight: RefCell::new(None) }) }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let op: Op = match req.json().await {
            Ok(op) => op,
            Err(_) => return http::error(&Error::new(ErrorCode::InvalidParameter, "bad internal request")),
        };
        match self.inner.clone().token(op.failed).await {
            Ok(t) => http::json(200, &serde_json::to_string(&t).unwrap_or_default()),
            Err(e) => http::error(&e),
        }
    }
}

fn storage_error() -> Error {
    Error::new(ErrorCode::Transport, "token storage failed")
}

impl Inner {
    async fn load(&self) -> Result<()> {
        if self.token.borrow().is_some() {
            return Ok(());
        }
        let Some(s) = self.state.storage().get::<Sealed>(KEY).await.map_err(|_| storage_error())? else { return Ok(()) };
        let keys = config::keys(&self.env)?;
        // one that does not open here (key rotated, moved, altered) is dropped; a new one is acquired
        match crypto::open(&keys, &keys.record_aad(&self.object_id, KEY), &s.blob).await.ok().and_then(|text| serde_json::from_str::<TokenSet>(&text).ok()) {
            Some(t) => {
                let mut slot = self.token.borrow_mut();
                if slot.is_none() {
                    *slot = Some(t);
                }
            }
            None => self.state.storage().delete(KEY).await.map(|_| ()).map_err(|_| storage_error())?,
        }
        Ok(())
    }

    async fn token(self: Rc<Self>, failed: Option<String>) -> Result<TokenSet> {
        self.load().await?;
        let flight = {
            if let Some(t) = self.token.borrow().as_ref() {
                let rejected = failed.as_deref().is_some_and(|fp| bff::should_refresh_after_401(t, fp));
                if !rejected && t.access_token_is_fresh(now(), LEEWAY_SECS) {
                    return Ok(t.clone());
                }
            }
            let existing = self.inflight.borrow().clone();
            match existing {
                Some(f) => f,
                None => {
                    let f = self.clone().acquire().boxed_local().shared();
                    *self.inflight.borrow_mut() = Some(f.clone());
                    f
                }
            }
        };
        flight.await
    }

    async fn acquire(self: Rc<Self>) -> Result<TokenSet> {
        let result: Result<TokenSet> = async {
            let (client, _) = config::legalon_client(&self.env)?;
            let request = client.client_credentials_request()?;
            let upstream = http::send(&request, config::timeout_ms(&self.env)).await?;
            let t = client.parse_token_response(&upstream, now(), None)?;
            // the API base must be valid before the token is kept
            client.api_base(Some(&t))?;
            let keys = config::keys(&self.env)?;
            let text = serde_json::to_string(&t).map_err(|_| storage_error())?;
            let blob = crypto::seal(&keys, &keys.record_aad(&self.object_id, KEY), &text).await?;
            let exp = t.expires_at.map(|e| e.as_millis()).unwrap_or_default();
            self.state.storage().put(KEY, Sealed { exp, blob }).await.map_err(|_| storage_error())?;
            *self.token.borrow_mut() = Some(t.clone());
            Ok(t)
        }
        .await;
        *self.inflight.borrow_mut() = None;
        result
    }
}
