//! The events `OAuthClient` tells its other tabs ("tokens", "logout": names only, never a token),
//! over a web-sys `BroadcastChannel`; a page without one has no channel and tells nobody.

use crate::js::global;
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// One client's channel to its other tabs.
#[wasm_bindgen]
pub struct WasmChannel {
    channel: Option<web_sys::BroadcastChannel>,
    _on_message: Option<Closure<dyn FnMut(web_sys::MessageEvent)>>,
}

#[wasm_bindgen]
impl WasmChannel {
    /// Opens the channel `name`; `listener(type)` is called with the type of each event another
    /// tab posts (messages that are not `{ type: string }` are ignored).
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, #[wasm_bindgen(unchecked_param_type = "(type: string) => void")] listener: Function) -> WasmChannel {
        let Ok(channel) = web_sys::BroadcastChannel::new(name) else { return WasmChannel { channel: None, _on_message: None } };
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let kind = global::field(&event.data(), "type").as_string();
            if let Some(kind) = kind {
                let _ = listener.call1(&JsValue::NULL, &JsValue::from_str(&kind));
            }
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        global::unref(&channel);
        WasmChannel { channel: Some(channel), _on_message: Some(on_message) }
    }

    /// Tells the other tabs `type` happened.
    pub fn post(&self, kind: &str) {
        if let Some(c) = &self.channel {
            let message = js_sys::Object::new();
            let _ = Reflect::set(&message, &JsValue::from_str("type"), &JsValue::from_str(kind));
            let _ = c.post_message(&message);
        }
    }

    /// Stops listening (the channel is closed).
    pub fn close(&mut self) {
        if let Some(c) = self.channel.take() {
            c.set_onmessage(None);
            c.close();
        }
        self._on_message = None;
    }
}
