//! A connection's DPoP key (RFC 9449) in the Durable Object that owns its tokens: made inside the
//! object (WebCrypto, extractable only long enough to export its private JWK once), sealed in the
//! object's storage as its token sets are (`crypto.rs`: AAD bound to the object id and the record
//! name), signing through a non-extractable re-import kept in the object's memory, and forgotten
//! with the tokens. The object signs only DPoP proofs of its own key ([`crate::dpop_proof`]).

use crate::dpop_proof::check_signing_input;
use crate::messages::SignAnswer;
use crate::now;
use crate::sealed::Place;
use crate::stored::storage_error;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use tsunagi_core::dpop::{NonceBook, PrivateJwk, PublicJwk};
use tsunagi_core::{Error, ErrorCode, Result, Timestamp};
use tsunagi_flows::dpop::{DpopTransport, ProofKey};
use tsunagi_webcrypto::WebCryptoProofKey;
use worker::Storage;

/// A key made and not stored yet (a sign-in's exchange keeps it only if it succeeds).
pub struct NewKey {
    /// The private JWK, to seal.
    pub jwk: PrivateJwk,
    /// The signing key.
    pub key: WebCryptoProofKey,
}

/// A new key: its private JWK (to seal) and its non-extractable signing key.
pub async fn make() -> Result<NewKey> {
    let (jwk, key) = WebCryptoProofKey::generate_sealable().await?;
    Ok(NewKey { jwk, key })
}

/// An object's DPoP keys by record name, loaded from storage on first use, and the servers'
/// nonces for its token requests (RFC 9449 §8).
#[derive(Default)]
pub struct ObjectKeys {
    memory: RefCell<HashMap<String, WebCryptoProofKey>>,
    /// The token endpoints' latest nonces.
    pub nonces: RefCell<NonceBook>,
}

impl ObjectKeys {
    /// The key of `record`, from memory or its sealed record; `None` when there is none (or its
    /// record does not open here: it is deleted, and the tokens bound to it are of no use).
    pub async fn get(&self, place: &Place<'_>, record: &str) -> Result<Option<WebCryptoProofKey>> {
        if let Some(k) = self.memory.borrow().get(record) {
            return Ok(Some(k.clone()));
        }
        let Some(jwk) = self.private_jwk(place, record).await? else { return Ok(None) };
        let key = WebCryptoProofKey::from_private_jwk(&jwk).await?;
        // another request may have loaded or made it meanwhile: the first one wins
        Ok(Some(self.memory.borrow_mut().entry(record.to_owned()).or_insert(key).clone()))
    }

    /// The key of `record`, made and sealed now if there is none. Two callers that both find none
    /// end with one key: the first made is in memory before anything else is awaited, and the
    /// other takes it.
    pub async fn get_or_make(&self, place: &Place<'_>, record: &str, exp: Timestamp) -> Result<WebCryptoProofKey> {
        if let Some(k) = self.get(place, record).await? {
            return Ok(k);
        }
        let made = make().await?;
        if let Some(k) = self.memory.borrow().get(record) {
            return Ok(k.clone());
        }
        self.memory.borrow_mut().insert(record.to_owned(), made.key.clone());
        if let Err(e) = place.seal(record, exp, made.jwk.expose()).await {
            self.memory.borrow_mut().remove(record);
            return Err(e);
        }
        Ok(made.key)
    }

    /// The sealed private JWK of `record` (also for a move to another object); one that does
    /// not open here is deleted and reads as absent.
    pub async fn private_jwk(&self, place: &Place<'_>, record: &str) -> Result<Option<PrivateJwk>> {
        Ok(place.open(record).await?.into_text().map(PrivateJwk::new))
    }

    /// Seals `jwk` as `record` (replacing any) and keeps `key` in memory.
    pub async fn keep(&self, place: &Place<'_>, record: &str, jwk: PrivateJwk, key: WebCryptoProofKey, exp: Timestamp) -> Result<()> {
        place.seal(record, exp, jwk.expose()).await?;
        self.memory.borrow_mut().insert(record.to_owned(), key);
        Ok(())
    }

    /// Keeps a key that came from another object (its private JWK, sealed here anew).
    pub async fn adopt(&self, place: &Place<'_>, record: &str, jwk: PrivateJwk, exp: Timestamp) -> Result<()> {
        let key = WebCryptoProofKey::from_private_jwk(&jwk).await?;
        self.keep(place, record, jwk, key, exp).await
    }

    /// Deletes `record`'s key.
    pub async fn forget(&self, storage: &Storage, record: &str) -> Result<()> {
        self.memory.borrow_mut().remove(record);
        storage.delete(record).await.map_err(|_| storage_error()).map(|_| ())
    }

    /// Forgets every key in memory (the storage was emptied).
    pub fn clear(&self) {
        self.memory.borrow_mut().clear();
    }
}

/// The signature of `input` by `key`, if it is a DPoP proof of that key made now.
pub async fn sign(key: &WebCryptoProofKey, input: &str) -> Result<SignAnswer> {
    check_signing_input(input, key.public_jwk(), now())?;
    Ok(SignAnswer { signature: key.sign(input.as_bytes()).await? })
}

/// How an isolate has a proof signed by the object that holds the key: one operation to that
/// object ([`crate::dpop_remote`]).
pub trait RemoteSigner {
    /// The owning object's signature of `input` (raw `r || s`).
    fn sign<'s>(&'s self, input: &'s [u8]) -> Pin<Box<dyn Future<Output = Result<Vec<u8>>> + 's>>;
}

/// The Worker's one DPoP key type: an object's own key, or — in an isolate — the public half of a
/// key whose owning object signs. One type, so the flows' [`DpopTransport`] is compiled once for
/// both (BENCHMARKS.md §7: a second instance cost 1.2 KB gzip).
pub enum WorkerKey<'a> {
    /// The object's own key.
    Local(WebCryptoProofKey),
    /// A key held by another object: its public JWK (from the token's answer) and who signs.
    Remote {
        /// The public half.
        jwk: PublicJwk,
        /// The owning object, asked for each signature.
        signer: Box<dyn RemoteSigner + 'a>,
    },
}

impl WorkerKey<'_> {
    /// An object's own key, for [`proving`].
    pub fn local(key: Option<&WebCryptoProofKey>) -> Option<WorkerKey<'static>> {
        key.cloned().map(WorkerKey::Local)
    }
}

impl ProofKey for WorkerKey<'_> {
    fn public_jwk(&self) -> &PublicJwk {
        match self {
            WorkerKey::Local(k) => k.public_jwk(),
            WorkerKey::Remote { jwk, .. } => jwk,
        }
    }

    async fn sign(&self, input: &[u8]) -> Result<Vec<u8>> {
        match self {
            WorkerKey::Local(k) => k.sign(input).await,
            WorkerKey::Remote { signer, .. } => signer.sign(input).await,
        }
    }

    fn jti_entropy(&self) -> Result<[u8; 16]> {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|_| Error::new(ErrorCode::InvalidConfig, "no random source"))?;
        Ok(b)
    }
}

/// `inner` proving with `key` (none: unchanged), the nonces given, the Worker's clock.
pub fn proving<'a, 'k, T>(
    inner: &'a T,
    key: Option<&'a WorkerKey<'k>>,
    nonces: &'a RefCell<NonceBook>,
) -> DpopTransport<'a, T, WorkerKey<'k>, crate::runtime::WorkerClock> {
    DpopTransport { inner, key, nonces, clock: &crate::runtime::WorkerClock }
}
