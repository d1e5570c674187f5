//! The `tsunagi-sandbox` binary: endpoints line + `tsunagi-sandbox ready` on
//! stdout, endpoints file, `--config`, bad arguments, clean SIGTERM shutdown.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tsunagi-sandbox");

struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(BIN).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn sandbox binary");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Running { child, lines: rx }
}

fn next_line(r: &Running) -> String {
    r.lines.recv_timeout(Duration::from_secs(10)).expect("a line on stdout")
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tsunagi-sandbox-test-{}-{name}", std::process::id()))
}

fn sigterm(pid: u32) {
    let ok = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success();
    assert!(ok);
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        assert!(t.elapsed() < within, "sandbox did not exit in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn prints_endpoints_then_ready_writes_file_and_stops_on_sigterm() {
    let dir = temp_path("nested");
    let file = dir.join("endpoints.json");
    let started = Instant::now();
    let mut run = spawn(&["--base-port", "0", "--endpoints-file", file.to_str().unwrap()]);
    let first = next_line(&run);
    let second = next_line(&run);
    assert_eq!(second, "tsunagi-sandbox ready");
    assert!(started.elapsed() < Duration::from_secs(5), "starts fast");
    let printed: Value = serde_json::from_str(&first).expect("first line is the endpoints JSON");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(printed, written);
    let control = printed["control_url"].as_str().unwrap();
    assert!(control.starts_with("http://127.0.0.1:"));
    let served: Value = reqwest::get(format!("{control}/endpoints")).await.unwrap().json().await.unwrap();
    assert_eq!(served, printed);
    // Every emulated host answers.
    for url in [printed["lawvu"]["web_base"].as_str().unwrap().to_string(), format!("{}/__sandbox/clock", printed["legalon"]["api_base_url"].as_str().unwrap())]
    {
        assert_eq!(reqwest::get(&url).await.unwrap().status(), 200, "{url}");
    }
    sigterm(run.child.id());
    let st = wait_exit(&mut run.child, Duration::from_secs(5));
    assert!(st.success(), "clean exit on SIGTERM: {st:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn config_file_overrides_seeds() {
    let cfg = temp_path("config.json");
    std::fs::write(
        &cfg,
        serde_json::to_string(&json!({
            "users": [{"id": "u1", "name": "佐々木 花", "organisation_id": "o1", "email": "hana@example.jp"}],
            "lawvu": {
                "clients": [
                    {"client_id": "acme-inc", "client_secret": "sbx_acme_secret_0123456789abcdef", "environment": "sandbox", "redirect_uris": []}
                ],
                "access_token_lifetime_secs": 600
            },
            "logiless": {"merchant_id": "77", "rate_limit": {"limit": 1, "window_secs": 1}},
            "legalon": {"credentials": [{"value": "sbx_only_one_credential_abcdefgh"}]}
        }))
        .unwrap(),
    )
    .unwrap();
    let run = spawn(&["--base-port=0", "--config", cfg.to_str().unwrap()]);
    let ep: Value = serde_json::from_str(&next_line(&run)).unwrap();
    assert_eq!(next_line(&run), "tsunagi-sandbox ready");
    assert_eq!(ep["users"][0]["name"], "佐々木 花");
    assert_eq!(ep["lawvu"]["confidential_client"]["client_id"], "acme-inc");
    assert_eq!(ep["lawvu"]["public_client"], Value::Null);
    assert_eq!(ep["logiless"]["merchant_id"], "77");
    assert_eq!(ep["logiless"]["client_id"], "sbx_logiless_client_6d2f9a41", "unset fields keep defaults");
    assert_eq!(ep["legalon"]["credentials"], "sbx_only_one_credential_abcdefgh");
    assert_eq!(ep["legalon"]["expired_credentials"], Value::Null);
    let _ = std::fs::remove_file(&cfg);
}

#[test]
fn bad_arguments_and_bad_config_exit_with_status_2() {
    for args in [vec!["--bogus"], vec!["--base-port", "notaport"], vec!["--base-port"]] {
        let st = Command::new(BIN).args(&args).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
        assert_eq!(st.code(), Some(2), "{args:?}");
    }
    let cfg = temp_path("bad.json");
    std::fs::write(&cfg, r#"{"lawvu": {"clients": [{"client_id": "x", "environment": "staging"}]}}"#).unwrap();
    let st = Command::new(BIN).args(["--config", cfg.to_str().unwrap()]).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    assert_eq!(st.code(), Some(2));
    std::fs::write(&cfg, r#"{"typo_field": 1}"#).unwrap();
    let st = Command::new(BIN).args(["--config", cfg.to_str().unwrap()]).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    assert_eq!(st.code(), Some(2));
    let _ = std::fs::remove_file(&cfg);
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--endpoints-file"));
}

#[test]
fn occupied_port_is_reported() {
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = blocker.local_addr().unwrap().port();
    let out = Command::new(BIN).args(["--base-port", &port.to_string()]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot bind"));
}
