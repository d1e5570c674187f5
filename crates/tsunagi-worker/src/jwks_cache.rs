//! The issuers' JWKS (RFC 7517 §5), kept in the isolate to verify id_tokens at sign-in and after a
//! refresh: at most 16 JWKS, each for an hour. An unknown `kid` refetches a JWKS at most once per
//! 30 s; callers that arrive while a fetch of it runs wait for that fetch instead of sending their
//! own, and an unknown `kid` within the cool-down is refused without a request (issue 21).

use crate::http;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use tsunagi_core::id_token::JwsAlgorithm;
use tsunagi_core::{jwks, Error, ErrorCode, HttpRequest, Method, Result};
use worker::Delay;

/// How long a JWKS is kept, and how often an unknown `kid` may refetch it.
const KEEP_MS: u64 = 3_600_000;
const REFETCH_COOLDOWN_MS: u64 = 30_000;
const MAX_CACHED: usize = 16;
/// How often a caller waiting for another's fetch looks again.
const POLL_MS: u64 = 20;

#[derive(Default)]
struct Entry {
    uri: String,
    /// The document and when it was fetched (ms since the epoch).
    text: Option<(Rc<str>, u64)>,
    /// A fetch in flight, since when.
    fetching_since: Option<u64>,
    /// The last refetch for an unknown `kid`.
    refetched_at: Option<u64>,
}

thread_local! {
    // Not behind a future shared between requests: workerd ties a fetch to the request that made
    // it, so other callers share its result through this table instead.
    static CACHE: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

fn now_ms() -> u64 {
    crate::now().as_millis()
}

/// Runs `f` on `uri`'s entry (created, most recently used first, at most [`MAX_CACHED`]).
fn with_entry<T>(uri: &str, f: impl FnOnce(&mut Entry) -> T) -> T {
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        let entry = match c.iter().position(|e| e.uri == uri) {
            Some(i) => c.remove(i),
            None => Entry { uri: uri.to_owned(), ..Entry::default() },
        };
        c.insert(0, entry);
        c.truncate(MAX_CACHED);
        let first = c.first_mut();
        match first {
            Some(e) => f(e),
            None => f(&mut Entry::default()),
        }
    })
}

/// The public JWK (JSON text) that verifies an `alg` signature under `kid`, from the JWKS at
/// `uri`: the cached document, else fetched within `timeout_ms`; refetched once when no key fits
/// unless it was refetched less than 30 s ago ([`ErrorCode::JwkNotFound`] then, without a request).
pub async fn key(uri: &str, timeout_ms: u64, alg: JwsAlgorithm, kid: Option<&str>) -> Result<String> {
    let text = document(uri, timeout_ms, false).await?;
    if let Some(k) = jwks::select_jwk(&text, alg, kid)? {
        return Ok(k);
    }
    let now = now_ms();
    let refetch = with_entry(uri, |e| {
        let due = e.refetched_at.is_none_or(|at| now.saturating_sub(at) >= REFETCH_COOLDOWN_MS);
        if due {
            e.refetched_at = Some(now);
        }
        due
    });
    let text = document(uri, timeout_ms, refetch).await?;
    jwks::select_jwk(&text, alg, kid)?.ok_or_else(jwks::no_key)
}

/// The JWKS document: another caller's fetch in flight is waited for; then the cached one unless
/// `refresh` or older than an hour; else one fetch.
async fn document(uri: &str, timeout_ms: u64, refresh: bool) -> Result<Rc<str>> {
    let started = now_ms();
    loop {
        let now = now_ms();
        let (fetching, cached) =
            with_entry(uri, |e| (e.fetching_since.is_some_and(|t| now.saturating_sub(t) <= timeout_ms), e.text.as_ref().map(|(t, at)| (Rc::clone(t), *at))));
        if fetching && now.saturating_sub(started) <= timeout_ms {
            Delay::from(Duration::from_millis(POLL_MS)).await;
            continue;
        }
        // a fetch that finished while this caller waited is the one it wanted
        let fresh = cached.filter(|(_, at)| if refresh { *at >= started } else { now.saturating_sub(*at) < KEEP_MS });
        if let Some((text, _)) = fresh {
            return Ok(text);
        }
        return fetch(uri, timeout_ms).await;
    }
}

async fn fetch(uri: &str, timeout_ms: u64) -> Result<Rc<str>> {
    with_entry(uri, |e| e.fetching_since = Some(now_ms()));
    let request = HttpRequest { method: Method::Get, url: uri.to_owned(), headers: vec![("accept".into(), "application/json".into())], body: None };
    let result = async {
        let answer = http::send_head(&request, timeout_ms).await?.read(timeout_ms).await?;
        if answer.status != 200 {
            return Err(Error::new(ErrorCode::JwksInvalid, "the issuer's JWKS could not be read").with_status(answer.status));
        }
        jwks::select_jwk(&answer.body, JwsAlgorithm::Rs256, None)?; // a JWKS at all, else jwks_invalid (nothing kept)
        Ok(Rc::<str>::from(answer.body))
    }
    .await;
    with_entry(uri, |e| {
        e.fetching_since = None;
        if let Ok(text) = &result {
            e.text = Some((Rc::clone(text), now_ms()));
        }
    });
    result
}
