//! The isolate's copy of each held connection's token and who asks its object for a new one:
//! one caller per isolate asks, the others wait for that answer (docs/scaling.md). Only
//! client-credentials tokens come here; an unattended grant is always read from its object.

use crate::messages::HeldToken;
use crate::now;
use crate::session::LEEWAY_SECS;
use std::cell::RefCell;

/// How many held tokens (and asks) an isolate keeps track of.
const SLOTS: usize = 16;

/// How often a caller waiting for another caller's ask looks at the isolate's copy again. The
/// waiter polls with its own timer rather than awaiting the asker's future: workerd runs a
/// continuation in the request whose event woke it, and one request cannot do I/O for another
/// ("Cannot perform I/O on behalf of a different request", `tests/worker/race.test.mjs`).
pub const ASK_POLL_MS: u64 = 5;

/// One ask under way: which object, its id, when it began (ms).
struct UnderWay {
    object: String,
    id: u64,
    began: u64,
}

/// The isolate's state: its copies (most recent first), the asks under way, the asks that ended
/// without a token, and the last ask id given.
#[derive(Default)]
struct Copies {
    tokens: Vec<(String, HeldToken)>,
    under_way: Vec<UnderWay>,
    failed: Vec<u64>,
    last_id: u64,
}

thread_local! {
    static COPIES: RefCell<Copies> = RefCell::new(Copies::default());
}

/// The isolate's token for `object`, if fresh and not the one that just failed (its fingerprint).
pub fn from_memory(object: &str, failed: Option<&str>) -> Option<HeldToken> {
    COPIES.with(|c| {
        c.borrow()
            .tokens
            .iter()
            .find(|(name, t)| {
                name == object && t.set.access_token_is_fresh(now(), LEEWAY_SECS) && failed.is_none_or(|fp| t.set.access_token.fingerprint() != fp)
            })
            .map(|(_, t)| t.clone())
    })
}

/// Remembers a token in the isolate.
pub fn remember(object: &str, tokens: &HeldToken) {
    COPIES.with(|c| {
        let mut c = c.borrow_mut();
        c.tokens.retain(|(name, _)| name != object);
        c.tokens.insert(0, (object.to_owned(), tokens.clone()));
        c.tokens.truncate(SLOTS);
    });
}

/// This isolate's ask of one held object; dropped (answered, failed or cancelled), it lets the
/// next caller ask. Unless marked [`Asking::answered`], its waiters then ask for themselves.
pub struct Asking {
    id: u64,
    answered: bool,
}

impl Asking {
    /// The object answered and its token is in the isolate's memory.
    pub fn answered(mut self) {
        self.answered = true;
    }
}

impl Drop for Asking {
    fn drop(&mut self) {
        COPIES.with(|c| {
            let mut c = c.borrow_mut();
            c.under_way.retain(|a| a.id != self.id);
            if !self.answered {
                c.failed.insert(0, self.id);
                c.failed.truncate(SLOTS);
            }
        });
    }
}

/// What a caller that needs a token from a held object does now.
pub enum Turn {
    /// Ask: no other caller of this isolate is asking (or its ask began over the bound ago).
    Ask(Asking),
    /// Wait [`ASK_POLL_MS`] and look at the memory again: the ask with this id is under way.
    Wait(u64),
    /// The ask waited on ended without a token: ask alone, holding nobody back (an error is not
    /// shared, and callers do not queue behind one another's failures).
    AskAlone,
}

/// Whose turn it is to ask `object`: `waited` is the ask this caller has been waiting on; an ask
/// begun over `stale_ms` ago no longer holds callers back.
pub fn turn(object: &str, waited: Option<u64>, stale_ms: u64) -> Turn {
    let at = now().as_millis();
    COPIES.with(|c| {
        let mut c = c.borrow_mut();
        if waited.is_some_and(|w| c.failed.contains(&w)) {
            return Turn::AskAlone;
        }
        if let Some(a) = c.under_way.iter().find(|a| a.object == object && at.saturating_sub(a.began) < stale_ms) {
            return Turn::Wait(a.id);
        }
        c.last_id = c.last_id.wrapping_add(1);
        let id = c.last_id;
        c.under_way.retain(|a| a.object != object);
        c.under_way.push(UnderWay { object: object.to_owned(), id, began: at });
        Turn::Ask(Asking { id, answered: false })
    })
}
