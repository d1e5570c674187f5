//! In-memory implementations of the [`ports`](crate::ports): a store, an in-process lock, a
//! settable clock and a sleeper that advances it. The Worker's Durable Object uses the store and
//! lock shapes directly; the native tests use all four.

use crate::ports::{Clock, RefreshLock, Sleep, TokenStore};
use futures_util::lock::Mutex;
use std::cell::{Cell, RefCell};
use std::future::Future;
use tsunagi_core::{Result, Timestamp, TokenSet};

/// A token set in memory. Each call yields once first, so concurrent callers interleave as they
/// would around real storage.
#[derive(Default)]
pub struct MemoryStore {
    tokens: RefCell<Option<TokenSet>>,
    writes: Cell<u64>,
}

impl MemoryStore {
    /// A store holding `tokens`.
    pub fn with(tokens: Option<TokenSet>) -> Self {
        MemoryStore { tokens: RefCell::new(tokens), writes: Cell::new(0) }
    }
    /// What it holds now.
    pub fn get(&self) -> Option<TokenSet> {
        self.tokens.borrow().clone()
    }
    /// How many times a set was stored.
    pub fn writes(&self) -> u64 {
        self.writes.get()
    }
}

impl TokenStore for MemoryStore {
    async fn load(&self) -> Result<Option<TokenSet>> {
        yield_now().await;
        Ok(self.tokens.borrow().clone())
    }
    async fn store(&self, tokens: &TokenSet) -> Result<()> {
        yield_now().await;
        *self.tokens.borrow_mut() = Some(tokens.clone());
        self.writes.set(self.writes.get() + 1);
        Ok(())
    }
    async fn clear(&self) -> Result<()> {
        yield_now().await;
        *self.tokens.borrow_mut() = None;
        Ok(())
    }
}

/// An in-process lock (one isolate, one Durable Object, one test).
#[derive(Default)]
pub struct LocalLock(Mutex<()>);

impl RefreshLock for LocalLock {
    async fn exclusive<F: Future>(&self, work: F) -> F::Output {
        let _held = self.0.lock().await;
        work.await
    }
}

/// A clock that stands still until moved.
pub struct ManualClock(Cell<Timestamp>);

impl ManualClock {
    /// A clock at `at`.
    pub fn at(at: Timestamp) -> Self {
        ManualClock(Cell::new(at))
    }
    /// Moves it forward.
    pub fn advance_ms(&self, ms: u64) {
        self.0.set(self.0.get().plus_millis(ms));
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.get()
    }
}

impl Sleep for ManualClock {
    /// Moves the clock instead of waiting.
    async fn sleep(&self, ms: u64) {
        self.advance_ms(ms);
        yield_now().await;
    }
}

/// Gives other tasks of a single-threaded executor a turn.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}
