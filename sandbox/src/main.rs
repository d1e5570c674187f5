//! The `tsunagi-sandbox` binary: parses the CLI, starts the emulator, writes
//! and prints the endpoints JSON, prints `tsunagi-sandbox ready`, and shuts
//! down cleanly on SIGINT/SIGTERM.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tsunagi_sandbox::{start, Config};

const USAGE: &str = "usage: tsunagi-sandbox [--base-port N] [--endpoints-file PATH] [--config FILE]

  --base-port N         first of five consecutive ports on 127.0.0.1 (default 9400;
                        0 = an ephemeral port for each host)
  --endpoints-file PATH write the endpoints JSON there on start
  --config FILE         JSON config overriding the seeded users, clients, credentials,
                        lifetimes and rate limits (see sandbox/README.md)";

struct Args {
    base_port: Option<u16>,
    endpoints_file: Option<PathBuf>,
    config: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { base_port: None, endpoints_file: None, config: None };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| inline.clone().or_else(|| it.next()).ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--base-port" => {
                let v = value("--base-port")?;
                args.base_port = Some(v.parse().map_err(|_| format!("bad port: {v}"))?);
            }
            "--endpoints-file" => args.endpoints_file = Some(value("--endpoints-file")?.into()),
            "--config" => args.config = Some(value("--config")?.into()),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(args)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("tsunagi-sandbox: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) };
        }
    };
    let mut config = match &args.config {
        Some(path) => match Config::from_file(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("tsunagi-sandbox: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => Config::default(),
    };
    if let Some(p) = args.base_port {
        config.base_port = p;
    }
    let handle = match start(config).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("tsunagi-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let line = handle.endpoints().to_json_line();
    if let Some(path) = &args.endpoints_file {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = std::fs::write(path, format!("{line}\n")) {
            eprintln!("tsunagi-sandbox: cannot write {}: {e}", path.display());
            handle.shutdown().await;
            return ExitCode::FAILURE;
        }
    }
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = writeln!(out, "tsunagi-sandbox ready");
        let _ = out.flush();
    }
    wait_for_signal().await;
    eprintln!("tsunagi-sandbox: shutting down");
    handle.shutdown().await;
    ExitCode::SUCCESS
}
