//! Changes of credentials rows heard from PostgreSQL: the trigger of migration
//! `0006_credentials_notify` sends `NOTIFY connectors_credentials, '<user id>:<connector>'`
//! when a row gets a new version, loses its lease, or goes; each [`PgStore`] listens on
//! one connection of its own and wakes the callers watching that row
//! ([`CredentialStore::watch_credentials`]), who then read it again.
//!
//! A refresh written by a [`PgStore`] tells more, in a statement of its own right after
//! the swap's commit (the trigger stays quiet for the swap, migration `0007`):
//! `'<user id>:<connector>:<version>:<sealed notice>'`, the new access token and its
//! expiry sealed with the store's key for that row and version ([`seal_refresh_notice`]).
//! Its waiters use the token without reading the row again. Being apart from the swap,
//! the notice neither holds PostgreSQL's database-wide notification lock while the
//! swap's commit waits for the disk nor waits for the disk itself; a notice lost (its
//! statement failed, the process died, the database crashed) leaves the waiters to
//! their fallback poll. A notice that does not open with the store's key is only a
//! wake-up: whoever else can `NOTIFY` on the database can wake waiters, never hand them
//! a token.
//!
//! The row stays the truth: a notification is a hint, a lost connection wakes every
//! watcher (notifications may have been missed meanwhile), and a watch ends after its
//! fallback poll whatever it heard. Until the listener is listening, a watch is the
//! plain poll of [`CREDENTIALS_POLL`](connectors_core::CREDENTIALS_POLL).
//!
//! [`PgStore`]: crate::PgStore
//! [`CredentialStore::watch_credentials`]: connectors_core::CredentialStore::watch_credentials
//! [`seal_refresh_notice`]: crate::sealed::seal_refresh_notice

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use connectors_core::{credentials_poll, CredentialsWatch, StoreError, UserId};
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use tokio::sync::{oneshot, watch};

use crate::cipher::Cipher;
use crate::sealed::{db_error, open_refresh_notice};

/// The channel the trigger notifies.
const CHANNEL: &str = "connectors_credentials";
/// How long the listener waits before connecting again after losing its connection.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// A credentials row: its user and connector.
type Row = (UserId, String);

/// What a notification told of a row beyond its change: the version a refresh wrote,
/// and the notice sealed for it (still to be opened).
#[derive(Debug)]
struct Refreshed {
    version: i64,
    sealed: String,
}

/// What the watchers of a row are sent: the refresh, when the notification told one.
type Heard = Option<Arc<Refreshed>>;

/// The watchers of one store (shared by its clones) and whether its listener listens.
pub(crate) struct Notices {
    /// Opens the refresh notices.
    cipher: Cipher,
    listening: AtomicBool,
    started: AtomicBool,
    watchers: Mutex<HashMap<Row, watch::Sender<Heard>>>,
    /// Dropped with the last clone of the store: the listener's task then ends.
    _stop: oneshot::Sender<()>,
    stopped: Mutex<Option<oneshot::Receiver<()>>>,
}

impl Notices {
    /// The notices of a store sealing with `cipher`, not listening yet.
    pub(crate) fn new(cipher: Cipher) -> Self {
        let (stop, stopped) = oneshot::channel();
        Self {
            cipher,
            listening: AtomicBool::new(false),
            started: AtomicBool::new(false),
            watchers: Mutex::default(),
            _stop: stop,
            stopped: Mutex::new(Some(stopped)),
        }
    }

    /// A watch of `row`: ends at its next notification, with the refreshed token when
    /// the notification carried one that opens, or after `fallback` (after
    /// [`CREDENTIALS_POLL`](connectors_core::CREDENTIALS_POLL) while the listener is not listening).
    pub(crate) fn watch(self: &Arc<Self>, row: Row, fallback: Duration) -> CredentialsWatch {
        if !self.listening.load(Ordering::Acquire) {
            return credentials_poll();
        }
        let changed = self
            .lock()
            .entry(row.clone())
            .or_insert_with(|| watch::channel(None).0)
            .subscribe();
        let mut watching = Watching {
            notices: Arc::downgrade(self),
            row,
            changed: Some(changed),
        };
        Box::pin(async move {
            let changed = watching.changed.as_mut()?;
            // A closed channel (every watcher woken at once) ends the wait too.
            tokio::time::timeout(fallback, changed.changed())
                .await
                .ok()?
                .ok()?;
            let refreshed = changed.borrow_and_update().clone()?;
            let notices = watching.notices.upgrade()?;
            let (user, connector) = &watching.row;
            open_refresh_notice(
                &notices.cipher,
                *user,
                connector,
                refreshed.version,
                &refreshed.sealed,
            )
        })
    }

    /// Connects the listener and listens, unless that is done or under way; the rest
    /// of the listener's life (notifications, reconnections) runs in its own task.
    ///
    /// # Errors
    ///
    /// The database's failure to connect or to `LISTEN` (the store then keeps polling;
    /// a later call tries again).
    pub(crate) async fn listen(self: &Arc<Self>, pool: &PgPool) -> Result<(), StoreError> {
        if self.started.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let pool = listener_pool(pool);
        let listener = match connect(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                self.started.store(false, Ordering::Release);
                return Err(error);
            }
        };
        let Some(stopped) = self
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        else {
            return Ok(());
        };
        self.listening.store(true, Ordering::Release);
        tokio::spawn(listen_until_stopped(
            Arc::downgrade(self),
            pool,
            listener,
            stopped,
        ));
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Row, watch::Sender<Heard>>> {
        self.watchers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes the watchers of the row a notification names (`<user id>:<connector>`),
    /// handing them the refresh it tells of (`…:<version>:<sealed notice>`).
    fn heard(&self, payload: &str) {
        let Some((user, rest)) = payload.split_once(':') else {
            return;
        };
        let Ok(user) = user.parse() else {
            return;
        };
        let (connector, refreshed) = match rest.split_once(':') {
            Some((connector, told)) => (connector, refreshed(told)),
            None => (rest, None),
        };
        if let Some(sender) = self.lock().remove(&(user, connector.to_owned())) {
            sender.send_replace(refreshed);
        }
    }

    /// Wakes every watcher, and whether the listener listens from now on.
    fn wake_all(&self, listening: bool) {
        self.listening.store(listening, Ordering::Release);
        self.lock().clear();
    }
}

/// The refresh a notification tells of after its row: `<version>:<sealed notice>`.
fn refreshed(told: &str) -> Heard {
    let (version, sealed) = told.split_once(':')?;
    Some(Arc::new(Refreshed {
        version: version.parse().ok()?,
        sealed: sealed.to_owned(),
    }))
}

/// One watcher of a row: when it goes (its wait over, or dropped before it began), the
/// row's entry goes with the last of its watchers, so that rows read once do not stay.
struct Watching {
    notices: Weak<Notices>,
    row: Row,
    changed: Option<watch::Receiver<Heard>>,
}

impl Drop for Watching {
    fn drop(&mut self) {
        drop(self.changed.take());
        if let Some(notices) = self.notices.upgrade() {
            let mut watchers = notices.lock();
            if watchers
                .get(&self.row)
                .is_some_and(|sender| sender.receiver_count() == 0)
            {
                watchers.remove(&self.row);
            }
        }
    }
}

/// A pool of one connection for the listener, to the store's database: a `LISTEN`
/// holds its connection for good, so it does not take one of the store's.
fn listener_pool(pool: &PgPool) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_lazy_with((*pool.connect_options()).clone())
}

async fn connect(pool: &PgPool) -> Result<PgListener, StoreError> {
    let mut listener = PgListener::connect_with(pool).await.map_err(db_error)?;
    listener.ignore_pool_close_event(true);
    listener.listen(CHANNEL).await.map_err(db_error)?;
    Ok(listener)
}

/// Hands each notification to the watchers until the store is dropped; connects again
/// after losing the connection.
async fn listen_until_stopped(
    notices: Weak<Notices>,
    pool: PgPool,
    listener: PgListener,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut listener = Some(listener);
    loop {
        let Some(mut connected) = listener.take() else {
            tokio::select! {
                _ = &mut stopped => return,
                () = tokio::time::sleep(RECONNECT_AFTER) => {}
            }
            match connect(&pool).await {
                Ok(connected) => {
                    let Some(notices) = notices.upgrade() else {
                        return;
                    };
                    // Changes made while disconnected went unheard.
                    notices.wake_all(true);
                    listener = Some(connected);
                }
                Err(error) => {
                    tracing::debug!(error = %error, "credentials listener could not connect again");
                }
            }
            continue;
        };
        let next = tokio::select! {
            _ = &mut stopped => return,
            next = connected.try_recv() => next,
        };
        let Some(notices) = notices.upgrade() else {
            return;
        };
        match next {
            Ok(Some(notification)) => {
                notices.heard(notification.payload());
                listener = Some(connected);
            }
            // Connected again by sqlx, notifications may have been missed meanwhile.
            Ok(None) => {
                notices.wake_all(true);
                listener = Some(connected);
            }
            Err(error) => {
                tracing::warn!(error = %error, "credentials listener lost its connection; polling until it is back");
                notices.wake_all(false);
            }
        }
    }
}
