//! A Durable Object's sealed records (docs/storage.md): a plaintext sealed under the deployment's
//! keys with associated data naming the object and the record (`crypto.rs`), stored as
//! `{exp, blob}` with its expiry in clear. One reader and writer for the session object, the held
//! connection's object and their DPoP keys; a record that does not open here is deleted.

use crate::bff::SessionKeys;
use crate::crypto::{self, OpenError, Sealed};
use crate::stored;
use crate::stored::storage_error;
use tsunagi_core::{Result, Timestamp};
use worker::Storage;

/// Where an object keeps its sealed records: its storage, the deployment's keys and its id (the
/// associated data names it).
pub struct Place<'a> {
    /// The object's storage.
    pub storage: Storage,
    /// The sealing keys.
    pub keys: SessionKeys,
    /// The object's id.
    pub object_id: &'a str,
}

/// What [`Place::open`] found at a record.
pub enum Found {
    /// No record.
    Nothing,
    /// The record's expiry and plaintext.
    Open(Timestamp, String),
    /// A record that did not open here (moved from another object, altered, or sealed under
    /// another key): it was deleted.
    Dropped(OpenError),
}

impl Found {
    /// The plaintext, if the record opened.
    pub fn into_text(self) -> Option<String> {
        match self {
            Found::Open(_, text) => Some(text),
            Found::Nothing | Found::Dropped(_) => None,
        }
    }
}

impl Place<'_> {
    fn aad(&self, record: &str) -> String {
        self.keys.record_aad(self.object_id, record)
    }

    /// Seals `plaintext` as `record` (replacing any), to be cleaned up after `exp`.
    pub async fn seal(&self, record: &str, exp: Timestamp, plaintext: &str) -> Result<()> {
        let blob = crypto::seal(&self.keys, &self.aad(record), plaintext).await?;
        stored::put(&self.storage, record, &Sealed { exp: exp.as_millis(), blob }.to_json()).await
    }

    /// The record's plaintext; one that does not open here is deleted ([`Found::Dropped`]).
    pub async fn open(&self, record: &str) -> Result<Found> {
        let Some(s) = stored::get(&self.storage, record).await?.as_ref().and_then(Sealed::from_json) else { return Ok(Found::Nothing) };
        match crypto::open(&self.keys, &self.aad(record), &s.blob).await {
            Ok(text) => Ok(Found::Open(Timestamp::from_millis(s.exp), text)),
            Err(why) => {
                self.storage.delete(record).await.map_err(|_| storage_error())?;
                Ok(Found::Dropped(why))
            }
        }
    }
}
