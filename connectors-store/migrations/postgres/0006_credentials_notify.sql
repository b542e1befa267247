-- Tells the replicas listening on `connectors_credentials` that a credentials row got a
-- new version, lost its lease, or went: a caller waiting for another replica's refresh
-- wakes up and reads the row again. The payload is `<user id>:<connector code>`. A
-- notification is only a hint (sent at commit, lost while a listener is disconnected):
-- the row stays the truth. PostgreSQL only: SQLite has no LISTEN, its waiters poll.
CREATE FUNCTION connectors_notify_credentials() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('connectors_credentials', OLD.user_id::text || ':' || OLD.connector_code);
        RETURN OLD;
    END IF;
    PERFORM pg_notify('connectors_credentials', NEW.user_id::text || ':' || NEW.connector_code);
    RETURN NEW;
END
$$;

CREATE TRIGGER credentials_changed
    AFTER UPDATE ON user_connector_credentials
    FOR EACH ROW
    WHEN (OLD.version IS DISTINCT FROM NEW.version
          OR (OLD.lease_holder IS NOT NULL AND NEW.lease_holder IS NULL))
    EXECUTE FUNCTION connectors_notify_credentials();

CREATE TRIGGER credentials_deleted
    AFTER DELETE ON user_connector_credentials
    FOR EACH ROW
    EXECUTE FUNCTION connectors_notify_credentials();
