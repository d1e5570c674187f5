//! The endpoints JSON: where each emulated host listens and which seeded
//! clients, users and credentials to use. Written to `--endpoints-file`,
//! printed on start and served at `GET /__sandbox/endpoints`.

use crate::config::{Config, User};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// The bound address of each emulated host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addrs {
    pub lawvu_web: SocketAddr,
    pub lawvu_api: SocketAddr,
    pub logiless: SocketAddr,
    pub legalon_token: SocketAddr,
    pub legalon_api: SocketAddr,
}

/// The whole endpoints document (schema shared with the other layers).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Endpoints {
    pub control_url: String,
    pub users: Vec<EndpointUser>,
    pub lawvu: LawvuEndpoints,
    pub logiless: LogilessEndpoints,
    pub legalon: LegalonEndpoints,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EndpointUser {
    pub id: String,
    pub name: String,
    pub organisation_id: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LawvuEndpoints {
    pub web_base: String,
    pub authorize_url: String,
    pub token_url: String,
    pub api_base: String,
    pub confidential_client: Option<LawvuClientInfo>,
    pub public_client: Option<LawvuClientInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LawvuClientInfo {
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub environment: String,
    pub redirect_uris: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LogilessEndpoints {
    pub authorize_url: String,
    pub token_url: String,
    pub api_base: String,
    pub merchant_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LegalonEndpoints {
    pub token_url: String,
    pub api_base_url: String,
    pub credentials: Option<String>,
    pub expired_credentials: Option<String>,
}

fn base(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

impl Endpoints {
    /// Builds the document from the bound addresses and the configuration.
    pub fn build(addrs: &Addrs, cfg: &Config) -> Self {
        let info = |c: &crate::config::LawvuClient| LawvuClientInfo {
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.clone(),
            environment: c.environment.clone(),
            redirect_uris: c.redirect_uris.clone(),
        };
        let web = base(addrs.lawvu_web);
        let api = base(addrs.lawvu_api);
        let lg = base(addrs.logiless);
        Endpoints {
            control_url: format!("{web}/__sandbox"),
            users: cfg.users.iter().map(EndpointUser::from).collect(),
            lawvu: LawvuEndpoints {
                authorize_url: format!("{web}/#/authorize"),
                token_url: format!("{api}/account-apis/v1/auth/token"),
                web_base: web,
                api_base: api,
                confidential_client: cfg.lawvu.clients.iter().find(|c| c.client_secret.is_some()).map(info),
                public_client: cfg.lawvu.clients.iter().find(|c| c.client_secret.is_none()).map(info),
            },
            logiless: LogilessEndpoints {
                authorize_url: format!("{lg}/oauth/v2/auth"),
                token_url: format!("{lg}/oauth2/token"),
                api_base: format!("{lg}/api/v1"),
                merchant_id: cfg.logiless.merchant_id.clone(),
                client_id: cfg.logiless.client_id.clone(),
                client_secret: cfg.logiless.client_secret.clone(),
                redirect_uri: cfg.logiless.redirect_uri.clone(),
            },
            legalon: LegalonEndpoints {
                token_url: format!("{}/oauth/token", base(addrs.legalon_token)),
                api_base_url: base(addrs.legalon_api),
                credentials: cfg.legalon.credentials.iter().find(|c| !c.expired).map(|c| c.value.clone()),
                expired_credentials: cfg.legalon.credentials.iter().find(|c| c.expired).map(|c| c.value.clone()),
            },
        }
    }

    /// The document as one line of JSON.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

impl From<&User> for EndpointUser {
    fn from(u: &User) -> Self {
        EndpointUser { id: u.id.clone(), name: u.name.clone(), organisation_id: u.organisation_id.clone(), email: u.email.clone() }
    }
}
