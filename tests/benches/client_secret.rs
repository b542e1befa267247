//! The realtime routes' own costs (SPEC §10, "Voice" and the client secret), p50 and p99
//! of sequential requests on one kept-alive connection:
//! - what `POST /api/v1/realtime/client-secret` adds over calling the same (fake) OpenAI
//!   upstream directly;
//! - a tool call's server round trip, `POST /api/v1/realtime/tool-calls` for
//!   `create_project` (the catalog's check, the executor, the `tool.called` event), beside
//!   the REST route it runs, `POST /api/v1/projects`.
//!
//! Run with: `cargo bench -p e2e-tests --bench client_secret` (`REQUESTS` sets the count).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reference_server::{Application, Settings};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// [`percentile`] in milliseconds.
fn ms(sorted: &[Duration], p: f64) -> f64 {
    percentile(sorted, p).as_secs_f64() * 1e3
}

async fn measure<F, Fut>(requests: usize, mut call: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..requests / 10 {
        call().await;
    }
    let mut times = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        call().await;
        times.push(started.elapsed());
    }
    times.sort();
    times
}

#[tokio::main]
async fn main() {
    let requests: usize = std::env::var("REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let openai = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/realtime/client_secrets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": "ek_bench", "expires_at": 1_900_000_000, "session": {"type": "realtime", "model": "gpt-realtime"}
        })))
        .mount(&openai)
        .await;
    let data = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let vars: HashMap<&str, String> = HashMap::from([
        (
            "DATABASE_URL",
            format!("sqlite://{}/bench.db", data.path().display()),
        ),
        ("DATA_DIR", data.path().display().to_string()),
        ("BACKEND_URL", base.clone()),
        (
            "CONNECTORS_ENCRYPTION_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".to_owned(),
        ),
        ("OPENAI_API_KEY", "sk-bench".to_owned()),
        ("OPENAI_BASE_URL", format!("{}/v1", openai.uri())),
        ("REALTIME_SECRETS_PER_MINUTE", "1000000".to_owned()),
    ]);
    let settings = Settings::from_lookup(|name| vars.get(name).cloned()).unwrap();
    let application = Application::build_on(settings, listener).await.unwrap();
    tokio::spawn(application.run_until_stopped());

    let client = reqwest::Client::new();
    let signup: Value = client
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({"email": "bench@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signup["token"].as_str().unwrap().to_owned();
    let first = client
        .post(format!("{base}/api/v1/realtime/client-secret"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    // The exact body our server sends, replayed directly.
    let body = openai.received_requests().await.unwrap()[0].body.clone();
    openai.reset().await;
    Mock::given(method("POST"))
        .and(path("/v1/realtime/client_secrets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": "ek_bench", "expires_at": 1_900_000_000, "session": {"type": "realtime", "model": "gpt-realtime"}
        })))
        .mount(&openai)
        .await;

    let direct_url = format!("{}/v1/realtime/client_secrets", openai.uri());
    let direct = measure(requests, || {
        let request = client
            .post(&direct_url)
            .bearer_auth("sk-bench")
            .header("content-type", "application/json")
            .body(body.clone());
        async move {
            let response = request.send().await.unwrap();
            assert!(response.status().is_success());
            response.bytes().await.unwrap();
        }
    })
    .await;
    let route_url = format!("{base}/api/v1/realtime/client-secret");
    let through = measure(requests, || {
        let request = client.post(&route_url).bearer_auth(&token);
        async move {
            let response = request.send().await.unwrap();
            assert!(response.status().is_success());
            response.bytes().await.unwrap();
        }
    })
    .await;
    print_times(
        requests,
        &[
            ("upstream directly", &direct),
            ("through our route", &through),
        ],
    );
    println!(
        "added by the route: p50 {:+.3} ms, p99 {:+.3} ms (target: p50 <= 1 ms)",
        ms(&through, 0.5) - ms(&direct, 0.5),
        ms(&through, 0.99) - ms(&direct, 0.99)
    );

    let mut made = 0_usize;
    let projects_url = format!("{base}/api/v1/projects");
    let rest = measure(requests, || {
        made += 1;
        let request = client
            .post(&projects_url)
            .bearer_auth(&token)
            .json(&json!({"name": format!("Garden {made}")}));
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 201);
            response.bytes().await.unwrap();
        }
    })
    .await;
    let tool_calls_url = format!("{base}/api/v1/realtime/tool-calls");
    let relayed = measure(requests, || {
        made += 1;
        // As the page relays it: the model's call id and its own JSON text.
        let request = client
            .post(&tool_calls_url)
            .bearer_auth(&token)
            .json(&json!({
                "call_id": format!("call_{made}"),
                "name": "create_project",
                "arguments": json!({"name": format!("Garden {made}")}).to_string(),
            }));
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            let answer: Value = response.json().await.unwrap();
            assert!(answer["output"]["id"].is_string(), "{answer}");
        }
    })
    .await;
    print_times(
        requests,
        &[("POST /projects", &rest), ("tool call", &relayed)],
    );
    println!(
        "tool call round trip (create_project): p50 {:.3} ms (target <= 5 ms), {:+.3} ms over the REST route",
        ms(&relayed, 0.5),
        ms(&relayed, 0.5) - ms(&rest, 0.5)
    );
}

fn print_times(requests: usize, rows: &[(&str, &[Duration])]) {
    for (name, times) in rows {
        println!(
            "{name:>18}: p50 {:>8.3} ms  p99 {:>8.3} ms  ({requests} sequential requests)",
            ms(times, 0.5),
            ms(times, 0.99)
        );
    }
}
