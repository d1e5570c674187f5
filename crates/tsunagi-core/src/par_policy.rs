//! When a client pushes its authorization request (RFC 9126, Pushed Authorization Requests): the
//! configured choice, the server's PAR endpoint and whether it requires PAR (RFC 9126 §5). A leaf:
//! the client holds it, `par` builds and reads the pushed request.

use crate::uri::Endpoint;
use crate::{Error, ErrorCode, Result};

/// The configured choice (`par` in a generic configuration).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ParMode {
    /// Unset: push when the server has a PAR endpoint and requires PAR
    /// (`require_pushed_authorization_requests`, RFC 9126 §5), else the plain authorize URL.
    #[default]
    Auto,
    /// `true`: push whenever the server has a PAR endpoint; without one, `invalid_config`.
    Always,
    /// `false`: never push; a server that requires PAR is `invalid_config` before any redirect.
    Never,
}

impl ParMode {
    /// `Some(true)` → [`ParMode::Always`], `Some(false)` → [`ParMode::Never`], `None` → [`ParMode::Auto`].
    pub fn from_setting(setting: Option<bool>) -> Self {
        match setting {
            Some(true) => ParMode::Always,
            Some(false) => ParMode::Never,
            None => ParMode::Auto,
        }
    }
}

/// What a client knows of PAR: its mode, and the server's side (RFC 9126 §5 metadata). The default
/// (vendor profiles, a generic server without PAR) never pushes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParPolicy {
    /// The configured choice.
    pub mode: ParMode,
    /// The server's `pushed_authorization_request_endpoint` (RFC 9126 §5).
    pub endpoint: Option<Endpoint>,
    /// The server's `require_pushed_authorization_requests` (RFC 9126 §5): it accepts
    /// authorization requests only through PAR.
    pub required: bool,
}

impl ParPolicy {
    /// The PAR endpoint to push to, or `None` for the plain authorize URL (RFC 6749 §4.1.1).
    /// Errors ([`ErrorCode::InvalidConfig`], nothing sent): `Always` without an endpoint;
    /// `Never` (or `Auto` without an endpoint) when the server requires PAR, which it would refuse.
    pub fn endpoint_to_use(&self) -> Result<Option<&Endpoint>> {
        match (self.mode, self.endpoint.as_ref(), self.required) {
            (ParMode::Never, _, true) => Err(Error::new(
                ErrorCode::InvalidConfig,
                "the server requires pushed authorization requests (RFC 9126 §5 require_pushed_authorization_requests) but the configuration says par: false",
            )),
            (ParMode::Always, None, _) => Err(Error::new(
                ErrorCode::InvalidConfig,
                "par: true needs the server's pushed_authorization_request_endpoint (RFC 9126 §5): configure an issuer whose metadata has one",
            )),
            (_, None, true) => Err(Error::new(
                ErrorCode::InvalidConfig,
                "the server requires pushed authorization requests (RFC 9126 §5) but names no pushed_authorization_request_endpoint",
            )),
            (ParMode::Always, Some(e), _) | (ParMode::Auto, Some(e), true) => Ok(Some(e)),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_against_every_server() {
        let ep = Endpoint::parse("https://as.example/par", false).ok();
        let table = [
            // mode, endpoint, required → push?, or the error
            (ParMode::Auto, false, false, Ok(false)),
            (ParMode::Auto, true, false, Ok(false)),
            (ParMode::Auto, true, true, Ok(true)),
            (ParMode::Auto, false, true, Err(ErrorCode::InvalidConfig)),
            (ParMode::Always, true, false, Ok(true)),
            (ParMode::Always, true, true, Ok(true)),
            (ParMode::Always, false, false, Err(ErrorCode::InvalidConfig)),
            (ParMode::Never, true, false, Ok(false)),
            (ParMode::Never, false, false, Ok(false)),
            (ParMode::Never, true, true, Err(ErrorCode::InvalidConfig)),
        ];
        for (mode, has, required, want) in table {
            let p = ParPolicy { mode, endpoint: if has { ep.clone() } else { None }, required };
            assert_eq!(p.endpoint_to_use().map(|e| e.is_some()).map_err(|e| e.code()), want, "{p:?}");
        }
        assert_eq!(ParMode::from_setting(None), ParMode::Auto);
        assert_eq!(ParMode::from_setting(Some(false)), ParMode::Never);
    }
}
