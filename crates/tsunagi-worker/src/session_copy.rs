//! The isolate's short-lived copies of two answers of a session's object — a connection's access
//! token and the connections the session is signed in to — so that most proxied calls make no
//! hop to the object. Kept at most `SESSION_CACHE_SECS` (docs/security.md), never past the
//! token's own expiry, and forgotten at once when this isolate sees the session change.

use crate::now;
use crate::session::LEEWAY_SECS;
use std::cell::RefCell;
use tsunagi_core::json::Json;

/// How many answers an isolate keeps (most recent first): a bound on memory whatever the number
/// of sessions.
const SLOTS: usize = 256;

struct Copy {
    /// The session id (from a verified cookie).
    session: String,
    /// The operation as sent (its JSON text): the same question gets the same answer.
    op: String,
    /// When the object answered, ms.
    at: u64,
    answer: Json,
}

/// What the isolate has seen change: (session, the change's number), most recent first, and the
/// number of the newest change no longer listed (an answer asked for before it is not kept).
#[derive(Default)]
struct Changes {
    seen: Vec<(String, u64)>,
    last: u64,
    floor: u64,
}

thread_local! {
    static COPIES: RefCell<Vec<Copy>> = const { RefCell::new(Vec::new()) };
    static CHANGES: RefCell<Changes> = RefCell::new(Changes::default());
}

/// The number of the last change seen: taken before asking the object, given back to [`keep`].
pub fn asked() -> u64 {
    CHANGES.with(|c| c.borrow().last)
}

/// The copy of the answer to `op` for `session`, if taken under `ttl_ms` ago and, for a token,
/// still fresh.
pub fn get(session: &str, op: &str, ttl_ms: u64) -> Option<Json> {
    let at = now().as_millis();
    COPIES.with(|c| {
        c.borrow()
            .iter()
            .find(|k| k.session == session && k.op == op)
            .filter(|k| at.saturating_sub(k.at) < ttl_ms && usable(&k.answer, at))
            .map(|k| k.answer.clone())
    })
}

/// Keeps `answer` to `op` for `session`, asked at change number `asked` ([`asked`]) — unless the
/// session changed since (a sign-out seen while the object answered is never undone by its
/// answer).
pub fn keep(session: &str, op: &str, answer: &Json, asked: u64) {
    let at = now().as_millis();
    let changed = CHANGES.with(|c| {
        let c = c.borrow();
        asked < c.floor || c.seen.iter().any(|(s, n)| s == session && *n > asked)
    });
    if changed || !usable(answer, at) {
        return;
    }
    COPIES.with(|c| {
        let mut c = c.borrow_mut();
        c.retain(|k| !(k.session == session && k.op == op));
        c.insert(0, Copy { session: session.to_owned(), op: op.to_owned(), at, answer: answer.clone() });
        c.truncate(SLOTS);
    });
}

/// Forgets every copy for `session`: it signed out, signed in again, refreshed or moved.
pub fn forget(session: &str) {
    COPIES.with(|c| c.borrow_mut().retain(|k| k.session != session));
    CHANGES.with(|c| {
        let mut c = c.borrow_mut();
        c.last = c.last.wrapping_add(1);
        let n = c.last;
        c.seen.retain(|(s, _)| s != session);
        c.seen.insert(0, (session.to_owned(), n));
        if c.seen.len() > SLOTS {
            if let Some((_, dropped)) = c.seen.pop() {
                c.floor = c.floor.max(dropped);
            }
        }
    });
}

/// A token answer is usable while its access token is fresh (the same leeway as the object's);
/// other answers (the signed-in list) have no expiry of their own.
fn usable(answer: &Json, at: u64) -> bool {
    match answer.as_object().and_then(|o| o.get("access_token").map(|_| o.get("expires_at"))) {
        None => true,
        Some(exp) => exp.and_then(Json::as_u64).is_some_and(|exp| exp > at.saturating_add(LEEWAY_SECS * 1000)),
    }
}
