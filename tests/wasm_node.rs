//! The JS layer's typed boundary inside Node, through wasm-bindgen-test:
//! `cargo test --target wasm32-unknown-unknown --features js --test wasm_node`.
#![cfg(all(target_arch = "wasm32", feature = "js"))]

mod wasm_shared;
