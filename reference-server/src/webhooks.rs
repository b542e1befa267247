//! Webhooks in the Standard Webhooks format (SPEC §11): the delivery worker that posts
//! recorded events to `WEBHOOK_URL`, signed with `WEBHOOK_SECRET`.
//!
//! The outbox row is the truth: an event is claimed (leased to this replica), posted,
//! and only then marked delivered, postponed or failed. A replica that dies between
//! the post and the mark leaves a lease that ends, and another attempt follows: at
//! least once, and exactly once while every replica stays up.
//!
//! The signing is a few lines of HMAC-SHA256 over `hmac` and `sha2`, already in the
//! dependency tree, rather than the `standardwebhooks` crate, which would add a second
//! `base64` and a second HMAC implementation; the tests verify these signatures with
//! the official Standard Webhooks library of another language.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use connectors_core::{CredentialStore, Event, EventType, PendingDelivery};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use tokio_util::sync::CancellationToken;
use url::Url;
use uuid::Uuid;

use crate::metrics::{DeliveryOutcome, Metrics};

/// `WEBHOOK_SECRET`'s key: the bytes after `whsec_`, base64-decoded. Its `Debug` shows
/// nothing of it.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// Parses `whsec_` + base64 of 24 to 64 bytes.
    ///
    /// # Errors
    ///
    /// A message saying what is wrong, never quoting the value.
    pub fn parse(value: &str) -> Result<Self, &'static str> {
        const EXPECTED: &str = "expected whsec_ followed by the base64 of 24 to 64 random bytes";
        let encoded = value.strip_prefix("whsec_").ok_or(EXPECTED)?;
        let key = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| EXPECTED)?;
        if (24..=64).contains(&key.len()) {
            Ok(Self(key))
        } else {
            Err(EXPECTED)
        }
    }

    /// The `webhook-signature` header value of one attempt: `v1,` + base64 of the
    /// HMAC-SHA256 of `{id}.{timestamp}.{body}`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        let signature = mac.finalize().into_bytes();
        format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(signature)
        )
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

/// The five `WEBHOOK_*` settings, present when `WEBHOOK_URL` is set.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `WEBHOOK_URL`.
    pub url: Url,
    /// `WEBHOOK_SECRET`.
    pub secret: WebhookSecret,
    /// `WEBHOOK_EVENTS`: the types delivered.
    pub events: Vec<EventType>,
    /// `WEBHOOK_RETRY_SCHEDULE`: the wait before each retry; its length is the number
    /// of retries after the first attempt.
    pub retry_schedule: Vec<Duration>,
    /// `WEBHOOK_TIMEOUT_SECONDS`: how long one attempt may take.
    pub timeout: Duration,
}

impl WebhookSettings {
    /// The types delivered when `WEBHOOK_EVENTS` is not set: all but
    /// `connection.refreshed`, which comes every hour per grant and says nothing new.
    pub fn default_events() -> Vec<EventType> {
        EventType::ALL
            .into_iter()
            .filter(|kind| *kind != EventType::Refreshed)
            .collect()
    }

    /// `5,300,1800,7200,18000,36000,36000`: about 27 hours in all.
    pub fn default_retry_schedule() -> Vec<Duration> {
        [5, 300, 1800, 7200, 18000, 36000, 36000]
            .into_iter()
            .map(Duration::from_secs)
            .collect()
    }
}

/// The webhook body of `event`: `{"type", "timestamp", "data": {"id", "user_id",
/// "connector", "created_at", …the event's own fields}}`. It depends only on the
/// stored event, with keys in a fixed order, so every retry sends the same bytes.
pub fn body(event: &Event) -> Vec<u8> {
    let created_at = rfc3339(event);
    let mut data = serde_json::Map::new();
    data.insert("id".into(), event.id.clone().into());
    data.insert("user_id".into(), event.user_id.to_string().into());
    data.insert("connector".into(), event.connector.clone().into());
    data.insert("created_at".into(), created_at.clone().into());
    for (key, value) in &event.data {
        // The envelope's fields are the event's identity: a data field cannot hide them.
        if !data.contains_key(key) {
            data.insert(key.clone(), value.clone());
        }
    }
    let mut body = serde_json::Map::new();
    body.insert("type".into(), event.event_type.as_str().into());
    body.insert("timestamp".into(), created_at.into());
    body.insert("data".into(), data.into());
    serde_json::Value::Object(body).to_string().into_bytes()
}

fn rfc3339(event: &Event) -> String {
    event
        .created_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// What became of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Delivered,
    Retry(Duration),
    Failed,
}

/// Posts claimed events to `WEBHOOK_URL`, one replica per event at a time.
#[derive(Debug, Clone)]
pub struct DeliveryWorker {
    store: Arc<dyn CredentialStore>,
    settings: Arc<WebhookSettings>,
    client: reqwest::Client,
    holder: Uuid,
    metrics: Metrics,
}

/// Events claimed (and posted concurrently) per tick.
const BATCH: u32 = 16;

/// How often the worker looks for due events when the last look found none.
const IDLE_POLL: Duration = Duration::from_millis(500);

impl DeliveryWorker {
    /// A worker over `store`, with a lease holder id of its own.
    ///
    /// # Errors
    ///
    /// When the HTTP client cannot be built (no TLS backend).
    pub fn new(
        store: Arc<dyn CredentialStore>,
        settings: WebhookSettings,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            store,
            settings: Arc::new(settings),
            client,
            holder: Uuid::new_v4(),
            metrics: Metrics::new(),
        })
    }

    /// Counts the attempts in `metrics` (`webhook_deliveries_total`) rather than in a
    /// registry of its own that nothing exports.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Delivers until `shutdown` is cancelled: a tick right after a full batch, else
    /// every half second. A tick under way when it is cancelled finishes first (each
    /// attempt is bounded by `WEBHOOK_TIMEOUT_SECONDS`). Dropped mid-attempt instead,
    /// nothing is lost: the lease ends and the event is tried again.
    pub async fn run(self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            let claimed = match self.tick().await {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::warn!(error = %crate::error::error_chain(&error), "could not claim webhook deliveries");
                    0
                }
            };
            if claimed < BATCH as usize {
                tokio::select! {
                    () = tokio::time::sleep(IDLE_POLL) => {}
                    () = shutdown.cancelled() => {}
                }
            }
        }
    }

    /// Claims up to one batch of due events and attempts each once, concurrently.
    /// Returns how many it claimed.
    ///
    /// # Errors
    ///
    /// When the store fails to claim.
    pub async fn tick(&self) -> Result<usize, connectors_core::StoreError> {
        // The batch's attempts run at once, each bounded by the timeout: the lease
        // outlasts them with room to record their outcomes.
        let lease = self.settings.timeout + Duration::from_secs(10);
        let claimed = self
            .store
            .claim_deliveries(self.holder, lease, &self.settings.events, BATCH)
            .await?;
        let count = claimed.len();
        let attempts: Vec<_> = claimed
            .into_iter()
            .map(|delivery| self.attempt(delivery))
            .collect();
        futures::future::join_all(attempts).await;
        Ok(count)
    }

    async fn attempt(&self, delivery: PendingDelivery) {
        let event = &delivery.event;
        let outcome = match self.post(event).await {
            Ok(()) => Outcome::Delivered,
            Err(reason) => {
                let attempt = delivery.attempts as usize;
                match self.settings.retry_schedule.get(attempt) {
                    Some(wait) => {
                        tracing::debug!(event = %event.id, %reason, attempt = attempt + 1, "webhook attempt failed; retrying");
                        Outcome::Retry(*wait)
                    }
                    None => {
                        tracing::warn!(
                            event = %event.id,
                            event_type = %event.event_type,
                            attempts = attempt + 1,
                            %reason,
                            "webhook delivery failed after its last attempt"
                        );
                        Outcome::Failed
                    }
                }
            }
        };
        self.metrics.webhook_delivery(match outcome {
            Outcome::Delivered => DeliveryOutcome::Delivered,
            Outcome::Retry(_) => DeliveryOutcome::Retried,
            Outcome::Failed => DeliveryOutcome::Failed,
        });
        let ended = match outcome {
            Outcome::Delivered => self.store.finish_delivery(&event.id, self.holder).await,
            Outcome::Retry(wait) => {
                self.store
                    .postpone_delivery(&event.id, self.holder, wait)
                    .await
            }
            Outcome::Failed => self.store.fail_delivery(&event.id, self.holder).await,
        };
        if let Err(error) = ended {
            // The lease ends on its own and the event is tried again: at least once.
            tracing::warn!(event = %event.id, error = %crate::error::error_chain(&error), "could not record a webhook attempt");
        }
    }

    /// One signed `POST`; `Err` says why it did not end delivery (never a secret: the
    /// status, or the kind of transport failure).
    async fn post(&self, event: &Event) -> Result<(), String> {
        let body = body(event);
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let signature = self.settings.secret.sign(&event.id, timestamp, &body);
        let response = self
            .client
            .post(self.settings.url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", &event.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|error| {
                if error.is_timeout() {
                    "timed out".to_owned()
                } else {
                    "could not reach the receiver".to_owned()
                }
            })?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered {}", response.status().as_u16()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> WebhookSecret {
        // The example of the Standard Webhooks specification.
        WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
    }

    #[test]
    fn signs_the_standard_webhooks_example() {
        // From the specification's test vectors.
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret().sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_secret_needs_its_prefix_and_24_to_64_bytes() {
        let encode = |n: usize| base64::engine::general_purpose::STANDARD.encode(vec![7u8; n]);
        assert!(WebhookSecret::parse(&format!("whsec_{}", encode(24))).is_ok());
        assert!(WebhookSecret::parse(&format!("whsec_{}", encode(64))).is_ok());
        assert!(WebhookSecret::parse(&format!("whsec_{}", encode(23))).is_err());
        assert!(WebhookSecret::parse(&format!("whsec_{}", encode(65))).is_err());
        assert!(WebhookSecret::parse(&encode(32)).is_err());
        assert!(WebhookSecret::parse("whsec_not base64!").is_err());
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let shown = format!("{:?}", secret());
        assert!(!shown.contains("MfKQ"), "{shown}");
    }

    #[test]
    fn the_body_is_the_envelope_with_the_data_merged_and_the_same_every_time() {
        let mut data = serde_json::Map::new();
        data.insert("reason".into(), "invalid_grant".into());
        data.insert("id".into(), "not the event id".into());
        let event = Event::new(EventType::NeedsReauth, Uuid::nil(), Some("gmail"), data);
        let first = body(&event);
        // Read back (as the store hands it over on a later attempt): the same bytes.
        let reread: Event = serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
        assert_eq!(first, body(&reread));
        let parsed: serde_json::Value = serde_json::from_slice(&first).unwrap();
        let created_at = rfc3339(&event);
        assert_eq!(
            parsed,
            serde_json::json!({
                "type": "connection.needs_reauth",
                "timestamp": created_at,
                "data": {
                    "id": event.id,
                    "user_id": Uuid::nil().to_string(),
                    "connector": "gmail",
                    "created_at": created_at,
                    "reason": "invalid_grant",
                }
            })
        );
        let text = String::from_utf8(first).unwrap();
        assert!(text.starts_with(r#"{"type":"connection.needs_reauth","timestamp":"#));
    }
}
