//! # tsunagi (つなぎ) — the browser runtime
//!
//! The crate wasm-bindgen builds into the npm package `tsunagi` (`pkg/`, feature `js`): the
//! JavaScript boundary over the sans-IO core. The core itself is [`tsunagi_core`], re-exported
//! here whole, so `tsunagi::Client`, `tsunagi::providers::…` and every other core path work as
//! they always did. The Worker is its own crate (`crates/tsunagi-worker`); the layers and their
//! one direction of dependencies: `docs/architecture.md`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub use tsunagi_core::*;

#[cfg(feature = "js")]
pub mod js;
