-- The webhook worker's queue: events neither delivered nor failed, oldest first. Only
-- those rows are indexed, so the index stays as small as the backlog.
-- The SQLite migration of the same number has the same meaning.

CREATE INDEX connector_events_undelivered ON connector_events (seq)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
