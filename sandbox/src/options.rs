//! Runtime switches changed through `POST /__sandbox/options`: the LawVu
//! token content type, the Logiless sample-format body and the rate limits.
//! `POST /__sandbox/reset` puts them back to the configured values.

use crate::config::{Config, RateLimitConfig, CONTENT_TYPES};
use serde::{Deserialize, Serialize};

/// The current runtime switches.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Options {
    pub lawvu_token_content_type: String,
    pub logiless_sample_format: bool,
    pub legalon_rate_limit: RateLimitConfig,
    pub logiless_rate_limit: RateLimitConfig,
    pub lawvu_revoke_family_on_reuse: bool,
}

/// A partial update; absent fields are left unchanged.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OptionsPatch {
    pub lawvu_token_content_type: Option<String>,
    pub logiless_sample_format: Option<bool>,
    pub legalon_rate_limit: Option<RateLimitConfig>,
    pub logiless_rate_limit: Option<RateLimitConfig>,
    pub lawvu_revoke_family_on_reuse: Option<bool>,
}

impl Options {
    /// The options a fresh (or reset) sandbox starts with.
    pub fn from_config(cfg: &Config) -> Self {
        Self {
            lawvu_token_content_type: cfg.lawvu.token_content_type.clone(),
            logiless_sample_format: cfg.logiless.sample_format,
            legalon_rate_limit: cfg.legalon.rate_limit,
            logiless_rate_limit: cfg.logiless.rate_limit,
            lawvu_revoke_family_on_reuse: cfg.lawvu.revoke_family_on_reuse,
        }
    }

    /// Validates a patch; on success returns the patched options.
    pub fn patched(&self, p: &OptionsPatch) -> Result<Self, String> {
        let mut next = self.clone();
        if let Some(ct) = &p.lawvu_token_content_type {
            if !CONTENT_TYPES.contains(&ct.as_str()) {
                return Err(format!("lawvu_token_content_type must be one of {}", CONTENT_TYPES.join(", ")));
            }
            next.lawvu_token_content_type = ct.clone();
        }
        if let Some(b) = p.logiless_sample_format {
            next.logiless_sample_format = b;
        }
        for (src, dst) in [(p.legalon_rate_limit, &mut next.legalon_rate_limit), (p.logiless_rate_limit, &mut next.logiless_rate_limit)] {
            if let Some(rl) = src {
                if rl.limit == 0 || rl.window_secs == 0 {
                    return Err("rate limits need limit >= 1 and window_secs >= 1".into());
                }
                *dst = rl;
            }
        }
        if let Some(b) = p.lawvu_revoke_family_on_reuse {
            next.lawvu_revoke_family_on_reuse = b;
        }
        Ok(next)
    }
}
