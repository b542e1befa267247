//! The server binary's log lines, with stdout piped as a collector or a file would
//! have it: `LOG_FORMAT=json` gives one JSON object per line, carrying the request
//! span's `request_id`; neither format writes ANSI escape codes; a bad `LOG_FORMAT`
//! stops start-up with one line naming it.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const ENCRYPTION_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const ESC: char = '\u{1b}';

/// Waits for `condition` to give a value, checking every 50 ms, failing after 30 s.
async fn eventually<T>(what: &str, mut condition: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = condition() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The server binary on a fresh SQLite database, stdout piped, with `LOG_FORMAT` and
/// the environment of a service manager: no terminal, no `NO_COLOR`.
fn server(log_format: &str, data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_reference-server"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info,tower_http=debug")
        .env("LOG_FORMAT", log_format)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/connectors.db", data_dir.display()),
        )
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("DATA_DIR", data_dir)
        .env("CONNECTORS_ENCRYPTION_KEY", ENCRYPTION_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Collects a child's stdout lines in the background.
fn collect_lines(child: &mut Child) -> Arc<Mutex<Vec<String>>> {
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

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_request_id_and_no_escape_codes() {
    // Arrange
    let data_dir = tempfile::tempdir().unwrap();
    let mut process = server("json", data_dir.path()).spawn().unwrap();
    let lines = collect_lines(&mut process);
    let port = eventually("the listening line", || {
        let lines = lines.lock().unwrap();
        lines.iter().find_map(|line| {
            let line: Value = serde_json::from_str(line).ok()?;
            (line["fields"]["message"] == "listening").then(|| line["fields"]["port"].as_u64())?
        })
    })
    .await;

    // Act
    let answer = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .header("x-request-id", "log-test-0192d1a5")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["x-request-id"], "log-test-0192d1a5");
    let finished = eventually("the request's log line", || {
        let lines = lines.lock().unwrap();
        lines
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|line| {
                line["span"]["request_id"] == "log-test-0192d1a5"
                    && line["fields"]["message"] == "finished processing request"
            })
    })
    .await;
    process.kill().await.unwrap();

    // Assert
    assert_eq!(finished["span"]["path"], "/healthz");
    assert_eq!(finished["span"]["method"], "GET");
    let lines = lines.lock().unwrap();
    assert!(lines.len() >= 3, "{lines:?}");
    for line in lines.iter() {
        assert!(!line.contains(ESC), "an escape code in {line:?}");
        let parsed: Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("not a JSON line ({error}): {line:?}"));
        assert!(parsed["timestamp"].is_string(), "{line}");
        assert!(parsed["level"].is_string(), "{line}");
    }
}

#[tokio::test]
async fn text_logs_written_to_a_pipe_have_no_escape_codes() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut process = server("text", data_dir.path()).spawn().unwrap();
    let lines = collect_lines(&mut process);
    let port = eventually("the listening line", || {
        let lines = lines.lock().unwrap();
        let line = lines.iter().find(|line| line.contains("listening"))?;
        line.split("port=")
            .nth(1)
            .map(|port| port.trim().to_owned())
    })
    .await;
    reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    eventually("the request's log line", || {
        let lines = lines.lock().unwrap();
        lines
            .iter()
            .any(|line| line.contains("finished processing request"))
            .then_some(())
    })
    .await;
    process.kill().await.unwrap();

    let lines = lines.lock().unwrap();
    let request_line = lines
        .iter()
        .find(|line| line.contains("finished processing request"))
        .unwrap();
    // No id came with the request: the server made one, a UUID, and logged it.
    let request_id: String = request_line
        .split("request_id=")
        .nth(1)
        .unwrap_or_else(|| panic!("no request_id in {request_line}"))
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
        .collect();
    assert!(
        uuid::Uuid::parse_str(&request_id).is_ok(),
        "{request_id:?} in {request_line}"
    );
    for line in lines.iter() {
        assert!(!line.contains(ESC), "an escape code in {line:?}");
    }
}

#[tokio::test]
async fn an_unknown_log_format_stops_start_up_with_one_line_naming_the_variable() {
    let data_dir = tempfile::tempdir().unwrap();

    let output = server("yaml", data_dir.path()).output().await.unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim_end(),
        "configuration error: LOG_FORMAT: expected text or json"
    );
    assert!(
        !data_dir.path().join("connectors.db").exists(),
        "nothing started"
    );
}
