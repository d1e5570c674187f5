//! The core's own JSON (RFC 8259): a value type, a strict reader and a compact writer, without
//! floating point — numbers stay the text the server sent. It replaces `serde_json::Value` for
//! everything the core reads (token responses, error bodies, JWT payloads) and keeps wasm builds
//! free of the float parser and printer.

mod number;
mod read;
mod scan;
mod value;
mod write;

pub use number::Number;
pub use read::{parse, JsonError};
pub use value::{Json, JsonObject};
pub use write::{object_array, write_string, Escape, ObjectWriter};
