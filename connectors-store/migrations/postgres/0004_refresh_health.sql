-- The failure policy and the background refresh worker of SPEC §11: each grant's
-- transient failures in a row and its backoff, whether it can still be refreshed
-- (not once the provider refused it), its refresh token's known expiry and whether
-- `connection.expiring` was recorded for it. The SQLite migration of the same
-- number has the same meaning.

ALTER TABLE user_connector_credentials ADD COLUMN refresh_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE user_connector_credentials ADD COLUMN retry_at BIGINT;
ALTER TABLE user_connector_credentials ADD COLUMN refreshable BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE user_connector_credentials ADD COLUMN refresh_token_expires_at BIGINT;
ALTER TABLE user_connector_credentials ADD COLUMN expiry_warned_at BIGINT;

-- Grants already refused stay refused until their user reconnects.
UPDATE user_connector_credentials SET refreshable = FALSE
WHERE EXISTS (SELECT 1 FROM user_connectors uc
              WHERE uc.user_id = user_connector_credentials.user_id
                AND uc.connector_code = user_connector_credentials.connector_code
                AND uc.status = 'needs_reauth');

-- The worker's two questions, each answered from the rows it may act on only: access
-- tokens expiring soon, and grants idle for long.
CREATE INDEX credentials_refresh_due ON user_connector_credentials (expires_at)
    WHERE refreshable = TRUE AND refresh_token IS NOT NULL;
CREATE INDEX credentials_keepalive_due ON user_connector_credentials (updated_at)
    WHERE refreshable = TRUE AND refresh_token IS NOT NULL;
-- Refresh tokens with a known expiry not warned about yet.
CREATE INDEX credentials_expiry_unwarned ON user_connector_credentials (refresh_token_expires_at)
    WHERE expiry_warned_at IS NULL AND refresh_token_expires_at IS NOT NULL;
