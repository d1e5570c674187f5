//! Who may use the admin routes (`/admin/connections/{name}/…`, `GET /connections/{name}`): a
//! request carrying the configured secret `ADMIN_TOKEN` in the `X-Tsunagi-Admin` header,
//! compared in constant time. No `ADMIN_TOKEN`: the routes do not exist. docs/configuration.md
//! "Unattended connections" says why a secret header rather than a Cloudflare Access JWT.

use tsunagi_core::state::constant_time_eq;
use tsunagi_core::{Error, ErrorCode, Result};

/// The header that carries the administrator's secret.
pub const ADMIN_HEADER: &str = "x-tsunagi-admin";
/// The shortest accepted `ADMIN_TOKEN`.
pub const MIN_ADMIN_TOKEN_LEN: usize = 32;

/// `configured` is the `ADMIN_TOKEN` secret, `presented` the header's value. Unset (or shorter
/// than [`MIN_ADMIN_TOKEN_LEN`]): [`ErrorCode::NotFound`] — the admin routes are off. Absent or
/// different: [`ErrorCode::AdminUnauthorized`].
pub fn check_admin(configured: Option<&str>, presented: Option<&str>) -> Result<()> {
    let Some(secret) = configured.filter(|s| s.len() >= MIN_ADMIN_TOKEN_LEN) else {
        return Err(Error::new(ErrorCode::NotFound, "the admin routes are off: set the ADMIN_TOKEN secret (at least 32 characters)"));
    };
    match presented {
        Some(p) if constant_time_eq(p.trim().as_bytes(), secret.as_bytes()) => Ok(()),
        _ => Err(Error::new(ErrorCode::AdminUnauthorized, "send the administrator's secret in the X-Tsunagi-Admin header")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_needs_the_configured_secret() {
        let secret = "a".repeat(40);
        let code = |c: Option<&str>, p: Option<&str>| check_admin(c, p).map_err(|e| e.code());
        assert_eq!(code(Some(&secret), Some(&secret)), Ok(()));
        assert_eq!(code(Some(&secret), Some(&format!(" {secret} "))), Ok(()));
        assert_eq!(code(Some(&secret), None), Err(ErrorCode::AdminUnauthorized));
        assert_eq!(code(Some(&secret), Some("a")), Err(ErrorCode::AdminUnauthorized));
        assert_eq!(code(Some(&secret), Some(&"a".repeat(41))), Err(ErrorCode::AdminUnauthorized));
        assert_eq!(code(None, Some(&secret)), Err(ErrorCode::NotFound), "no ADMIN_TOKEN: no admin routes");
        assert_eq!(code(Some("short"), Some("short")), Err(ErrorCode::NotFound), "a short ADMIN_TOKEN is refused");
    }
}
