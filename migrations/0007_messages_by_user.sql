-- A user's messages without a scan: hard user deletion (GDPR) and per-user queries.
CREATE INDEX messages_by_user ON messages (app_id, user_id);
