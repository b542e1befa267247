//! What the process tests share: real `reference-server` processes, the Python
//! Standard Webhooks receiver, fresh PostgreSQL databases, and polling with a deadline.
#![allow(dead_code, unreachable_pub)]

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const ENCRYPTION_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// Waits for `condition` to hold, checking every 50 ms, failing after `limit`.
pub async fn eventually<T>(
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

/// Reads a child's stdout lines into a shared list, in the background.
pub fn collect_lines(child: &mut Child) -> Arc<Mutex<Vec<String>>> {
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

/// The Python receiver.
pub struct Receiver {
    _process: Child,
    lines: Arc<Mutex<Vec<String>>>,
    /// Where it listens.
    pub url: String,
}

impl Receiver {
    /// Starts the receiver; `plan` lists its first answers (`500`, `hang`, …), `200` after.
    pub async fn start(plan: &[&str]) -> Self {
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
    pub fn requests(&self) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .skip(1)
            .map(|line| serde_json::from_str(line).expect("a JSON report"))
            .collect()
    }

    /// Waits until `count` requests arrived; returns them all.
    pub async fn wait_for_requests(&self, count: usize) -> Vec<Value> {
        eventually(Duration::from_secs(60), "webhook requests", async || {
            let requests = self.requests();
            (requests.len() >= count).then_some(requests)
        })
        .await
    }
}

/// One `reference-server` process.
pub struct Server {
    process: Child,
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    /// What the process logged on stdout.
    pub logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts a server on `database_url`, with `extra` variables, and waits until it listens.
    pub async fn start(
        database_url: &str,
        data_dir: &std::path::Path,
        extra: &[(&str, &str)],
    ) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_reference-server"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .env("DATABASE_URL", database_url)
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("DATA_DIR", data_dir)
            .env("CONNECTORS_ENCRYPTION_KEY", ENCRYPTION_KEY)
            .env("SIGNUPS_PER_MINUTE", "1000")
            .env("WEBHOOK_SECRET", WEBHOOK_SECRET)
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in extra {
            command.env(name, value);
        }
        let mut process = command.spawn().expect("the server binary");
        let lines = collect_lines(&mut process);
        let port = eventually(
            Duration::from_secs(30),
            "the server to listen",
            async || {
                let lines = lines.lock().unwrap();
                let line = lines.iter().find(|line| line.contains("listening"))?;
                let port = line.split("port=").nth(1)?;
                Some(port.trim().to_owned())
            },
        )
        .await;
        Self {
            process,
            address: format!("http://127.0.0.1:{port}"),
            logs: lines,
        }
    }

    /// Stops the process at once, as a crash would (SIGKILL).
    pub async fn kill(&mut self) {
        self.process.kill().await.unwrap();
    }
}

/// A fresh PostgreSQL database's URL.
pub async fn fresh_postgres_database() -> String {
    use sqlx::Connection as _;
    let admin = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = format!("webhooks_{}", uuid::Uuid::new_v4().simple());
    let mut connection = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL at TEST_DATABASE_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&name);
    url.to_string()
}

/// Signs a new user up on `server`; returns a client holding the session and the
/// user's id.
pub async fn sign_up(server: &Server, email: &str) -> (reqwest::Client, uuid::Uuid) {
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
