//! Shared by the process tests: this package's binary run as a real process, and
//! fresh databases for it.
#![allow(dead_code, missing_docs)]

use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Base64 of 32 bytes: the key most tests run with.
pub(crate) const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
/// Another key.
pub(crate) const OTHER_KEY: &str = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";

/// Waits for `condition` to hold, checking every 50 ms, failing after `limit`.
pub(crate) async fn eventually<T>(
    limit: Duration,
    what: &str,
    mut condition: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = condition().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The binary, in `cwd`, with only `PATH` and `vars` in its environment.
pub(crate) fn command(cwd: &Path, args: &[&str], vars: &[(&str, &str)]) -> Command {
    command_of(env!("CARGO_BIN_EXE_reference-server"), cwd, args, vars)
}

/// Like [`command`], for another build of the binary at `program`.
pub(crate) fn command_of(
    program: &str,
    cwd: &Path,
    args: &[&str],
    vars: &[(&str, &str)],
) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Runs the binary to its end.
pub(crate) async fn run(cwd: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let output = tokio::time::timeout(Duration::from_secs(120), command(cwd, args, vars).output())
        .await
        .expect("the command ends within two minutes")
        .expect("the server binary runs");
    output
}

/// A command's stdout and stderr, for assertion messages.
pub(crate) fn printed(output: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Reads a child's stdout lines into a shared list, in the background.
pub(crate) fn collect_lines(child: &mut Child) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let mut reader = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let sink = Arc::clone(&lines);
    tokio::spawn(async move {
        while let Ok(Some(line)) = reader.next_line().await {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

/// A serving `reference-server` process.
pub(crate) struct Server {
    pub(crate) process: Child,
    pub(crate) address: String,
    /// What the process logged on stdout.
    pub(crate) logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `reference-server` (no subcommand) on a free port, in `cwd`.
    pub(crate) async fn start(cwd: &Path, vars: &[(&str, &str)]) -> Self {
        let mut command = command(
            cwd,
            &[],
            &[("RUST_LOG", "info"), ("BIND_ADDR", "127.0.0.1:0")],
        );
        command.envs(vars.iter().copied());
        let mut process = command.spawn().expect("the server binary");
        let logs = collect_lines(&mut process);
        let port = eventually(
            Duration::from_secs(30),
            "the server to listen",
            async || {
                if let Ok(Some(status)) = process.try_wait() {
                    panic!("the server exited at start-up ({status})");
                }
                let logs = logs.lock().unwrap();
                let line = logs.iter().find(|line| line.contains("listening"))?;
                Some(line.split("port=").nth(1)?.trim().to_owned())
            },
        )
        .await;
        Self {
            process,
            address: format!("http://127.0.0.1:{port}"),
            logs,
        }
    }

    /// Sends the process SIGTERM, as an orchestrator stopping it would.
    pub(crate) async fn terminate(&self) {
        let pid = self
            .process
            .id()
            .expect("the server is running")
            .to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(sent.success());
    }

    /// The lines logged so far that contain `needle`.
    pub(crate) fn logged(&self, needle: &str) -> Vec<String> {
        self.logs
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line.contains(needle))
            .cloned()
            .collect()
    }
}

/// A PostgreSQL database with a random name, dropped by [`PgDatabase::drop_it`].
pub(crate) struct PgDatabase {
    admin: String,
    name: String,
    pub(crate) url: String,
}

impl PgDatabase {
    pub(crate) async fn create(prefix: &str) -> Self {
        use sqlx::Connection as _;
        let admin = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut connection = sqlx::PgConnection::connect(&admin)
            .await
            .expect("PostgreSQL at TEST_DATABASE_URL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        Self {
            admin,
            name,
            url: url.to_string(),
        }
    }

    pub(crate) async fn drop_it(self) {
        use sqlx::Connection as _;
        let mut connection = sqlx::PgConnection::connect(&self.admin).await.unwrap();
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut connection)
        .await
        .unwrap();
    }
}

/// The `WEBHOOK_SECRET` of the webhook tests (Standard Webhooks format).
pub(crate) const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

impl Server {
    /// Starts a server on `database_url` with the key [`KEY`], the webhook secret
    /// [`WEBHOOK_SECRET`], signups unthrottled and `extra` variables, in `cwd`.
    pub(crate) async fn start_on(database_url: &str, cwd: &Path, extra: &[(&str, &str)]) -> Self {
        let mut vars = vec![
            ("DATABASE_URL", database_url),
            ("CONNECTORS_ENCRYPTION_KEY", KEY),
            ("SIGNUPS_PER_MINUTE", "1000"),
            ("WEBHOOK_SECRET", WEBHOOK_SECRET),
        ];
        vars.extend_from_slice(extra);
        Self::start(cwd, &vars).await
    }

    /// Stops the process at once, as a crash would (SIGKILL).
    pub(crate) async fn kill(&mut self) {
        self.process.kill().await.unwrap();
    }
}

/// A fresh PostgreSQL database's URL (left for the next `TEST_DATABASE_URL` clean-up).
pub(crate) async fn fresh_postgres_database() -> String {
    PgDatabase::create("process").await.url
}

/// The Python receiver.
pub(crate) struct Receiver {
    _process: Child,
    lines: Arc<Mutex<Vec<String>>>,
    /// Where it listens.
    pub(crate) url: String,
}

impl Receiver {
    /// Starts the receiver; `plan` lists its first answers (`500`, `hang`, …), `200` after.
    pub(crate) async fn start(plan: &[&str]) -> Self {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/webhook-receiver/receiver.py"
        );
        let mut process = Command::new("python3")
            .arg(script)
            .args(plan)
            .env("WEBHOOK_SECRET", WEBHOOK_SECRET)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 (the .venv-test one, with standardwebhooks) on PATH");
        let lines = collect_lines(&mut process);
        let port = eventually(
            Duration::from_secs(20),
            "the receiver to listen",
            async || {
                if let Ok(Some(status)) = process.try_wait() {
                    panic!(
                        "the receiver exited ({status}): is python3 on PATH the one of \
                         .venv-test, with standardwebhooks (scripts/setup-test-deps.sh)?"
                    );
                }
                let lines = lines.lock().unwrap();
                lines.first()?.strip_prefix("listening ").map(str::to_owned)
            },
        )
        .await;
        Self {
            _process: process,
            lines,
            url: format!("http://127.0.0.1:{port}/hooks"),
        }
    }

    /// Every request received so far.
    pub(crate) fn requests(&self) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .skip(1)
            .map(|line| serde_json::from_str(line).expect("a JSON report"))
            .collect()
    }

    /// Waits until `count` requests arrived; returns them all.
    pub(crate) async fn wait_for_requests(&self, count: usize) -> Vec<Value> {
        eventually(Duration::from_secs(60), "webhook requests", async || {
            let requests = self.requests();
            (requests.len() >= count).then_some(requests)
        })
        .await
    }
}

/// Signs a new user up on `server`; returns a client holding the session and the
/// user's id.
pub(crate) async fn sign_up(server: &Server, email: &str) -> (reqwest::Client, uuid::Uuid) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signed_up: Value = client
        .post(format!("{}/api/v1/auth/signup", server.address))
        .json(&serde_json::json!({"email": email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = signed_up["user"]["id"].as_str().expect("a user id");
    (client, id.parse().unwrap())
}
