//! What `OAuthClient` runs on in a page, in Rust on web-sys: the token storage it was given
//! (`storage.rs`), the refresh lock across calls and tabs (`lock.rs`, Web Locks or a localStorage
//! lease), the events to other tabs (`channel.rs`, BroadcastChannel) and the address bar after a
//! callback (`address.rs`). `js/client.js` holds one of each and keeps only the public API.

mod address;
mod channel;
mod lock;
mod storage;

pub use address::clean_address_bar;
pub use channel::WasmChannel;
pub use lock::WasmLock;
pub use storage::WasmStorage;
