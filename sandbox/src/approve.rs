//! The body of the browser-less approve endpoints (`POST /__sandbox/{lawvu|logiless}/approve`),
//! shared by the control plane's routes and the two consent handlers that serve them.

use crate::state::App;
use serde::Deserialize;
use std::collections::HashMap;

/// The body of `POST /__sandbox/{lawvu|logiless}/approve`: the authorize URL a client built (or
/// its parameters), the seeded user to log in as, and the decision.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    #[serde(default)]
    pub authorize_url: Option<String>,
    #[serde(default)]
    pub params: Option<HashMap<String, String>>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub decision: Option<String>,
}

impl ApproveRequest {
    /// The user to log in as: the one given, else the first seeded user.
    pub fn user_id_or_first(&self, app: &App) -> String {
        self.user_id.clone().or_else(|| app.cfg.users.first().map(|u| u.id.clone())).unwrap_or_default()
    }

    /// The decision: the one given, else `approve`.
    pub fn decision_or_approve(&self) -> String {
        self.decision.clone().unwrap_or_else(|| "approve".into())
    }
}
