//! The address bar after a callback: `code`, `state` and the other authorization-response
//! parameters removed from the page's URL (its query and a hash route's query), through web-sys
//! `Location`, `History` and `Url`; `history.state` is kept for the app's router.

use crate::js::global;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The authorization response's parameters (RFC 6749 §4.1.2 and §4.1.2.1, RFC 9207 `iss`, OpenID
/// Connect Session Management's `session_state`).
const CALLBACK_PARAMS: &[&str] = &["code", "state", "session_state", "iss", "error", "error_description", "error_uri"];

/// `query` (without its `?`) without the callback's parameters; the others kept as written.
fn without_callback_params(query: &str) -> String {
    let name = |kv: &str| {
        let raw = kv.split('=').next().unwrap_or(kv).replace('+', " ");
        js_sys::decode_uri_component(&raw).ok().and_then(|s| s.as_string()).unwrap_or_else(|| kv.to_owned())
    };
    query.split('&').filter(|kv| !kv.is_empty() && !CALLBACK_PARAMS.contains(&name(kv).as_str())).collect::<Vec<_>>().join("&")
}

/// `href` without the callback's parameters, or `None` when it is not a URL.
fn clean_callback_url(href: &str) -> Option<String> {
    let u = web_sys::Url::new(href).ok()?;
    let search = u.search();
    let kept = without_callback_params(search.strip_prefix('?').unwrap_or(&search));
    u.set_search(&if kept.is_empty() { String::new() } else { format!("?{kept}") });
    let hash = u.hash();
    if let Some(q) = hash.find('?') {
        let (route, query) = hash.split_at(q);
        let kept = without_callback_params(query.get(1..).unwrap_or(""));
        u.set_hash(&if kept.is_empty() { route.to_owned() } else { format!("{route}?{kept}") });
    }
    Some(u.href())
}

/// After a callback for `url`: if the page still shows `url`, its address without the callback's
/// parameters (`history.replaceState`, the state kept). Anything else is left alone.
#[wasm_bindgen(js_name = cleanAddressBar)]
pub fn clean_address_bar(url: &str) {
    let (Some(location), Some(history)) = (global::object("location"), global::object("history")) else { return };
    let location: web_sys::Location = location.unchecked_into();
    let history: web_sys::History = history.unchecked_into();
    if location.href().ok().as_deref() != Some(url) {
        return;
    }
    if let Some(clean) = clean_callback_url(url).filter(|c| c != url) {
        let state = history.state().unwrap_or(JsValue::NULL);
        let _ = history.replace_state_with_url(&state, "", Some(&clean));
    }
}
