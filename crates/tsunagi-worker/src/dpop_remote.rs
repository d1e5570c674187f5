//! The isolate's DPoP key for API calls (RFC 9449 §7): the public JWK came with the token, and
//! each proof is signed by the object that holds the private key (`SignProof`, one operation per
//! proof: docs/scaling.md), so the key never reaches the isolate. The servers' nonces are the
//! isolate's (one book per isolate, RFC 9449 §9).

use crate::bff::SessionKeys;
use crate::messages::{HeldOp, SessionOp, SignAnswer};
use crate::objects::{call_held, call_session, held_stub};
use std::cell::RefCell;
use std::rc::Rc;
use tsunagi_core::dpop::{NonceBook, PublicJwk};
use tsunagi_core::{Error, ErrorCode, Result};
use tsunagi_flows::dpop::ProofKey;
use worker::Env;

/// The object that holds a connection's key.
pub enum Owner<'a> {
    /// A session's object (its id) for a session connection.
    Session(&'a Env, &'a SessionKeys, &'a str),
    /// A held connection's object (its name).
    Held(&'a Env, &'a str),
}

/// A key whose proofs its owning object signs.
pub struct RemoteKey<'a> {
    /// The public half, from the token's answer.
    pub jwk: PublicJwk,
    /// Who signs.
    pub owner: Owner<'a>,
    /// Which connection's key.
    pub connection: &'a str,
}

impl ProofKey for RemoteKey<'_> {
    fn public_jwk(&self) -> &PublicJwk {
        &self.jwk
    }

    async fn sign(&self, input: &[u8]) -> Result<Vec<u8>> {
        let input = String::from_utf8(input.to_vec()).map_err(|_| Error::new(ErrorCode::InvalidParameter, "a proof's signing input is ASCII"))?;
        let connection = self.connection.to_owned();
        let answer: SignAnswer = match self.owner {
            Owner::Session(env, keys, sid) => call_session(env, keys, sid, &SessionOp::SignProof { connection, input }).await?,
            Owner::Held(env, object) => call_held(&held_stub(env, object)?, &HeldOp::SignProof { connection, input }).await?,
        };
        Ok(answer.signature)
    }

    fn jti_entropy(&self) -> Result<[u8; 16]> {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|_| Error::new(ErrorCode::InvalidConfig, "no random source"))?;
        Ok(b)
    }
}

thread_local! {
    static NONCES: Rc<RefCell<NonceBook>> = Rc::new(RefCell::new(NonceBook::new()));
}

/// The isolate's resource-server nonces (at most 16 origins, most recent first).
pub fn nonces() -> Rc<RefCell<NonceBook>> {
    NONCES.with(Rc::clone)
}

/// The key of a token answer: a `DPoP` token with its object's public JWK; `None` for Bearer.
pub fn bound_key<'a>(token_type: &str, jwk: Option<&str>, owner: Owner<'a>, connection: &'a str) -> Result<Option<RemoteKey<'a>>> {
    if !tsunagi_core::dpop::is_dpop_token_type(token_type) {
        return Ok(None);
    }
    let jwk = jwk.ok_or_else(|| Error::new(ErrorCode::Transport, "a DPoP-bound token came without its key"))?;
    Ok(Some(RemoteKey { jwk: PublicJwk::from_jwk_json(jwk)?, owner, connection }))
}
