-- Channel administration and the channel list (API.md section 5, Channels):
-- per-member hide and mute, and the member-set key of distinct channels.

-- Hidden: the channel's last_seq when the member hid it; NULL when shown. The
-- channel list leaves the channel out until a message with a higher seq
-- arrives, so the send path needs no change to unhide it.
ALTER TABLE members ADD COLUMN hidden_seq bigint;
-- Muted channels do not count in GET /v1/me unread totals.
ALTER TABLE members ADD COLUMN muted boolean NOT NULL DEFAULT false;

-- Distinct channels (POST /v1/channels/{type} without id): SHA-256 hex of the
-- sorted member set. NULL for channels created with an id.
ALTER TABLE channels ADD COLUMN distinct_key text;
