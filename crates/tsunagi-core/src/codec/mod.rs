//! JSON codecs that belong to no provider: the core applies them on a profile's say-so
//! ([`ascii_json`], chosen by [`crate::profile::BodyEncoding`]; `lenient_json`, the reader of
//! token responses and error bodies, repairing only where [`crate::profile::JsonReading`] says).

pub mod ascii_json;
pub(crate) mod lenient_json;
