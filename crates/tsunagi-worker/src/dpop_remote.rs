//! The isolate's DPoP key for API calls (RFC 9449 §7): the public JWK came with the token, and
//! each proof is signed by the object that holds the private key (`SignProof`, one operation per
//! proof: docs/scaling.md), so the key never reaches the isolate. The servers' nonces are the
//! isolate's (one book per isolate, RFC 9449 §9).

use crate::bff::SessionKeys;
use crate::dpop_key::{RemoteSigner, WorkerKey};
use crate::messages::{HeldOp, SessionOp, SignAnswer};
use crate::objects::{call_held, call_session, held_stub};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use tsunagi_core::dpop::{NonceBook, PublicJwk};
use tsunagi_core::{Error, ErrorCode, Result};
use worker::Env;

/// The object that holds a connection's key.
pub enum Owner<'a> {
    /// A session's object (its id) for a session connection.
    Session(&'a Env, &'a SessionKeys, &'a str),
    /// A held connection's object (its name).
    Held(&'a Env, &'a str),
}

/// Asks the owning object to sign a proof of its key.
struct ObjectSigner<'a> {
    owner: Owner<'a>,
    connection: &'a str,
}

impl ObjectSigner<'_> {
    async fn signature(&self, input: &[u8]) -> Result<Vec<u8>> {
        let input = String::from_utf8(input.to_vec()).map_err(|_| Error::new(ErrorCode::InvalidParameter, "a proof's signing input is ASCII"))?;
        let connection = self.connection.to_owned();
        let answer: SignAnswer = match self.owner {
            Owner::Session(env, keys, sid) => call_session(env, keys, sid, &SessionOp::SignProof { connection, input }).await?,
            Owner::Held(env, object) => call_held(&held_stub(env, object)?, &HeldOp::SignProof { connection, input }).await?,
        };
        Ok(answer.signature)
    }
}

impl RemoteSigner for ObjectSigner<'_> {
    fn sign<'s>(&'s self, input: &'s [u8]) -> Pin<Box<dyn Future<Output = Result<Vec<u8>>> + 's>> {
        Box::pin(self.signature(input))
    }
}

thread_local! {
    static NONCES: Rc<RefCell<NonceBook>> = Rc::new(RefCell::new(NonceBook::new()));
}

/// The isolate's resource-server nonces (at most 16 origins, most recent first).
pub fn nonces() -> Rc<RefCell<NonceBook>> {
    NONCES.with(Rc::clone)
}

/// The key of a token answer: a `DPoP` token with its object's public JWK, signed by `owner`;
/// `None` for Bearer.
pub fn bound_key<'a>(token_type: &str, jwk: Option<PublicJwk>, owner: Owner<'a>, connection: &'a str) -> Result<Option<WorkerKey<'a>>> {
    if !tsunagi_core::dpop::is_dpop_token_type(token_type) {
        return Ok(None);
    }
    let jwk = jwk.ok_or_else(|| Error::new(ErrorCode::Transport, "a DPoP-bound token came without its key"))?;
    Ok(Some(WorkerKey::Remote { jwk, signer: Box::new(ObjectSigner { owner, connection }) }))
}
