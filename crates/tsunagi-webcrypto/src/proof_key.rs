//! The DPoP proof key (RFC 9449) held by WebCrypto: an ECDSA P-256 key pair generated
//! **non-extractable** (`generateKey(…, false, ["sign", "verify"])`: the private key cannot leave
//! the runtime, though a page may keep the `CryptoKeyPair` itself in IndexedDB by structured
//! clone), its public half exported as a JWK for the proofs' header, and ES256 signatures, which
//! WebCrypto returns as raw `r || s` (64 bytes, WebCrypto §23.4 "ECDSA" sign; RFC 7518 §3.4's form).
//! A server runtime that must keep its key across restarts (the Worker's Durable Objects) makes
//! one [`WebCryptoProofKey::generate_sealable`]: its private JWK is exported once, to be sealed by
//! the caller, and the key that signs is a non-extractable re-import ([`WebCryptoProofKey::from_private_jwk`]).

use crate::subtle::subtle;
use js_sys::{Array, Object, Reflect, Uint8Array, JSON};
use tsunagi_core::dpop::{PrivateJwk, PublicJwk};
use tsunagi_core::{Error, ErrorCode, Result};
use tsunagi_flows::dpop::ProofKey;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, CryptoKey};

/// A DPoP key: the private `CryptoKey` (sign only) and the public JWK.
#[derive(Clone, Debug)]
pub struct WebCryptoProofKey {
    private: CryptoKey,
    jwk: PublicJwk,
}

fn failed(what: &str) -> Error {
    Error::new(ErrorCode::UnsupportedAlgorithm, format!("the DPoP key could not be {what} with WebCrypto (ECDSA P-256)"))
}

fn object(json: &str) -> Result<Object> {
    JSON::parse(json).ok().and_then(|v| v.dyn_into::<Object>().ok()).ok_or_else(|| failed("described"))
}

/// The ECDSA P-256 algorithm of every DPoP key (WebCrypto's `EcKeyGenParams`/`EcKeyImportParams`).
fn p256() -> Result<Object> {
    object(r#"{"name":"ECDSA","namedCurve":"P-256"}"#)
}

/// A new ECDSA P-256 key pair (a `CryptoKeyPair`) for signing: a page keeps it as it is, so its
/// private key is not `extractable`; only [`WebCryptoProofKey::generate_sealable`] makes one that is.
pub async fn generate_pair(extractable: bool) -> Result<JsValue> {
    let usages = Array::of2(&JsValue::from_str("sign"), &JsValue::from_str("verify"));
    let promise = subtle()?.generate_key_with_object(&p256()?, extractable, &usages).map_err(|_| failed("generated"))?;
    JsFuture::from(promise).await.map_err(|_| failed("generated"))
}

fn json_text(v: &JsValue) -> Result<String> {
    JSON::stringify(v).ok().and_then(|s| s.as_string()).ok_or_else(|| failed("exported"))
}

impl WebCryptoProofKey {
    /// A new ECDSA P-256 key to keep sealed: generated extractable, its private JWK exported once
    /// (answered, for the caller to seal), and the key that signs re-imported from it
    /// **non-extractable** ([`Self::from_private_jwk`]).
    pub async fn generate_sealable() -> Result<(PrivateJwk, Self)> {
        let pair = generate_pair(true).await?;
        let private =
            Reflect::get(&pair, &JsValue::from_str("privateKey")).ok().and_then(|k| k.dyn_into::<CryptoKey>().ok()).ok_or_else(|| failed("generated"))?;
        let exported = JsFuture::from(subtle()?.export_key("jwk", &private).map_err(|_| failed("exported"))?).await.map_err(|_| failed("exported"))?;
        let jwk = PrivateJwk::new(json_text(&exported)?);
        let key = Self::from_private_jwk(&jwk).await?;
        Ok((jwk, key))
    }

    /// The key of a private JWK ([`Self::generate_sealable`]'s): imported for signing only and
    /// not extractable; the public JWK is its `x` and `y`.
    pub async fn from_private_jwk(jwk: &PrivateJwk) -> Result<Self> {
        let parsed = object(jwk.expose()).map_err(|_| failed("read back"))?;
        let member = |name: &str| Reflect::get(&parsed, &JsValue::from_str(name)).ok().and_then(|v| v.as_string());
        let (Some(x), Some(y)) = (member("x"), member("y")) else { return Err(failed("read back")) };
        let jwk_public = PublicJwk::new(&x, &y)?;
        let usages = Array::of1(&JsValue::from_str("sign"));
        // only the private members' object: key_ops from the export would name "sign" already
        let _ = Reflect::delete_property(&parsed, &JsValue::from_str("key_ops"));
        let promise = subtle()?.import_key_with_object("jwk", &parsed, &p256()?, false, &usages).map_err(|_| failed("read back"))?;
        let private = JsFuture::from(promise).await.map_err(|_| failed("read back"))?.dyn_into::<CryptoKey>().map_err(|_| failed("read back"))?;
        Ok(WebCryptoProofKey { private, jwk: jwk_public })
    }

    /// The key of a `CryptoKeyPair` ([`generate_pair`]'s, or one read back from IndexedDB): an
    /// ECDSA P-256 pair whose private key signs and is not extractable.
    pub async fn from_pair(pair: &JsValue) -> Result<Self> {
        let member = |name: &str| Reflect::get(pair, &JsValue::from_str(name)).ok().and_then(|k| k.dyn_into::<CryptoKey>().ok());
        let (Some(private), Some(public)) = (member("privateKey"), member("publicKey")) else {
            return Err(Error::new(ErrorCode::InvalidParameter, "a DPoP key is a CryptoKeyPair"));
        };
        if private.extractable() {
            return Err(Error::new(ErrorCode::InvalidParameter, "a DPoP private key must not be extractable"));
        }
        let exported = JsFuture::from(subtle()?.export_key("jwk", &public).map_err(|_| failed("exported"))?).await.map_err(|_| failed("exported"))?;
        Ok(WebCryptoProofKey { private, jwk: PublicJwk::from_jwk_json(&json_text(&exported)?)? })
    }
}

impl ProofKey for WebCryptoProofKey {
    fn public_jwk(&self) -> &PublicJwk {
        &self.jwk
    }

    async fn sign(&self, input: &[u8]) -> Result<Vec<u8>> {
        let algorithm = object(r#"{"name":"ECDSA","hash":"SHA-256"}"#)?;
        // WebCrypto copies the bytes when called (WebCrypto §14.3.4): a view of wasm memory is fine
        let promise = subtle()?.sign_with_object_and_u8_array(&algorithm, &self.private, input).map_err(|_| failed("used"))?;
        let signature = JsFuture::from(promise).await.map_err(|_| failed("used"))?;
        Ok(Uint8Array::new(&signature).to_vec())
    }

    fn jti_entropy(&self) -> Result<[u8; 16]> {
        let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok().filter(|c| c.is_object()).ok_or_else(|| failed("used"))?;
        let mut out = [0u8; 16];
        crypto.unchecked_into::<Crypto>().get_random_values_with_u8_array(&mut out).map_err(|_| failed("used"))?;
        Ok(out)
    }
}
