//! [`Application`]: settings → database, SDK service, router, listener.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::{ConnectInfo, DefaultBodyLimit};
use axum::http::header::{HeaderName, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use axum::http::Request;
use axum::routing::{get, post};
use axum::{middleware, Router};
use base64::Engine as _;
use connectors_core::StoreError;

use crate::db::DbError;
use connectors_core::{default_http_client, ConnectorAuthService, ProviderConfig};
use connectors_store::Cipher;
use realtime_secret::{ClientSecretMinter, OpenAiApiKey, SessionConfig};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::config::Settings;
use crate::db::Database;
use crate::hashing::PasswordHashing;
use crate::metrics::Metrics;
use crate::ratelimit::KeyedLimiter;
use crate::request_id::X_REQUEST_ID;
use crate::routes::realtime;
use crate::routes::{actions, auth, connectors, events, files, health, projects};
use crate::state::AppState;
use crate::voice::Voice;
use crate::{auth as sessions, frontend};

/// The server, bound and ready to run.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    /// Shared with the tool calls, which hold it weakly (see [`ToolRouter`](crate::tool_calls::ToolRouter)).
    router: Arc<Router>,
    state: AppState,
}

impl Application {
    /// Opens the database (running migrations, checking the key), assembles the SDK and
    /// binds `BIND_ADDR` (port 0 picks a free port).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind_addr)
            .await
            .with_context(|| format!("BIND_ADDR: cannot listen on {}", settings.bind_addr))?;
        Self::build_on(settings, listener).await
    }

    /// Like [`Application::build`], on a listener the caller already bound (so it can
    /// know the port before choosing `BACKEND_URL`).
    pub async fn build_on(settings: Settings, listener: TcpListener) -> anyhow::Result<Self> {
        let state = build_state(settings).await?;
        let router = Arc::new(router(state.clone()));
        state.tool_router.set(&router);
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|addr| addr.port())
            .unwrap_or_default()
    }

    /// The state the server runs with (tests reach the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A token that stops the server as SIGTERM would: cancel it to shut down.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.state.shutdown.clone()
    }

    /// Serves until the process gets SIGTERM or SIGINT (or [`Application::shutdown_token`]
    /// is cancelled), then stops accepting, lets requests in flight finish for up to
    /// `SHUTDOWN_GRACE_SECONDS`, stops the background workers and logs one line saying
    /// what was drained.
    ///
    /// HTTP/1 through hyper directly rather than `axum::serve`, for what it does not
    /// set: a header-read timeout (`HEADER_READ_TIMEOUT_SECONDS`, which hyper also runs
    /// while a kept-alive connection waits for its next request, so it bounds idle
    /// connections too) and a cap on connections served at once (`MAX_CONNECTIONS`;
    /// past it, new connections wait in the listen backlog).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let shutdown = self.state.shutdown.clone();
        tokio::spawn({
            let shutdown = shutdown.clone();
            async move {
                shutdown_signal().await;
                shutdown.cancel();
            }
        });
        let mut workers = spawn_housekeeping(&self.state);
        workers.extend(spawn_webhook_worker(&self.state)?);
        workers.extend(spawn_refresh_worker(&self.state));
        spawn_metrics(&self.state);
        let settings = &self.state.settings;
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(settings.header_read_timeout)
            .keep_alive(true);
        let connections = Arc::new(tokio::sync::Semaphore::new(settings.max_connections));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        loop {
            let permit = tokio::select! {
                permit = Arc::clone(&connections).acquire_owned() => permit.context("connection limit closed")?,
                () = shutdown.cancelled() => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!(error = %error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
                () = shutdown.cancelled() => break,
            };
            let _ = stream.set_nodelay(true);
            let router = Router::clone(&self.router);
            let in_flight = Arc::clone(&in_flight);
            let service =
                hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    let request_in_flight = InFlight::enter(&in_flight);
                    let response = tower::ServiceExt::oneshot(router.clone(), request);
                    async move {
                        let response = response.await;
                        drop(request_in_flight);
                        response
                    }
                });
            let connection = graceful
                .watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    tracing::debug!(error = %error, "connection ended with an error");
                }
                drop(permit);
            });
        }
        drop(self.listener);
        // One grace period for everything: the requests, then the workers (told to
        // stop at the same moment, so mostly done by then).
        let deadline = tokio::time::Instant::now() + settings.shutdown_grace;
        let requests = in_flight.load(Ordering::SeqCst);
        let drained = tokio::time::timeout_at(deadline, graceful.shutdown())
            .await
            .is_ok();
        let abandoned = if drained {
            0
        } else {
            in_flight.load(Ordering::SeqCst)
        };
        let finished = requests.saturating_sub(abandoned);
        let (stopped, aborted) = stop_workers(workers, deadline).await;
        tracing::info!(
            requests_in_flight = requests,
            finished,
            abandoned,
            grace_seconds = settings.shutdown_grace.as_secs(),
            workers_stopped = stopped,
            workers_aborted = aborted,
            "shutdown: {finished} of {requests} requests in flight finished, {abandoned} abandoned; \
             {stopped} background workers stopped, {aborted} aborted",
        );
        Ok(())
    }
}

/// Counts a request in flight for as long as it lives.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(counter))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits for the background workers (already told to stop by the shutdown token) until
/// `deadline`, aborting the ones still running then: how many stopped, how many were
/// aborted (a webhook attempt cut short is tried again once its lease ends).
async fn stop_workers(
    workers: Vec<tokio::task::JoinHandle<()>>,
    deadline: tokio::time::Instant,
) -> (usize, usize) {
    let (mut stopped, mut aborted) = (0, 0);
    for mut worker in workers {
        if tokio::time::timeout_at(deadline, &mut worker).await.is_ok() {
            stopped += 1;
        } else {
            worker.abort();
            aborted += 1;
        }
    }
    (stopped, aborted)
}

/// Opens the database as the server does at start-up: the key of the settings (or a
/// new key file, for a new database), migrations, the key check.
///
/// # Errors
///
/// One line naming the setting at fault.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Database> {
    let key = load_key(settings)?;
    let db = connect_database(settings, key.cipher.clone(), key.generated.is_some()).await?;
    // The database took the generated key: only now does it deserve its file.
    key.keep()?;
    Ok(db)
}

/// Connects with `cipher`, migrating and checking the key, and names the setting at
/// fault when that fails (`generated`: the key was just made up, none being set).
///
/// # Errors
///
/// One line naming the setting at fault.
pub async fn connect_database(
    settings: &Settings,
    cipher: Cipher,
    generated: bool,
) -> anyhow::Result<Database> {
    Database::connect(&settings.database_url, cipher)
        .await
        .map_err(|error| match error {
            DbError::Store(StoreError::WrongKey) if generated => anyhow::anyhow!(
                "CONNECTORS_ENCRYPTION_KEY: not set, and {}/encryption.key is missing, but this \
             database was created with a key (set the original key, or restore the key file)",
                settings.data_dir.display()
            ),
            DbError::Store(StoreError::WrongKey) => anyhow::anyhow!(
                "CONNECTORS_ENCRYPTION_KEY: does not match the key this database was created with \
             (set the original key, or restore {}/encryption.key)",
                settings.data_dir.display()
            ),
            other => anyhow::anyhow!("DATABASE_URL: {}", crate::error::error_chain(&other)),
        })
}

/// Builds the state: database, key, SDK service, limiters.
pub async fn build_state(settings: Settings) -> anyhow::Result<AppState> {
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    let db = open_database(&settings).await?;
    let orphans = crate::files::remove_orphan_files(&db, &settings.data_dir).await?;
    if orphans > 0 {
        tracing::info!(count = orphans, "removed uploaded files no row points at");
    }
    let service = Arc::new(connector_service(&settings, &db));
    let allowed_origins = [&settings.backend_url, &settings.frontend_url]
        .iter()
        .map(|url| url.origin().ascii_serialization())
        .collect();
    let voice = voice(&settings, &service);
    let per_minute = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Ok(AppState {
        signup_limiter: Arc::new(KeyedLimiter::per_minute(per_minute(
            settings.signups_per_minute,
        ))),
        hashing: Arc::new(PasswordHashing::for_available_cores()),
        login_limiter: Arc::new(KeyedLimiter::per_minute(per_minute(
            settings.login_attempts_per_minute,
        ))),
        mint_limiter: Arc::new(KeyedLimiter::per_minute(per_minute(
            settings.realtime_secrets_per_minute,
        ))),
        allowed_origins: Arc::new(allowed_origins),
        sessions: Arc::default(),
        settings: Arc::new(settings),
        db,
        service,
        voice,
        metrics: Metrics::new(),
        connector_lists: Arc::default(),
        tool_router: crate::tool_calls::ToolRouter::default(),
        shutdown: CancellationToken::new(),
    })
}

fn voice(settings: &Settings, service: &ConnectorAuthService) -> Arc<Voice> {
    let minter = settings.openai_api_key.as_ref().map(|key| {
        ClientSecretMinter::new(OpenAiApiKey::from(key.clone()))
            .with_base_url(settings.openai_base_url.clone())
            .with_http_client(default_http_client(settings.http_timeout))
    });
    let session = SessionConfig::new()
        .with_model(settings.realtime_model.clone())
        .with_voice(settings.realtime_voice.clone())
        .with_ttl(Duration::from_secs(settings.realtime_secret_ttl.into()));
    let keys = service
        .connectors()
        .map(|connector| connector.key().to_owned())
        .collect();
    Voice::new(minter, keys, session)
}

fn connector_service(settings: &Settings, db: &Database) -> ConnectorAuthService {
    let mut service = ConnectorAuthService::new(db.credential_store(), settings.api_base())
        .with_connectors(connectors_providers::builtin())
        .with_http_client(default_http_client(settings.http_timeout))
        .with_lease_lifetime(settings.http_timeout + Duration::from_secs(5))
        .with_retry_backoff(settings.refresh_retry, Duration::from_secs(3600))
        .with_block_private_targets(settings.block_private_targets);
    for (provider, config) in &settings.oauth_providers {
        if let Some(url) = &config.api_url {
            service = service.with_api_url(provider.clone(), url.clone());
        }
        let Some((client_id, client_secret)) = &config.client else {
            continue;
        };
        let mut client = ProviderConfig::new(client_id.clone(), client_secret.clone());
        if let Some(url) = &config.auth_url {
            client = client.with_auth_url(url.clone());
        }
        if let Some(url) = &config.token_url {
            client = client.with_token_url(url.clone());
        }
        if let Some(url) = &config.revoke_url {
            client = client.with_revoke_url(url.clone());
        }
        service = service.with_provider(provider.clone(), client);
    }
    for (provider, url) in &settings.api_urls {
        service = service.with_api_url(provider.clone(), url.clone());
    }
    service
}

/// The encryption key and, when it was just generated, its file not yet in place.
struct LoadedKey {
    cipher: Cipher,
    /// A new key written (mode 0600, synced) to a temporary file of `DATA_DIR`, and where
    /// it goes once the database accepted it. Dropped without [`LoadedKey::keep`], the
    /// file is removed: a start that fails leaves no key matching nothing.
    generated: Option<(tempfile::NamedTempFile, PathBuf)>,
}

impl LoadedKey {
    /// Moves a generated key file into place (never over an existing file).
    fn keep(self) -> anyhow::Result<()> {
        let Some((file, path)) = self.generated else {
            return Ok(());
        };
        file.persist_noclobber(&path).map_err(|error| {
            anyhow::anyhow!(
                "DATA_DIR: cannot create {}: {}",
                path.display(),
                error.error
            )
        })?;
        tracing::warn!(path = %path.display(), "generated a new encryption key; back it up, credentials cannot be read without it");
        Ok(())
    }
}

/// The key from `CONNECTORS_ENCRYPTION_KEY`, else from `{DATA_DIR}/encryption.key`,
/// else a new one, kept only if the database turns out to be new (see
/// [`LoadedKey::keep`]); with the keys of `CONNECTORS_PREVIOUS_ENCRYPTION_KEYS` for
/// reading.
fn load_key(settings: &Settings) -> anyhow::Result<LoadedKey> {
    if let Some(cipher) = existing_key(settings)? {
        return Ok(LoadedKey {
            cipher,
            generated: None,
        });
    }
    let path = settings.data_dir.join("encryption.key");
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    let encoded = base64::engine::general_purpose::STANDARD.encode(key);
    key.fill(0);
    let cipher = Cipher::from_base64(&encoded)
        .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
    let file = write_key_file(&settings.data_dir, &encoded)?;
    Ok(LoadedKey {
        cipher: with_previous_keys(cipher, settings),
        generated: Some((file, path)),
    })
}

/// The key the settings name, from `CONNECTORS_ENCRYPTION_KEY` or else
/// `{DATA_DIR}/encryption.key`, with the keys of `CONNECTORS_PREVIOUS_ENCRYPTION_KEYS`
/// for reading; `None` when there is neither (the server would generate one). Never
/// writes anything.
///
/// # Errors
///
/// When the key file cannot be read or does not hold a key.
pub fn existing_key(settings: &Settings) -> anyhow::Result<Option<Cipher>> {
    if let Some(cipher) = &settings.encryption_key {
        return Ok(Some(with_previous_keys(cipher.clone(), settings)));
    }
    let path = settings.data_dir.join("encryption.key");
    if !path.exists() {
        return Ok(None);
    }
    let encoded = std::fs::read_to_string(&path)
        .with_context(|| format!("DATA_DIR: cannot read {}", path.display()))?;
    let cipher = Cipher::from_base64(encoded.trim())
        .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
    Ok(Some(with_previous_keys(cipher, settings)))
}

fn with_previous_keys(cipher: Cipher, settings: &Settings) -> Cipher {
    settings
        .previous_encryption_keys
        .iter()
        .fold(cipher, |cipher, previous| {
            cipher.with_previous_key(previous.clone())
        })
}

/// Writes the key to a new temporary file of `directory` (tempfile creates it 0600)
/// and syncs it, so that it is on disk before any database is encrypted under it.
fn write_key_file(directory: &Path, encoded: &str) -> anyhow::Result<tempfile::NamedTempFile> {
    use std::io::Write as _;
    std::fs::create_dir_all(directory)
        .with_context(|| format!("DATA_DIR: cannot create {}", directory.display()))?;
    let mut file = tempfile::Builder::new()
        .prefix(".encryption.key.")
        .tempfile_in(directory)
        .with_context(|| format!("DATA_DIR: cannot write in {}", directory.display()))?;
    file.write_all(encoded.as_bytes())?;
    file.as_file().sync_all()?;
    Ok(file)
}

/// The whole HTTP surface: `/api/v1/...` and the dashboard.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/openapi.json", get(health::openapi))
        .route("/auth/signup", post(auth::signup))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/connectors", get(connectors::list))
        .route(
            "/connectors/google_calendar/events",
            get(connectors::calendar_events),
        )
        .route("/connectors/slack/channels", get(actions::slack_channels))
        .route(
            "/connectors/slack/channels/{channel}/messages",
            get(actions::slack_messages),
        )
        .route(
            "/connectors/slack/messages",
            post(actions::post_slack_message),
        )
        .route("/connectors/gmail/messages", get(actions::gmail_messages))
        .route("/connectors/smtp/messages", post(actions::send_email))
        .route(
            "/connectors/minio/objects",
            get(actions::minio_objects).post(actions::put_in_minio),
        )
        .route(
            "/connectors/notion/pages",
            get(actions::notion_pages).post(actions::create_notion_page),
        )
        .route(
            "/connectors/calendly/events",
            get(actions::calendly::calendly_events),
        )
        .route(
            "/connectors/calendly/event-types",
            get(actions::calendly::calendly_event_types),
        )
        .route(
            "/connectors/hostinger/domains",
            get(actions::hostinger::hostinger_domains),
        )
        .route(
            "/connectors/hostinger/subscriptions",
            get(actions::hostinger::hostinger_subscriptions),
        )
        .route(
            "/connectors/twilio/messages",
            get(actions::twilio::sms_messages).post(actions::twilio::send_sms),
        )
        .route("/connectors/{key}/redirect", get(connectors::redirect))
        .route(connectors_core::CALLBACK_ROUTE, get(connectors::callback))
        .route("/connectors/{key}/config", post(connectors::save_config))
        .route("/connectors/{key}/revoke", post(connectors::revoke))
        .route("/connectors/{key}/activate", post(connectors::activate))
        .route("/events", get(events::list))
        .route("/realtime/client-secret", post(realtime::client_secret))
        .route("/realtime/tools", get(realtime::tools))
        .route("/realtime/tool-calls", post(realtime::tool_call))
        .route("/projects", get(projects::list).post(projects::create))
        .route(
            "/files",
            get(files::list)
                .post(files::upload)
                .layer(DefaultBodyLimit::max(
                    state.settings.max_upload_bytes + 64 * 1024,
                )),
        )
        .route("/files/{id}", get(files::download))
        .fallback(|| async { crate::error::ApiError::not_found("route") })
        .layer(middleware::from_fn(crate::error::json_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            sessions::refuse_foreign_origin,
        ))
        // `no-store` unless the route says otherwise (the connector list is `private,
        // no-cache` with an ETag).
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cache-control"),
            HeaderValue::from_static("no-store"),
        ));
    // Outside `/api/v1`, for probes and scrapers; their errors (a 405) are JSON too.
    let root = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .layer(middleware::from_fn(crate::error::json_errors));
    Router::new()
        .merge(root)
        .nest("/api/v1", api)
        .fallback(frontend::serve)
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::metrics::track_requests,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            // Spans carry the path only: a query may hold an authorization code.
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id = request
                    .headers()
                    .get(X_REQUEST_ID)
                    .and_then(|id| id.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %request_id)
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(middleware::map_request(crate::request_id::drop_unusable_request_id))
        .with_state(state)
}

/// The periodic chores, each its own task, stopping at the shutdown token.
fn spawn_housekeeping(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    let revocations = state.clone();
    let retry_revocations = every(Duration::from_secs(5), &state.shutdown, move || {
        // Revocations the provider could not confirm at disconnect time: retried with
        // their own backoff (30 s doubling to 1 h); this only looks for due ones.
        let state = revocations.clone();
        async move {
            if let Err(error) = state.service.retry_revocations(50).await {
                tracing::warn!(error = %error, "could not retry queued revocations");
            }
        }
    });
    let caches = state.clone();
    let forget_stale = every(Duration::from_secs(60), &state.shutdown, move || {
        let state = caches.clone();
        async move {
            state.signup_limiter.forget_idle_keys();
            state.login_limiter.forget_idle_keys();
            state.mint_limiter.forget_idle_keys();
            state.service.forget_stale_views();
            state.connector_lists.forget_stale();
            let ttl = state.settings.session_cache;
            state
                .sessions
                .retain(|_, (_, _, cached_at)| cached_at.elapsed() < ttl);
            if let Err(error) = state.db.purge_expired_sessions().await {
                tracing::warn!(error = %error, "could not purge expired sessions");
            }
        }
    });
    vec![retry_revocations, forget_stale]
}

/// The background refresh worker (SPEC §11), unless `BACKGROUND_REFRESH=false`: its own
/// task, which finishes its run under way and stops at the shutdown token (a refresh is
/// never cut short by choice: the provider may already have rotated the refresh token,
/// and only its answer holds the new one).
fn spawn_refresh_worker(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
    let settings = state.settings.background_refresh.clone()?;
    let service = state.service.clone();
    let metrics = state.metrics.clone();
    let shutdown = state.shutdown.clone();
    Some(tokio::spawn(async move {
        service
            .run_background_refresh(&settings, shutdown.cancelled_owned(), |run| {
                metrics.worker_run(match run {
                    Ok(_) => crate::metrics::WorkerOutcome::Ok,
                    Err(_) => crate::metrics::WorkerOutcome::Error,
                });
            })
            .await;
    }))
}

/// Counts refreshes from the engine's lifecycle events, and keeps the histograms'
/// memory bounded between scrapes.
fn spawn_metrics(state: &AppState) {
    tokio::spawn(
        state
            .metrics
            .clone()
            .count_lifecycle_events(state.service.subscribe()),
    );
    let metrics = state.metrics.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            metrics.run_upkeep();
        }
    });
}

/// Runs `chore` every `period` (the first time at once) until `shutdown` is
/// cancelled; a run under way finishes first.
fn every<F, Fut>(
    period: Duration,
    shutdown: &CancellationToken,
    mut chore: F,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tokio::select! {
                _ = tick.tick() => chore().await,
                () = shutdown.cancelled() => return,
            }
        }
    })
}

/// The webhook delivery worker, when `WEBHOOK_URL` is set: its own task, stopping at
/// the shutdown token.
fn spawn_webhook_worker(state: &AppState) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(settings) = state.settings.webhooks.clone() else {
        return Ok(None);
    };
    let worker = crate::webhooks::DeliveryWorker::new(state.db.credential_store(), settings)
        .context("WEBHOOK_URL: cannot build the HTTP client")?
        .with_metrics(state.metrics.clone());
    Ok(Some(tokio::spawn(worker.run(state.shutdown.clone()))))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
