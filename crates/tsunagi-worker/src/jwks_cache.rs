//! The isolate's JWKS cache (RFC 7517 §5) for verifying id_tokens at sign-in and after a refresh:
//! the shared one of `tsunagi_flows::id_token` (16 JWKS, an hour each, an unknown `kid` refetching
//! at most once per 30 s, callers arriving during a fetch waiting for it), kept per isolate.

use std::rc::Rc;
use tsunagi_flows::documents::DocumentCache;

thread_local! {
    static CACHE: Rc<DocumentCache> = Rc::new(tsunagi_flows::id_token::jwks_cache());
}

/// This isolate's JWKS cache.
pub fn cache() -> Rc<DocumentCache> {
    CACHE.with(Rc::clone)
}
