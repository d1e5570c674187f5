//! WebCrypto's `importKey` and `verify` for each JWS algorithm the core accepts (RFC 7518 §3.3-3.5,
//! RFC 8037): `crypto.subtle` from the global object, which is a `Window` in a page, a `Worker`
//! scope in a worker and neither in workerd, so it is read by name, not through `web_sys::window()`.

use js_sys::Reflect;
#[cfg(feature = "oidc")]
use js_sys::{Array, Object, JSON};
#[cfg(feature = "oidc")]
use tsunagi_core::id_token::JwsAlgorithm;
use tsunagi_core::{Error, ErrorCode, Result};
#[cfg(feature = "oidc")]
use tsunagi_flows::SignatureCheck;
use wasm_bindgen::{JsCast, JsValue};
#[cfg(feature = "oidc")]
use wasm_bindgen_futures::JsFuture;
#[cfg(feature = "oidc")]
use web_sys::CryptoKey;
use web_sys::{Crypto, SubtleCrypto};

/// The runtime's WebCrypto as the verifier's signature check.
#[cfg(feature = "oidc")]
#[derive(Clone, Copy, Debug, Default)]
pub struct WebCrypto;

/// `globalThis.crypto.subtle`, or `unsupported_algorithm` where there is none (a page that is
/// not a secure context).
pub(crate) fn subtle() -> Result<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok().filter(|c| c.is_object()).ok_or_else(no_webcrypto)?;
    let subtle = crypto.unchecked_into::<Crypto>().subtle();
    if subtle.is_object() {
        Ok(subtle)
    } else {
        Err(no_webcrypto())
    }
}

fn no_webcrypto() -> Error {
    Error::new(ErrorCode::UnsupportedAlgorithm, "WebCrypto (crypto.subtle) is not available here: a secure context is needed")
}

#[cfg(feature = "oidc")]
fn unusable_key() -> Error {
    Error::new(ErrorCode::IdTokenSignatureInvalid, "the id_token's key or signature could not be used")
}

#[cfg(feature = "oidc")]
/// What WebCrypto threw: `NotSupportedError` means this runtime lacks the algorithm (Ed25519 in
/// an older browser); anything else is a key it refuses.
fn thrown(alg: JwsAlgorithm, e: &JsValue) -> Error {
    let name = Reflect::get(e, &JsValue::from_str("name")).ok().and_then(|n| n.as_string());
    if name.as_deref() == Some("NotSupportedError") {
        let alg = match alg {
            JwsAlgorithm::Rs256 => "RS256",
            JwsAlgorithm::Ps256 => "PS256",
            JwsAlgorithm::Es256 => "ES256",
            JwsAlgorithm::EdDsa => "EdDSA",
        };
        return Error::new(ErrorCode::UnsupportedAlgorithm, format!("this runtime's WebCrypto cannot verify {alg}"));
    }
    unusable_key()
}

#[cfg(feature = "oidc")]
/// A JSON object (the JWK, an algorithm) as a JS object.
fn object(json: &str) -> Result<Object> {
    JSON::parse(json).ok().and_then(|v| v.dyn_into::<Object>().ok()).ok_or_else(unusable_key)
}

#[cfg(feature = "oidc")]
impl SignatureCheck for WebCrypto {
    async fn verify(&self, alg: JwsAlgorithm, jwk: &str, signing_input: &[u8], signature: &[u8]) -> Result<bool> {
        let subtle = subtle()?;
        let usages = Array::of1(&JsValue::from_str("verify"));
        let import = subtle.import_key_with_object("jwk", &object(jwk)?, &object(alg.webcrypto_import())?, false, &usages).map_err(|e| thrown(alg, &e))?;
        let key: CryptoKey = JsFuture::from(import).await.map_err(|e| thrown(alg, &e))?.unchecked_into();
        // WebCrypto copies the bytes when called (WebCrypto §14.3.4 step 3): views of wasm memory are fine
        let verify = subtle
            .verify_with_object_and_u8_array_and_u8_array(&object(alg.webcrypto_verify())?, &key, signature, signing_input)
            .map_err(|e| thrown(alg, &e))?;
        let valid = JsFuture::from(verify).await.map_err(|e| thrown(alg, &e))?;
        Ok(valid.as_bool() == Some(true))
    }
}
