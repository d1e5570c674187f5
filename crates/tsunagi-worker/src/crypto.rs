//! AES-256-GCM for data at rest and in the sign-in cookie, through the runtime's WebCrypto
//! (`crypto.subtle`): no cipher code in the wasm. The key is [`SessionKeys::storage`] (derived
//! from `SESSION_KEY`); each blob gets a fresh 96-bit IV and is bound by the additional data to
//! the key, the object and the record it was written for ([`SessionKeys::record_aad`]), so a
//! ciphertext moved to another object or slot does not open.
//!
//! Blob format: `v2.{key id}.` + base64url(IV ‖ ciphertext ‖ tag). Records of format `v1` (bound
//! to the record name only) are not opened: they are dropped, and their session signs in again.

use crate::bff::SessionKeys;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use tsunagi_core::base64url;
use tsunagi_core::json::{Json, JsonObject};
use tsunagi_core::{Error, ErrorCode, Result};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = importKey, catch)]
    fn import_key(format: &str, key: &Uint8Array, algorithm: &str, extractable: bool, usages: &Array) -> std::result::Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = encrypt, catch)]
    fn subtle_encrypt(algorithm: &Object, key: &JsValue, data: &Uint8Array) -> std::result::Result<Promise, JsValue>;
    #[wasm_bindgen(js_namespace = ["crypto", "subtle"], js_name = decrypt, catch)]
    fn subtle_decrypt(algorithm: &Object, key: &JsValue, data: &Uint8Array) -> std::result::Result<Promise, JsValue>;
}

thread_local! {
    // The imported CryptoKey, per isolate, with the raw key it came from.
    static KEY: RefCell<Option<([u8; 32], JsValue)>> = const { RefCell::new(None) };
}

fn crypto_error(what: &str) -> Error {
    Error::new(ErrorCode::InvalidConfig, format!("WebCrypto {what} failed"))
}

async fn key(keys: &SessionKeys) -> Result<JsValue> {
    if let Some(k) = KEY.with(|c| c.borrow().as_ref().filter(|(raw, _)| *raw == keys.storage).map(|(_, k)| k.clone())) {
        return Ok(k);
    }
    let usages = Array::of2(&JsValue::from_str("encrypt"), &JsValue::from_str("decrypt"));
    let promise = import_key("raw", &Uint8Array::from(&keys.storage[..]), "AES-GCM", false, &usages).map_err(|_| crypto_error("importKey"))?;
    let k = JsFuture::from(promise).await.map_err(|_| crypto_error("importKey"))?;
    KEY.with(|c| *c.borrow_mut() = Some((keys.storage, k.clone())));
    Ok(k)
}

fn params(iv: &[u8], aad: &str) -> Result<Object> {
    let o = Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&o, &JsValue::from_str(k), v).map(|_| ()).map_err(|_| crypto_error("parameters"));
    set("name", &JsValue::from_str("AES-GCM"))?;
    set("iv", &Uint8Array::from(iv).into())?;
    set("additionalData", &Uint8Array::from(aad.as_bytes()).into())?;
    Ok(o)
}

/// Encrypts `plaintext` for the slot whose associated data is `aad`.
pub async fn seal(keys: &SessionKeys, aad: &str, plaintext: &str) -> Result<String> {
    let mut iv = [0u8; 12];
    getrandom::fill(&mut iv).map_err(|_| crypto_error("getRandomValues"))?;
    let k = key(keys).await?;
    let promise = subtle_encrypt(&params(&iv, aad)?, &k, &Uint8Array::from(plaintext.as_bytes())).map_err(|_| crypto_error("encrypt"))?;
    let ct = JsFuture::from(promise).await.map_err(|_| crypto_error("encrypt"))?;
    let mut out = iv.to_vec();
    out.extend(Uint8Array::new(&ct).to_vec());
    Ok(format!("v2.{}.{}", keys.key_id, base64url::encode(&out)))
}

/// A stored record as Durable Object storage holds it: the blob from [`seal`], and its expiry in
/// clear (ms since the epoch) so an alarm can clean up without decrypting (docs/storage.md).
pub struct Sealed {
    /// When the record stops being needed.
    pub exp: u64,
    /// `v2.{key id}.{…}` from [`seal`].
    pub blob: String,
}

impl Sealed {
    /// The stored form, `{"exp": ms, "blob": "v2.…"}` ([`crate::stored`]).
    pub fn to_json(&self) -> Json {
        let mut o = JsonObject::new();
        o.insert("exp", self.exp);
        o.insert("blob", self.blob.as_str());
        Json::from(o)
    }

    /// Read back from its stored form (`None`: not a sealed record).
    pub fn from_json(v: &Json) -> Option<Sealed> {
        let o = v.as_object()?;
        Some(Sealed { exp: o.get("exp")?.as_u64()?, blob: o.get_str("blob")?.to_owned() })
    }
}

/// Why a sealed blob did not open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenError {
    /// Sealed under another `SESSION_KEY` (its key id differs), or in the old `v1` format.
    OtherKey,
    /// The key matches but the blob is not for this object and record, or was altered.
    NotForThisSlot,
}

impl OpenError {
    /// The error a caller answers with: the session must sign in again.
    pub fn to_error(self) -> Error {
        Error::new(
            ErrorCode::SessionMissing,
            match self {
                OpenError::OtherKey => "stored session data was sealed under another SESSION_KEY and was dropped: sign in again",
                OpenError::NotForThisSlot => "stored session data does not belong to this session (moved or altered) and was dropped: sign in again",
            },
        )
    }
}

/// Decrypts a blob from [`seal`] for the same slot. Another key, another object or record, or a
/// tampered blob fails, saying which of the first two it was.
pub async fn open(keys: &SessionKeys, aad: &str, blob: &str) -> std::result::Result<String, OpenError> {
    let bad = || OpenError::NotForThisSlot;
    let rest = blob.strip_prefix("v2.").ok_or(OpenError::OtherKey)?;
    let (kid, body) = rest.split_once('.').ok_or_else(bad)?;
    if kid != keys.key_id {
        return Err(OpenError::OtherKey);
    }
    let raw = base64url::decode(body).map_err(|_| bad())?;
    let (iv, ct) = (raw.get(..12).ok_or_else(bad)?, raw.get(12..).ok_or_else(bad)?);
    let k = key(keys).await.map_err(|_| bad())?;
    let promise = subtle_decrypt(&params(iv, aad).map_err(|_| bad())?, &k, &Uint8Array::from(ct)).map_err(|_| bad())?;
    let pt = JsFuture::from(promise).await.map_err(|_| bad())?;
    String::from_utf8(Uint8Array::new(&pt).to_vec()).map_err(|_| bad())
}
