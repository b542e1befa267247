-- A refresh's swap tells its waiters itself, right after its commit and with the
-- refreshed token (see the crate's `notices.rs`). A NOTIFY inside the swap's own
-- transaction would hold PostgreSQL's database-wide notification lock while the commit
-- waits for the disk: concurrent refreshes then committed one after another instead of
-- sharing a flush. The swap sets `connectors.notified` for its own transaction, and the
-- trigger stays quiet for it; every other change notifies as before.
CREATE OR REPLACE FUNCTION connectors_notify_credentials() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('connectors.notified', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('connectors_credentials', OLD.user_id::text || ':' || OLD.connector_code);
        RETURN OLD;
    END IF;
    PERFORM pg_notify('connectors_credentials', NEW.user_id::text || ':' || NEW.connector_code);
    RETURN NEW;
END
$$;
