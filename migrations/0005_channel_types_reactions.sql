-- Channel types per app (custom types and app overrides of the built-ins
-- `messaging` and `livestream`, which exist without a row), and reactions.
CREATE TABLE channel_types (
  app_id        bigint NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  name          text NOT NULL,
  built_in      boolean NOT NULL DEFAULT false,
  grants        jsonb NOT NULL,          -- role -> [actions], complete (merged at write time)
  switches      jsonb NOT NULL,          -- switch -> value, complete (merged at write time)
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, name)
);

-- type -> number of reactions of that type; changed in the transaction that changes reactions.
ALTER TABLE messages ADD COLUMN reaction_counts jsonb NOT NULL DEFAULT '{}'::jsonb;

CREATE TABLE reactions (
  app_id        bigint NOT NULL,
  message_id    text NOT NULL,
  user_id       text NOT NULL,
  type          text NOT NULL,
  score         integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, message_id, user_id, type),
  FOREIGN KEY (app_id, message_id) REFERENCES messages (app_id, id) ON DELETE CASCADE
);

-- Thread pages: the replies of one parent by seq.
CREATE INDEX messages_by_parent_seq ON messages (app_id, parent_id, seq) WHERE parent_id IS NOT NULL;
