//! Public documents kept per isolate or page (an issuer's JWKS, its server metadata): a bounded
//! cache (entries, age) where one fetch of a document serves every caller that arrives while it
//! runs, and where a refetch (a JWKS without the wanted `kid`) can be rationed per document.

use crate::ports::{Clock, Sleep};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use tsunagi_core::Result;

/// How often a caller waiting for another caller's fetch looks again. Waiting goes through the
/// runtime's [`Sleep`], never through a future shared between callers: workerd ties a fetch to the
/// request that made it, so another request may not await it (the Worker's isolate serves many).
const POLL_MS: u64 = 20;

#[derive(Default)]
struct Entry {
    key: String,
    /// The document and when it was fetched (ms since the epoch).
    text: Option<(Rc<str>, u64)>,
    /// How many fetches of it succeeded (a runtime's clock may stand still during a request, as
    /// workerd's does: "fetched after this call began" is told by this count, not by the time).
    generation: u64,
    /// A fetch in flight, since when.
    fetching_since: Option<u64>,
    /// The last rationed refetch ([`DocumentCache::claim_refetch`]).
    refetched_at: Option<u64>,
}

/// Documents by key (a URL, an issuer), most recently used first: at most `max_entries`, each
/// kept `keep_ms`. A failed fetch keeps nothing (a document cached before stays).
pub struct DocumentCache {
    entries: RefCell<Vec<Entry>>,
    max_entries: usize,
    keep_ms: u64,
}

impl DocumentCache {
    /// An empty cache of at most `max_entries` documents, each kept `keep_ms` milliseconds.
    pub const fn new(max_entries: usize, keep_ms: u64) -> Self {
        DocumentCache { entries: RefCell::new(Vec::new()), max_entries, keep_ms }
    }

    /// Runs `f` on `key`'s entry (created, moved first, the cache trimmed to its bound).
    fn with_entry<T>(&self, key: &str, f: impl FnOnce(&mut Entry) -> T) -> T {
        let mut entries = self.entries.borrow_mut();
        let entry = match entries.iter().position(|e| e.key == key) {
            Some(i) => entries.remove(i),
            None => Entry { key: key.to_owned(), ..Entry::default() },
        };
        entries.insert(0, entry);
        entries.truncate(self.max_entries.max(1));
        match entries.first_mut() {
            Some(e) => f(e),
            None => f(&mut Entry::default()),
        }
    }

    /// The document under `key`: when another caller's fetch of it is in flight, that fetch is
    /// waited for (at most `wait_ms`); then the cached document unless `refresh` (a document
    /// fetched after this call began still serves) or older than the cache keeps it; else one
    /// `fetch`, kept when it succeeds.
    pub async fn get<F, C, S>(&self, key: &str, clock: &C, sleep: &S, wait_ms: u64, refresh: bool, fetch: impl FnOnce() -> F) -> Result<Rc<str>>
    where
        F: Future<Output = Result<String>>,
        C: Clock,
        S: Sleep,
    {
        let started = clock.now().as_millis();
        let generation = self.with_entry(key, |e| e.generation);
        loop {
            let now = clock.now().as_millis();
            let (fetching, cached) = self.with_entry(key, |e| {
                (e.fetching_since.is_some_and(|t| now.saturating_sub(t) <= wait_ms), e.text.as_ref().map(|(t, at)| (Rc::clone(t), *at, e.generation)))
            });
            if fetching && now.saturating_sub(started) <= wait_ms {
                sleep.sleep(POLL_MS).await;
                continue;
            }
            let fresh = cached.filter(|(_, at, g)| if refresh { *g > generation } else { now.saturating_sub(*at) < self.keep_ms });
            if let Some((text, ..)) = fresh {
                return Ok(text);
            }
            break;
        }
        self.with_entry(key, |e| e.fetching_since = Some(clock.now().as_millis()));
        let fetching = Fetching { cache: self, key };
        let result = fetch().await.map(Rc::<str>::from);
        drop(fetching);
        if let Ok(text) = &result {
            let at = clock.now().as_millis();
            self.with_entry(key, |e| {
                e.text = Some((Rc::clone(text), at));
                e.generation += 1;
            });
        }
        result
    }

    /// Whether the caller may refetch `key` now: true, and recorded, when no refetch was claimed
    /// in the last `cooldown_ms`; false within it (the caller then takes the cached document, or
    /// the claimed refetch still in flight).
    pub fn claim_refetch(&self, key: &str, now_ms: u64, cooldown_ms: u64) -> bool {
        self.with_entry(key, |e| {
            let due = e.refetched_at.is_none_or(|at| now_ms.saturating_sub(at) >= cooldown_ms);
            if due {
                e.refetched_at = Some(now_ms);
            }
            due
        })
    }
}

/// Marks a fetch as in flight until it ends, or until its future is dropped (a cancelled request):
/// the callers waiting for it then fetch for themselves at once.
struct Fetching<'a> {
    cache: &'a DocumentCache,
    key: &'a str,
}

impl Drop for Fetching<'_> {
    fn drop(&mut self) {
        // the entry may have been pushed out by other documents meanwhile: then nothing to clear
        let mut entries = self.cache.entries.borrow_mut();
        if let Some(e) = entries.iter_mut().find(|e| e.key == self.key) {
            e.fetching_since = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{yield_now, ManualClock};
    use futures_executor::block_on;
    use futures_util::future::join_all;
    use std::cell::Cell;
    use tsunagi_core::Timestamp;

    #[test]
    fn one_fetch_serves_the_callers_that_arrive_meanwhile_and_the_bound_holds() {
        let cache = DocumentCache::new(2, 1_000);
        let clock = ManualClock::at(Timestamp::from_secs(1_000));
        let fetches = Cell::new(0);
        let fetch = || async {
            fetches.set(fetches.get() + 1);
            for _ in 0..3 {
                yield_now().await;
            }
            Ok::<_, tsunagi_core::Error>(format!("doc {}", fetches.get()))
        };
        let got = block_on(join_all((0..10).map(|_| cache.get("a", &clock, &clock, 5_000, false, fetch))));
        assert!(got.iter().all(|g| g.as_deref().ok() == Some("doc 1")));
        assert_eq!(fetches.get(), 1);
        // kept for its age, then fetched again
        assert_eq!(block_on(cache.get("a", &clock, &clock, 5_000, false, fetch)).ok().as_deref(), Some("doc 1"));
        clock.advance_ms(1_000);
        assert_eq!(block_on(cache.get("a", &clock, &clock, 5_000, false, fetch)).ok().as_deref(), Some("doc 2"));
        // at most two documents: "a" goes when "b" and "c" come
        for key in ["b", "c", "a"] {
            let _ = block_on(cache.get(key, &clock, &clock, 5_000, false, fetch));
        }
        assert_eq!(fetches.get(), 5);
        assert_eq!(cache.entries.borrow().len(), 2);
    }

    #[test]
    fn a_failed_fetch_keeps_nothing_and_a_refetch_is_rationed() {
        let cache = DocumentCache::new(4, 60_000);
        let clock = ManualClock::at(Timestamp::from_secs(1_000));
        let failed = block_on(
            cache.get("a", &clock, &clock, 5_000, false, || async { Err::<String, _>(tsunagi_core::Error::new(tsunagi_core::ErrorCode::Transport, "down")) }),
        );
        assert!(failed.is_err());
        assert_eq!(block_on(cache.get("a", &clock, &clock, 5_000, false, || async { Ok("x".to_owned()) })).ok().as_deref(), Some("x"));
        let now = clock.now().as_millis();
        assert!(cache.claim_refetch("a", now, 30_000));
        assert!(!cache.claim_refetch("a", now + 29_999, 30_000));
        assert!(cache.claim_refetch("a", now + 30_000, 30_000));
    }
}
