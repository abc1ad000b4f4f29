-- Hard-deleted users (DELETE /v1/users/{id}?mode=hard, GDPR). The users row and the
-- user's content are gone; only the id and the time stay, so that tokens minted
-- before the deletion keep being refused (token_revoked) even if the id is reused.
CREATE TABLE user_tombstones (
  app_id      bigint NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  id          text NOT NULL,
  deleted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, id)
);
