//! The server's Prometheus metrics, served at `GET /metrics` (SPEC §5) in the text
//! exposition format.
//!
//! Each [`AppState`](crate::AppState) owns its [`Metrics`]: a `metrics` recorder of its
//! own rather than the process-wide one, so that two servers in one process (tests, an
//! app embedding the router twice) count apart. Every family it exports:
//!
//! | family | labels | counts |
//! | --- | --- | --- |
//! | `http_requests_total` | `method`, `route`, `status` | answered requests |
//! | `http_request_duration_seconds` (histogram) | `method`, `route`, `status` | their latency |
//! | `token_refreshes_total` | `connector`, `outcome` = `ok` \| `transient_failure` \| `needs_reauth` | refreshes, from the engine's lifecycle events |
//! | `client_secrets_minted_total` | `outcome` = `ok` \| `error` | calls to OpenAI for a client secret |
//! | `webhook_deliveries_total` | `outcome` = `delivered` \| `retried` \| `failed` | webhook attempts and how they ended |
//! | `background_worker_runs_total` | `outcome` = `ok` \| `error` | runs of the background worker |
//!
//! `route` is the matched route template (`/api/v1/connectors/{key}/redirect`), never
//! the path a client sent, so that the label's values stay few; a request that no route
//! matched (the dashboard's pages and files, a 404) is counted under
//! [`UNMATCHED_ROUTE`]. No label ever holds a user, a token or a query string.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::metrics::{counter, describe_counter, describe_histogram, histogram, Unit};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use connectors_core::{Event, EventType};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use tokio::sync::broadcast::error::RecvError;

/// The `route` label of a request no route matched.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The media type of the text exposition format.
pub const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds (seconds) of the latency histogram's buckets.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How a token refresh ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// A new access token was stored.
    Ok,
    /// The provider could not answer (5xx, 429, timeout); the grant is kept.
    TransientFailure,
    /// The provider refused the grant for good.
    NeedsReauth,
}

impl RefreshOutcome {
    /// The `outcome` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::TransientFailure => "transient_failure",
            Self::NeedsReauth => "needs_reauth",
        }
    }

    /// The refresh outcome a lifecycle event reports, if it reports one.
    pub fn of(event_type: EventType) -> Option<Self> {
        match event_type {
            EventType::Refreshed => Some(Self::Ok),
            EventType::RefreshFailed => Some(Self::TransientFailure),
            EventType::NeedsReauth => Some(Self::NeedsReauth),
            _ => None,
        }
    }
}

/// Whether a call to OpenAI for a client secret gave one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MintOutcome {
    /// A client secret was minted.
    Ok,
    /// OpenAI refused or could not be reached.
    Error,
}

impl MintOutcome {
    /// The `outcome` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
        }
    }
}

/// How one webhook attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// It did not; another attempt is scheduled.
    Retried,
    /// It did not, and that was the last attempt.
    Failed,
}

impl DeliveryOutcome {
    /// The `outcome` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retried => "retried",
            Self::Failed => "failed",
        }
    }
}

/// How one run (tick) of the background worker ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerOutcome {
    /// The run did its work (some refreshes inside it may still have failed: those are
    /// counted in `token_refreshes_total`).
    Ok,
    /// The run itself failed (the store could not be read, …).
    Error,
}

impl WorkerOutcome {
    /// The `outcome` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
        }
    }
}

/// The server's metrics: record with its methods, export with [`Metrics::render`].
/// Cheap to clone (every clone records into the same registry).
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A new, empty registry, with every family described and the counters of fixed
    /// label sets at zero (so that a dashboard sees them before the first event).
    pub fn new() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".to_owned()),
                LATENCY_BUCKETS,
            )
            .expect("the latency buckets are not empty")
            .build_recorder();
        let metrics = Self {
            handle: recorder.handle(),
            recorder: Arc::new(recorder),
        };
        metrics.record(|| {
            describe_counter!(
                "http_requests_total",
                "HTTP requests answered, by matched route and status"
            );
            describe_histogram!(
                "http_request_duration_seconds",
                Unit::Seconds,
                "Latency of HTTP requests, by matched route and status"
            );
            describe_counter!(
                "token_refreshes_total",
                "Token refreshes by connector and outcome"
            );
            describe_counter!(
                "client_secrets_minted_total",
                "Realtime client secrets asked of OpenAI, by outcome"
            );
            describe_counter!("webhook_deliveries_total", "Webhook attempts by outcome");
            describe_counter!(
                "background_worker_runs_total",
                "Background worker runs by outcome"
            );
            for outcome in [MintOutcome::Ok, MintOutcome::Error] {
                counter!("client_secrets_minted_total", "outcome" => outcome.as_str()).absolute(0);
            }
            for outcome in [
                DeliveryOutcome::Delivered,
                DeliveryOutcome::Retried,
                DeliveryOutcome::Failed,
            ] {
                counter!("webhook_deliveries_total", "outcome" => outcome.as_str()).absolute(0);
            }
            for outcome in [WorkerOutcome::Ok, WorkerOutcome::Error] {
                counter!("background_worker_runs_total", "outcome" => outcome.as_str()).absolute(0);
            }
        });
        metrics
    }

    /// Runs `f` with this registry as the recorder of the `metrics` macros.
    fn record(&self, f: impl FnOnce()) {
        ::metrics::with_local_recorder(self.recorder.as_ref(), f);
    }

    /// Counts an answered request and its latency.
    pub fn http_request(
        &self,
        method: &Method,
        route: &str,
        status: StatusCode,
        latency: Duration,
    ) {
        let labels = [
            ("method", method_label(method)),
            ("route", route.to_owned()),
            ("status", status.as_u16().to_string()),
        ];
        self.record(|| {
            counter!("http_requests_total", &labels).increment(1);
            histogram!("http_request_duration_seconds", &labels).record(latency.as_secs_f64());
        });
    }

    /// Counts a token refresh of `connector`.
    pub fn refresh(&self, connector: &str, outcome: RefreshOutcome) {
        let labels = [
            ("connector", connector.to_owned()),
            ("outcome", outcome.as_str().to_owned()),
        ];
        self.record(|| counter!("token_refreshes_total", &labels).increment(1));
    }

    /// Counts a call to OpenAI for a client secret.
    pub fn client_secret(&self, outcome: MintOutcome) {
        self.record(|| {
            counter!("client_secrets_minted_total", "outcome" => outcome.as_str()).increment(1);
        });
    }

    /// Counts a webhook attempt.
    pub fn webhook_delivery(&self, outcome: DeliveryOutcome) {
        self.record(|| {
            counter!("webhook_deliveries_total", "outcome" => outcome.as_str()).increment(1);
        });
    }

    /// Counts a run of the background worker.
    pub fn worker_run(&self, outcome: WorkerOutcome) {
        self.record(|| {
            counter!("background_worker_runs_total", "outcome" => outcome.as_str()).increment(1);
        });
    }

    /// Counts the refresh outcome `event` reports, if any.
    pub fn lifecycle_event(&self, event: &Event) {
        if let (Some(outcome), Some(connector)) = (
            RefreshOutcome::of(event.event_type),
            event.connector.as_deref(),
        ) {
            self.refresh(connector, outcome);
        }
    }

    /// Counts refreshes from the engine's lifecycle events until the sender is dropped,
    /// so that the engine needs no metrics of its own. A receiver that fell behind
    /// (more than the channel holds) logs how many it missed and goes on.
    pub async fn count_lifecycle_events(self, mut events: tokio::sync::broadcast::Receiver<Event>) {
        loop {
            match events.recv().await {
                Ok(event) => self.lifecycle_event(&event),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "metrics missed lifecycle events; refresh counts are low"
                    );
                }
                Err(RecvError::Closed) => break,
            }
        }
    }

    /// The text exposition of every family.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Drains histogram samples into their buckets, so that memory stays bounded when
    /// nothing scrapes; run every few seconds.
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }
}

/// The `method` label: the standard methods by name, anything else as `other` (a
/// client can send any token as a method).
fn method_label(method: &Method) -> String {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    if KNOWN.contains(method) {
        method.as_str().to_owned()
    } else {
        "other".to_owned()
    }
}

/// Middleware counting every request under its matched route (it runs after routing,
/// added with `Router::layer`, so [`MatchedPath`] is known).
pub async fn track_requests(
    State(metrics): State<Metrics>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_owned();
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.http_request(&method, &route, response.status(), started.elapsed());
    response
}
