-- A connector's last error keeps the provider's own words apart from the engine's
-- English sentence (`last_error`): its `error_description` or error code, the only
-- part of the error a page shows untranslated. NULL when the provider gave none, and
-- for every row written before this migration. The SQLite migration of the same
-- number has the same meaning.

ALTER TABLE user_connectors ADD COLUMN last_error_detail TEXT;
