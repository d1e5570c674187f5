//! One file per provider, each holding its endpoints and quirks (as arctic does), plus a generic
//! RFC 6749 profile. Every host can be overridden so the local sandbox can stand in.

pub mod generic;
pub mod lawvu;
pub mod legalon;
pub mod logiless;

use crate::uri::Endpoint;
use crate::Result;

/// `override` when given, else `default`, validated as an endpoint.
pub(crate) fn endpoint_or(override_url: Option<&str>, default: &str, allow_fragment: bool) -> Result<Endpoint> {
    Endpoint::parse(override_url.filter(|s| !s.trim().is_empty()).unwrap_or(default), allow_fragment)
}

/// `url` without trailing slashes.
pub(crate) fn trim_base(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}
