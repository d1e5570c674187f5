//! tsunagi-sandbox: a strict local emulator of the LawVu, Logiless and
//! LegalOn OAuth 2.0 providers, one loopback port per emulated host, with a
//! control plane for tests. Start it with [`start`]; stop it with [`Handle::shutdown`].

pub mod approve;
pub mod clock;
pub mod config;
pub mod control;
pub mod endpoints;
pub mod fault_layer;
pub mod faults;
pub mod jwt;
pub mod lawvu;
pub mod lawvu_web;
pub mod layers;
pub mod legalon;
pub mod logiless;
pub mod logiless_api;
pub mod options;
pub mod rate_limit;
pub mod seed;
pub mod server;
pub mod state;
pub mod stats;
pub mod util;

pub use config::Config;
pub use endpoints::Endpoints;

use axum::Router;
use endpoints::Addrs;
use state::App;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why the sandbox could not start.
#[derive(Debug)]
pub enum StartError {
    Config(config::ConfigError),
    /// `base_port + 4` does not fit in a port number.
    PortRange(u16),
    Bind {
        port: u16,
        source: std::io::Error,
    },
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Config(e) => write!(f, "{e}"),
            Self::PortRange(p) => write!(f, "base port {p} leaves no room for five ports"),
            Self::Bind { port, source } => write!(f, "cannot bind 127.0.0.1:{port}: {source}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A running sandbox. Dropping it stops accepting connections too.
#[derive(Debug)]
pub struct Handle {
    endpoints: Endpoints,
    addrs: Addrs,
    app: Arc<App>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Handle {
    /// The endpoints document.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The bound address of each emulated host.
    pub fn addrs(&self) -> Addrs {
        self.addrs
    }

    /// Resets the sandbox to its seeded state (same as `POST /__sandbox/reset`).
    pub fn reset(&self) {
        self.app.reset();
    }

    /// Stops all listeners and waits for open connections (at most ~2 s).
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

async fn bind(port: u16) -> Result<TcpListener, StartError> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await.map_err(|source| StartError::Bind { port, source })
}

fn local(l: &TcpListener, port: u16) -> Result<SocketAddr, StartError> {
    l.local_addr().map_err(|source| StartError::Bind { port, source })
}

/// Binds the five hosts on 127.0.0.1 (`base_port..=base_port+4`, or ephemeral
/// ports when `base_port` is 0) and starts serving.
pub async fn start(config: Config) -> Result<Handle, StartError> {
    config.validate().map_err(StartError::Config)?;
    let base = config.base_port;
    let ports: [u16; 5] = if base == 0 {
        [0; 5]
    } else {
        let top = base.checked_add(4).ok_or(StartError::PortRange(base))?;
        [base, base + 1, base + 2, base + 3, top]
    };
    let mut listeners = Vec::with_capacity(5);
    for p in ports {
        listeners.push(bind(p).await?);
    }
    let mut bound = Vec::with_capacity(5);
    for (l, p) in listeners.iter().zip(ports) {
        bound.push(local(l, p)?);
    }
    let [lawvu_web, lawvu_api, logiless, legalon_token, legalon_api] = bound[..] else {
        return Err(StartError::PortRange(base));
    };
    let addrs = Addrs { lawvu_web, lawvu_api, logiless, legalon_token, legalon_api };
    let endpoints = Endpoints::build(&addrs, &config);
    let app = Arc::new(App::new(config, endpoints.clone()));
    let with_control = |r: Router| control::router(app.clone()).merge(r);
    let routers = [
        with_control(lawvu_web::web_router(app.clone())),
        with_control(lawvu::api_router(app.clone())),
        with_control(logiless::router(app.clone())),
        with_control(legalon::token_router(app.clone())),
        with_control(legalon::api_router(app.clone())),
    ];
    let (tx, rx) = watch::channel(false);
    let tasks = listeners.into_iter().zip(routers).map(|(l, r)| tokio::spawn(server::serve(l, r, rx.clone()))).collect();
    Ok(Handle { endpoints, addrs, app, shutdown: tx, tasks })
}
