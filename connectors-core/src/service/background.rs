//! The background refresh worker (SPEC §11): refreshes access tokens before they expire
//! and idle grants before they die quietly, and warns about refresh tokens that are about
//! to expire, so the application hears about a dead connection before its user does.

use std::future::Future;
use std::time::Duration;

use futures::StreamExt;
use rand::Rng;
use time::OffsetDateTime;

use super::{connection_event, rfc3339, ConnectorAuthService};
use crate::connector::ConnectorSpec;
use crate::error::{Error, Result};
use crate::events::EventType;
use crate::store::{DueGrant, DueQuery};

/// Settings of the background refresh worker
/// ([`ConnectorAuthService::run_background_refresh`]).
///
/// The defaults are the reference server's: `REFRESH_AHEAD_SECONDS=600`,
/// `KEEPALIVE_DAYS=7`, `EXPIRY_WARNING_HOURS=48`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackgroundRefresh {
    /// Access tokens expiring within this window are refreshed.
    pub refresh_ahead: Duration,
    /// A grant neither connected nor refreshed for this long is refreshed once: a dead
    /// grant is found early, and providers that expire unused grants (Google, after six
    /// months) see it used.
    pub keepalive: Duration,
    /// `connection.expiring` is recorded this long before a refresh token's known expiry.
    pub expiry_warning: Duration,
    /// Time between two runs, lengthened by up to a fifth at random so that replicas
    /// started together drift apart.
    pub interval: Duration,
    /// Refreshes running at the same time, per replica.
    pub concurrency: usize,
    /// Grants taken per run at most (the rest wait for the next run).
    pub batch: u32,
}

impl Default for BackgroundRefresh {
    fn default() -> Self {
        Self {
            refresh_ahead: Duration::from_secs(600),
            keepalive: Duration::from_secs(7 * 24 * 3600),
            expiry_warning: Duration::from_secs(48 * 3600),
            interval: Duration::from_secs(30),
            concurrency: 8,
            batch: 500,
        }
    }
}

impl BackgroundRefresh {
    /// The wait before the next run: the interval plus up to a fifth of it.
    pub fn next_wait(&self) -> Duration {
        let jitter = rand::thread_rng().gen_range(0.0..0.2);
        self.interval + self.interval.mul_f64(jitter)
    }

    /// The longest random delay before the first refresh of each of a run's lanes.
    fn spread(&self) -> Duration {
        (self.interval / 10).min(Duration::from_secs(1))
    }
}

/// What one run of the background worker found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerRun {
    /// Grants found due.
    pub due: usize,
    /// Due grants that now hold a fresh access token (refreshed by this run, or by a
    /// caller or replica that got there first).
    pub refreshed: usize,
    /// Due grants whose refresh failed transiently (they back off).
    pub failed: usize,
    /// Due grants the provider refused for good (`needs_reauth`).
    pub needs_reauth: usize,
    /// Due grants skipped: their connector is not registered or not configured here.
    pub skipped: usize,
    /// `connection.expiring` events recorded.
    pub warned: usize,
}

/// How one due grant's refresh ended.
enum Outcome {
    Refreshed,
    Failed,
    NeedsReauth,
}

impl ConnectorAuthService {
    /// One run of the background worker: refreshes up to `settings.batch` due grants
    /// (expiring within `refresh_ahead`, or idle for `keepalive`), at most
    /// `settings.concurrency` at a time, through the same lease as on-demand refreshes
    /// (so a grant is refreshed once however many replicas run the worker), then records
    /// `connection.expiring` for refresh tokens expiring within `expiry_warning`.
    ///
    /// Grants backing off after transient failures are left alone until their backoff
    /// ends; the failure policy is the on-demand one (events, status, backoff).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store fails to list the due grants; a grant's own
    /// failure is counted in [`WorkerRun`], not returned.
    pub async fn refresh_due(&self, settings: &BackgroundRefresh) -> Result<WorkerRun> {
        let now = OffsetDateTime::now_utc();
        let query = DueQuery {
            expiring_before: now + settings.refresh_ahead,
            idle_since: now - settings.keepalive,
            now,
            limit: settings.batch,
        };
        let due = self.store.due_refreshes(&query).await?;
        let mut run = WorkerRun {
            due: due.len(),
            ..WorkerRun::default()
        };
        let (refreshable, skipped): (Vec<DueGrant>, Vec<DueGrant>) =
            due.into_iter().partition(|grant| self.can_refresh(grant));
        run.skipped = skipped.len();
        let spread = settings.spread();
        let lanes = settings.concurrency.max(1);
        let outcomes: Vec<Outcome> = futures::stream::iter(refreshable.into_iter().enumerate())
            .map(|(index, grant)| async move {
                // The first refresh of each lane starts after a random delay, so that
                // replicas and lanes do not call the provider in lockstep; the later
                // ones follow as lanes free up, without holding a lane idle.
                if index < lanes {
                    let delay = spread.mul_f64(rand::thread_rng().gen_range(0.0..1.0));
                    tokio::time::sleep(delay).await;
                }
                self.refresh_one(&grant).await
            })
            .buffer_unordered(lanes)
            .collect()
            .await;
        for outcome in outcomes {
            match outcome {
                Outcome::Refreshed => run.refreshed += 1,
                Outcome::Failed => run.failed += 1,
                Outcome::NeedsReauth => run.needs_reauth += 1,
            }
        }
        run.warned = self
            .warn_expiring(now + settings.expiry_warning, settings.batch)
            .await?;
        Ok(run)
    }

    /// Runs [`Self::refresh_due`] every [`BackgroundRefresh::next_wait`] until `shutdown`
    /// completes (a run under way is finished first), handing each run's result to
    /// `on_run` (for metrics) and logging failed runs.
    pub async fn run_background_refresh<F>(
        &self,
        settings: &BackgroundRefresh,
        shutdown: F,
        mut on_run: impl FnMut(&Result<WorkerRun>),
    ) where
        F: Future<Output = ()>,
    {
        tokio::pin!(shutdown);
        loop {
            let run = self.refresh_due(settings).await;
            match &run {
                Ok(run) if run.due > 0 || run.warned > 0 => {
                    tracing::info!(
                        due = run.due,
                        refreshed = run.refreshed,
                        failed = run.failed,
                        needs_reauth = run.needs_reauth,
                        skipped = run.skipped,
                        warned = run.warned,
                        "background refresh run"
                    );
                }
                Ok(_) => tracing::debug!("background refresh run: nothing due"),
                Err(error) => tracing::warn!(%error, "background refresh run failed"),
            }
            on_run(&run);
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(settings.next_wait()) => {}
            }
        }
    }

    /// Whether this service can refresh the grant: an OAuth connector registered here
    /// whose provider has a client.
    fn can_refresh(&self, grant: &DueGrant) -> bool {
        self.connector(&grant.connector_code)
            .is_ok_and(|connector| {
                matches!(connector.spec(), ConnectorSpec::OAuth(_))
                    && self.is_configured(connector.as_ref())
            })
    }

    async fn refresh_one(&self, grant: &DueGrant) -> Outcome {
        let key = grant.connector_code.as_str();
        match self.refresh_after(grant.user_id, key, grant.version).await {
            Ok(_) => Outcome::Refreshed,
            Err(Error::NeedsReauth(_)) => Outcome::NeedsReauth,
            Err(error) => {
                if !matches!(error, Error::ProviderUnavailable { .. }) {
                    tracing::warn!(connector = %key, %error, "background refresh failed");
                }
                Outcome::Failed
            }
        }
    }

    /// Records `connection.expiring` once for each refresh token expiring by `before`.
    async fn warn_expiring(&self, before: OffsetDateTime, limit: u32) -> Result<usize> {
        let mut warned = 0;
        for grant in self.store.expiring_grants(before, limit).await? {
            let event = connection_event(
                EventType::Expiring,
                grant.user_id,
                &grant.connector_code,
                [(
                    "expires_at",
                    serde_json::Value::from(rfc3339(grant.refresh_token_expires_at)),
                )],
            );
            if self
                .store
                .record_expiry_warning(grant.user_id, &grant.connector_code, &event)
                .await?
            {
                tracing::info!(connector = %grant.connector_code, "refresh token expires soon");
                self.forget_views(grant.user_id);
                self.publish(event);
                warned += 1;
            }
        }
        Ok(warned)
    }
}
