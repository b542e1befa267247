-- Tables of connectors-store (PostgreSQL). The SQLite migration of the same number
-- has the same meaning.
--
-- Timestamps are unix seconds (BIGINT), as in SQLite, so lease and expiry comparisons
-- are plain integer comparisons on both. Columns named like a secret hold AES-256-GCM
-- ciphertexts (version byte, key id, nonce, sealed bytes); plaintext secrets never
-- reach the database.

CREATE TABLE users (
    id            UUID   NOT NULL PRIMARY KEY,
    email         TEXT   NOT NULL UNIQUE,
    password_hash TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE user_connectors (
    id             UUID    NOT NULL PRIMARY KEY,
    user_id        UUID    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connector_code TEXT    NOT NULL,
    connected      BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT    NOT NULL DEFAULT 'inactive'
                   CHECK (status IN ('active', 'inactive', 'needs_reauth', 'error')),
    last_error     TEXT,
    connected_at   BIGINT,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    -- Also the index of every read by user, and by (user, connector).
    UNIQUE (user_id, connector_code)
);

CREATE TABLE user_connector_credentials (
    id             UUID   NOT NULL PRIMARY KEY,
    user_id        UUID   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connector_code TEXT   NOT NULL,
    provider       TEXT   NOT NULL,
    access_token   BYTEA,
    refresh_token  BYTEA,
    expires_at     BIGINT,
    -- Space-separated, as in OAuth's `scope` parameter.
    scopes         TEXT   NOT NULL DEFAULT '',
    -- {"public": {...}, "secrets": {"<field>": "<base64 ciphertext>"}}
    extra_json     TEXT   NOT NULL DEFAULT '{}',
    -- Bumped by every write of the tokens: the compare-and-swap of a refresh.
    version        BIGINT NOT NULL,
    lease_holder   UUID,
    lease_until    BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (user_id, connector_code)
);

CREATE TABLE oauth_states (
    -- SHA-256 (hex) of the `state` sent to the provider.
    state_hash     TEXT   NOT NULL PRIMARY KEY,
    user_id        UUID   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connector_code TEXT   NOT NULL,
    pkce_verifier  BYTEA,
    expires_at     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);

-- Facts about the store itself, such as the encryption key check.
CREATE TABLE store_meta (
    key        TEXT   NOT NULL PRIMARY KEY,
    value      BYTEA  NOT NULL,
    updated_at BIGINT NOT NULL
);
