//! Shared sandbox state: the configuration, the endpoints document, the
//! clock, and everything mutable (issued codes and tokens, consents, stats,
//! faults, runtime options, rate-limit windows) behind one mutex.

use crate::clock::Clock;
use crate::config::Config;
use crate::endpoints::Endpoints;
use crate::faults::Faults;
use crate::options::Options;
use crate::rate_limit::FixedWindow;
use crate::stats::Stats;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// Everything the handlers share (wrapped in an `Arc`).
#[derive(Debug)]
pub struct App {
    pub cfg: Config,
    pub endpoints: Endpoints,
    pub clock: Clock,
    inner: Mutex<Inner>,
}

/// The mutable part; `reset` replaces it wholesale.
#[derive(Debug)]
pub struct Inner {
    pub options: Options,
    pub stats: Stats,
    pub faults: Faults,
    pub lawvu: LawvuStore,
    pub logiless: LogilessStore,
    pub legalon: LegalonStore,
    pub logiless_window: FixedWindow,
    pub legalon_window: FixedWindow,
}

/// An issued LawVu authorization code.
#[derive(Debug, Clone)]
pub struct LawvuCode {
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub expires_at: i64,
    pub used: bool,
}

/// An issued LawVu refresh token. `with_secret` is the family's mode.
#[derive(Debug, Clone)]
pub struct LawvuRefresh {
    pub client_id: String,
    pub user_id: String,
    pub with_secret: bool,
    pub expires_at: i64,
    pub spent: bool,
    pub family: u64,
}

/// LawVu codes, refresh tokens, remembered consents and live access tokens.
#[derive(Debug, Default)]
pub struct LawvuStore {
    pub codes: HashMap<String, LawvuCode>,
    pub refresh: HashMap<String, LawvuRefresh>,
    /// (client_id, user_id) pairs that already consented.
    pub consents: HashSet<(String, String)>,
    /// `jti` of every issued access token → its refresh family.
    pub access_jtis: HashMap<String, u64>,
    pub revoked_families: HashSet<u64>,
    pub next_family: u64,
}

/// An issued Logiless authorization code.
#[derive(Debug, Clone)]
pub struct LogilessCode {
    pub user_id: String,
    pub redirect_uri: String,
    pub expires_at: i64,
    pub used: bool,
}

/// An issued Logiless token (access or refresh).
#[derive(Debug, Clone)]
pub struct LogilessToken {
    pub user_id: String,
    pub expires_at: i64,
    pub spent: bool,
}

/// Logiless codes, tokens and created sales orders.
#[derive(Debug, Default)]
pub struct LogilessStore {
    pub codes: HashMap<String, LogilessCode>,
    pub access: HashMap<String, LogilessToken>,
    pub refresh: HashMap<String, LogilessToken>,
    pub next_order_id: u64,
}

/// An issued LegalOn access token.
#[derive(Debug, Clone)]
pub struct LegalonToken {
    pub credential: String,
    pub expires_at: i64,
}

/// LegalOn access tokens.
#[derive(Debug, Default)]
pub struct LegalonStore {
    pub access: HashMap<String, LegalonToken>,
}

impl Inner {
    /// The seeded state.
    pub fn new(cfg: &Config) -> Self {
        let options = Options::from_config(cfg);
        Inner {
            logiless_window: FixedWindow::new(options.logiless_rate_limit),
            legalon_window: FixedWindow::new(options.legalon_rate_limit),
            options,
            stats: Stats::default(),
            faults: Faults::default(),
            lawvu: LawvuStore::default(),
            logiless: LogilessStore { next_order_id: 500_001, ..LogilessStore::default() },
            legalon: LegalonStore::default(),
        }
    }
}

impl App {
    pub fn new(cfg: Config, endpoints: Endpoints) -> Self {
        let inner = Mutex::new(Inner::new(&cfg));
        App { cfg, endpoints, clock: Clock::new(), inner }
    }

    /// Runs `f` with the state locked. Never hold it across an `.await`.
    pub fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// Back to the seeded state: tokens, consents, stats, faults, options, clock.
    pub fn reset(&self) {
        self.with(|s| *s = Inner::new(&self.cfg));
        self.clock.reset();
    }

    /// Sandbox time in seconds.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}
