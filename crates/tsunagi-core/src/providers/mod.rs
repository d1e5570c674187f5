//! One folder per provider, each behind its cargo feature and holding everything about it: its
//! endpoints, quirks, token fields and documented vectors (as arctic does), plus a generic RFC 6749
//! profile. Every host can be overridden so the local sandbox can stand in.

#[cfg(feature = "generic")]
pub mod generic;
#[cfg(feature = "lawvu")]
pub mod lawvu;
#[cfg(feature = "legalon")]
pub mod legalon;
#[cfg(feature = "logiless")]
pub mod logiless;

use crate::uri::Endpoint;
use crate::Result;

/// `override` when given, else `default`, validated as an endpoint.
#[cfg_attr(not(any(feature = "lawvu", feature = "logiless", feature = "legalon", feature = "generic")), allow(dead_code))]
pub(crate) fn endpoint_or(override_url: Option<&str>, default: &str, allow_fragment: bool) -> Result<Endpoint> {
    Endpoint::parse(override_url.filter(|s| !s.trim().is_empty()).unwrap_or(default), allow_fragment)
}

/// `url` without trailing slashes.
#[cfg_attr(not(any(feature = "lawvu", feature = "logiless", feature = "generic")), allow(dead_code))]
pub(crate) fn trim_base(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}
