//! Disconnecting: revoke the grant at the provider with a token it accepts, purge the
//! credentials whatever the provider says, and keep trying in the background when the
//! provider could not be reached.

use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{usable, ConnectorAuthService, OAuthSetup};
use crate::connector::{RevokeToken, Revoked};
use crate::error::{Error, Result};
use crate::events::{Event, EventType};
use crate::store::{
    Credentials, PendingRevocation, Purge, RefreshHealth, StoredCredentials, UserId,
};

/// How a disconnection went at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Revocation {
    /// The provider revoked the grant.
    Revoked,
    /// The provider no longer knew the grant (already revoked, or refused at the refresh
    /// that revocation needed): it is dead.
    AlreadyDead,
    /// The provider could not be reached or failed transiently: the credentials are
    /// purged and the revocation is retried in the background
    /// ([`ConnectorAuthService::retry_revocations`]).
    Retrying,
    /// The provider refused the revocation for a reason retrying will not fix (logged
    /// with the provider's error code); the credentials are purged.
    Refused,
    /// Nothing to revoke at a provider: a config connector, a provider without a
    /// revocation endpoint or client on this deployment, or nothing stored.
    NotApplicable,
}

impl Revocation {
    /// Whether the provider confirmed the grant is dead.
    pub fn provider_revoked(self) -> bool {
        matches!(self, Self::Revoked | Self::AlreadyDead)
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Revoked => "revoked",
            Self::AlreadyDead => "already_dead",
            Self::Retrying => "retrying",
            Self::Refused => "refused",
            Self::NotApplicable => "not_applicable",
        }
    }
}

/// One attempt's result, with the tokens as they are after it (a refresh may have
/// rotated them).
struct Attempt {
    revocation: Revocation,
    credentials: Credentials,
}

/// Where the tokens an attempt works with live.
#[derive(Clone, Copy)]
enum Source {
    /// The credentials row, still there: refreshes go through its lease and
    /// compare-and-swap, like every on-demand refresh.
    Row { user: UserId, version: i64 },
    /// A queued revocation claimed by this replica: no row left to coordinate on.
    Queue,
}

impl ConnectorAuthService {
    /// Disconnects the user's connector: revokes the grant at the provider, with the
    /// token its revocation endpoint takes (refreshing an expired access token first,
    /// through the usual single-flight lease, where the provider revokes by access
    /// token), then deletes the credentials, marks the connector inactive and records a
    /// `connection.revoked` event (`data.provider_revoked`), in one transaction.
    ///
    /// The purge happens whatever the provider says (the user asked to disconnect).
    /// When the provider failed transiently the grant's tokens stay queued, encrypted,
    /// and [`ConnectorAuthService::retry_revocations`] tries again later. Revoking a
    /// connector that is not connected is harmless.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownConnector`], and [`Error::Store`] when the store fails (then
    /// nothing was purged).
    #[tracing::instrument(skip(self), fields(connector = %key))]
    pub async fn revoke(&self, user: UserId, key: &str) -> Result<Revocation> {
        self.connector(key)?;
        let Some(stored) = self.store.load_credentials(user, key).await? else {
            self.purge(user, key, Revocation::NotApplicable, None)
                .await?;
            return Ok(Revocation::NotApplicable);
        };
        let attempt = match self.revocation_setup(key) {
            Some(setup) => {
                let source = Source::Row {
                    user,
                    version: stored.version,
                };
                self.attempt_revocation(&setup, key, source, stored).await?
            }
            None => Attempt {
                revocation: Revocation::NotApplicable,
                credentials: stored.credentials,
            },
        };
        let retry = (attempt.revocation == Revocation::Retrying).then(|| PendingRevocation {
            id: Uuid::new_v4(),
            user_id: user,
            connector_code: key.to_owned(),
            credentials: revocable_part(&attempt.credentials),
            attempts: 1,
            next_attempt_at: OffsetDateTime::now_utc() + self.backoff(1),
        });
        self.purge(user, key, attempt.revocation, retry.as_ref())
            .await?;
        Ok(attempt.revocation)
    }

    /// Tries again the revocations that failed transiently and are due, up to `limit`,
    /// one replica per revocation (each is leased while tried). A revocation ends when
    /// the provider confirms it, when the grant turns out dead, or when the provider
    /// refuses for good; each end records a `connection.revoked` event. Otherwise it is
    /// put back with a longer wait (see [`ConnectorAuthService::with_retry_backoff`]).
    /// Returns how many were tried. Call it periodically (the reference server does,
    /// every few seconds).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when the store fails.
    pub async fn retry_revocations(&self, limit: u32) -> Result<usize> {
        let due = self
            .store
            .claim_revocations(self.lease_holder, self.lease_lifetime, limit)
            .await?;
        let tried = due.len();
        for mut pending in due {
            let key = pending.connector_code.clone();
            let setup = self.revocation_setup(&key);
            let attempt = match &setup {
                Some(setup) => {
                    let stored = StoredCredentials {
                        credentials: pending.credentials.clone(),
                        version: 0,
                        health: RefreshHealth::default(),
                        lease_holder: None,
                    };
                    self.attempt_revocation(setup, &key, Source::Queue, stored)
                        .await?
                }
                // The connector or its client is gone from this deployment.
                None => Attempt {
                    revocation: Revocation::Refused,
                    credentials: pending.credentials.clone(),
                },
            };
            pending.attempts += 1;
            if attempt.revocation == Revocation::Retrying {
                pending.credentials = revocable_part(&attempt.credentials);
                pending.next_attempt_at =
                    OffsetDateTime::now_utc() + self.backoff(pending.attempts);
                self.store.postpone_revocation(&pending).await?;
                continue;
            }
            let event = revoked_event(
                pending.user_id,
                &key,
                attempt.revocation,
                Some(pending.attempts),
            );
            self.store.finish_revocation(pending.id, &event).await?;
            self.publish(event);
            tracing::info!(
                connector = %key,
                attempts = pending.attempts,
                outcome = attempt.revocation.as_str(),
                "queued revocation ended"
            );
        }
        Ok(tried)
    }

    /// The OAuth setup to revoke with, when this deployment can revoke at the provider.
    fn revocation_setup(&self, key: &str) -> Option<OAuthSetup<'_>> {
        let connector = self.connector(key).ok()?.as_ref();
        if !self.is_configured(connector) {
            return None;
        }
        let setup = self.oauth_setup(connector).ok()?;
        setup.endpoints.revoke_url.is_some().then_some(setup)
    }

    /// One revocation: a valid token first where the provider revokes by access token,
    /// then the call, once more after a refresh when the provider says the token sent
    /// has expired.
    async fn attempt_revocation(
        &self,
        setup: &OAuthSetup<'_>,
        key: &str,
        source: Source,
        stored: StoredCredentials,
    ) -> Result<Attempt> {
        let by_access = setup.spec.revoke_token == RevokeToken::Access;
        let mut credentials = stored.credentials.clone();
        let mut refreshed = false;
        if by_access && usable(&stored).is_none() && credentials.refresh_token.is_some() {
            match self
                .refresh_for_revocation(setup, key, source, &credentials)
                .await?
            {
                Ok(fresh) => {
                    credentials = fresh;
                    refreshed = true;
                }
                Err(revocation) => {
                    return Ok(Attempt {
                        revocation,
                        credentials,
                    })
                }
            }
        }
        loop {
            let revocation = match setup.connector.revoke(&setup.context(), &credentials).await {
                Ok(Revoked::Now) => Revocation::Revoked,
                Ok(Revoked::Already) => Revocation::AlreadyDead,
                Err(Error::Unauthorized)
                    if by_access && !refreshed && credentials.refresh_token.is_some() =>
                {
                    match self
                        .refresh_for_revocation(setup, key, source, &credentials)
                        .await?
                    {
                        Ok(fresh) => {
                            credentials = fresh;
                            refreshed = true;
                            continue;
                        }
                        Err(revocation) => revocation,
                    }
                }
                // A fresh token refused, or no way to get one: the grant is dead.
                Err(Error::Unauthorized) => Revocation::AlreadyDead,
                Err(error) => classify(key, &error),
            };
            return Ok(Attempt {
                revocation,
                credentials,
            });
        }
    }

    /// Refreshes so revocation has a valid access token. `Err(outcome)` when the refresh
    /// decides the revocation: the grant is dead (terminal refusal), or the provider
    /// failed transiently (retry later).
    async fn refresh_for_revocation(
        &self,
        setup: &OAuthSetup<'_>,
        key: &str,
        source: Source,
        credentials: &Credentials,
    ) -> Result<std::result::Result<Credentials, Revocation>> {
        let refreshed = match source {
            Source::Row { user, version } => match self.refresh_after(user, key, version).await {
                Ok(_) => match self.store.load_credentials(user, key).await? {
                    Some(current) => Ok(current.credentials),
                    None => Err(Revocation::NotApplicable),
                },
                Err(Error::NeedsReauth(_) | Error::InvalidGrant { .. }) => {
                    Err(Revocation::AlreadyDead)
                }
                Err(Error::Store(error)) => return Err(Error::Store(error)),
                Err(error) => Err(classify(key, &error)),
            },
            Source::Queue => {
                let Some(refresh_token) = &credentials.refresh_token else {
                    return Ok(Err(Revocation::AlreadyDead));
                };
                match setup
                    .connector
                    .refresh(&setup.context(), refresh_token)
                    .await
                {
                    Ok(grant) => Ok(super::merge_refreshed(credentials, grant.credentials)),
                    Err(Error::InvalidGrant { .. }) => Err(Revocation::AlreadyDead),
                    Err(error) => Err(classify(key, &error)),
                }
            }
        };
        if let Err(Revocation::AlreadyDead) = refreshed {
            tracing::info!(connector = %key, "the grant was already dead at the provider (refresh refused)");
        }
        Ok(refreshed)
    }

    /// Deletes the credentials, marks the connector inactive, records the event and
    /// queues the retry, in one store transaction.
    async fn purge(
        &self,
        user: UserId,
        key: &str,
        revocation: Revocation,
        retry: Option<&PendingRevocation>,
    ) -> Result<()> {
        let event = revoked_event(user, key, revocation, None);
        let purged = self
            .store
            .delete_credentials(
                user,
                key,
                &Purge {
                    event: &event,
                    retry,
                },
            )
            .await?;
        self.forget_views(user);
        if purged {
            self.publish(event);
        }
        Ok(())
    }
}

/// A failed revocation call: transient (retry later) or a refusal, logged with the
/// provider's error code and never a token.
fn classify(key: &str, error: &Error) -> Revocation {
    let (revocation, what) = if error.is_transient() {
        (
            Revocation::Retrying,
            "provider revocation failed transiently; purging, will retry",
        )
    } else {
        (
            Revocation::Refused,
            "provider refused the revocation; purging anyway",
        )
    };
    tracing::warn!(
        connector = %key,
        error = %error,
        provider_code = error.provider_code().as_deref().unwrap_or("-"),
        "{what}"
    );
    revocation
}

/// The `connection.revoked` event of an outcome.
fn revoked_event(user: UserId, key: &str, revocation: Revocation, attempts: Option<u32>) -> Event {
    let mut data = Map::new();
    data.insert(
        "provider_revoked".into(),
        Value::Bool(revocation.provider_revoked()),
    );
    data.insert("revocation".into(), json!(revocation.as_str()));
    if let Some(attempts) = attempts {
        data.insert("attempts".into(), json!(attempts));
    }
    Event::new(EventType::Revoked, user, Some(key), data)
}

/// What a queued revocation needs of the credentials: the provider and the tokens.
fn revocable_part(credentials: &Credentials) -> Credentials {
    Credentials {
        provider: credentials.provider.clone(),
        access_token: credentials.access_token.clone(),
        refresh_token: credentials.refresh_token.clone(),
        expires_at: credentials.expires_at,
        ..Credentials::default()
    }
}
