-- Retention finds the events past their time without scanning the whole log.
CREATE INDEX channel_events_created_at ON channel_events (created_at);
