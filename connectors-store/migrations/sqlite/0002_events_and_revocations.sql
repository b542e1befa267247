-- Lifecycle events (the transactional outbox of SPEC §11) and revocations to retry.
-- The PostgreSQL migration of the same number has the same meaning.

CREATE TABLE connector_events (
    -- Total order within the database: `GET /events?before=` pages on it.
    seq             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    -- `evt_…`: unique and stable, the `webhook-id` of every delivery.
    id              TEXT    NOT NULL UNIQUE,
    type            TEXT    NOT NULL,
    user_id         BLOB    NOT NULL,
    connector_code  TEXT,
    created_at      INTEGER NOT NULL,
    -- The type's own fields; never a secret.
    data_json       TEXT    NOT NULL DEFAULT '{}',
    -- Webhook delivery state.
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    lease_holder    BLOB,
    lease_until     INTEGER,
    delivered_at    INTEGER,
    failed_at       INTEGER
) STRICT;

CREATE INDEX connector_events_by_user ON connector_events (user_id, seq);
CREATE INDEX connector_events_due ON connector_events (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;

-- A grant purged on the user's word while its provider could not confirm the
-- revocation: its tokens (sealed like credentials) until a retry succeeds.
CREATE TABLE pending_revocations (
    id              BLOB    NOT NULL PRIMARY KEY,
    user_id         BLOB    NOT NULL,
    connector_code  TEXT    NOT NULL,
    provider        TEXT    NOT NULL,
    access_token    BLOB,
    refresh_token   BLOB,
    expires_at      INTEGER,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_holder    BLOB,
    lease_until     INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX pending_revocations_due ON pending_revocations (next_attempt_at);
