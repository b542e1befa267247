-- Tables of connectors-store (SQLite). The PostgreSQL migration of the same number
-- has the same meaning.
--
-- Ids are UUIDs as 16-byte BLOBs (sqlx's `uuid::Uuid`); timestamps are unix seconds,
-- so lease and expiry comparisons in SQL are plain integer comparisons. Columns named
-- like a secret hold AES-256-GCM ciphertexts (version byte, key id, nonce, sealed
-- bytes); plaintext secrets never reach this file.

CREATE TABLE users (
    id            BLOB    NOT NULL PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE user_connectors (
    id             BLOB    NOT NULL PRIMARY KEY,
    user_id        BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connector_code TEXT    NOT NULL,
    connected      INTEGER NOT NULL DEFAULT 0 CHECK (connected IN (0, 1)),
    status         TEXT    NOT NULL DEFAULT 'inactive'
                   CHECK (status IN ('active', 'inactive', 'needs_reauth', 'error')),
    last_error     TEXT,
    connected_at   INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    -- Also the index of every read by user, and by (user, connector).
    UNIQUE (user_id, connector_code)
) STRICT;

CREATE TABLE user_connector_credentials (
    id             BLOB    NOT NULL PRIMARY KEY,
    user_id        BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connector_code TEXT    NOT NULL,
    provider       TEXT    NOT NULL,
    access_token   BLOB,
    refresh_token  BLOB,
    expires_at     INTEGER,
    -- Space-separated, as in OAuth's `scope` parameter.
    scopes         TEXT    NOT NULL DEFAULT '',
    -- {"public": {...}, "secrets": {"<field>": "<base64 ciphertext>"}}
    extra_json     TEXT    NOT NULL DEFAULT '{}',
    -- Bumped by every write of the tokens: the compare-and-swap of a refresh.
    version        INTEGER NOT NULL,
    lease_holder   BLOB,
    lease_until    INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (user_id, connector_code)
) STRICT;

CREATE TABLE oauth_states (
    -- SHA-256 (hex) of the `state` sent to the provider.
    state_hash     TEXT    NOT NULL PRIMARY KEY,
    user_id        BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connector_code TEXT    NOT NULL,
    pkce_verifier  BLOB,
    expires_at     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);

-- Facts about the store itself, such as the encryption key check.
CREATE TABLE store_meta (
    key        TEXT    NOT NULL PRIMARY KEY,
    value      BLOB    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
