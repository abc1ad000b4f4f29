-- Users, channels, members, messages and the per-channel event log.
-- Every row belongs to one app; every query filters by app_id first.
CREATE TABLE users (
  app_id        bigint NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  id            text NOT NULL,
  name          text,
  image         text,
  role          text NOT NULL DEFAULT 'user',
  custom        jsonb NOT NULL DEFAULT '{}'::jsonb,
  deactivated_at timestamptz,
  deleted_at    timestamptz,
  revoke_tokens_before timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, id)
);
CREATE INDEX users_id_prefix ON users (app_id, id text_pattern_ops);

CREATE TABLE channels (
  pk            bigserial PRIMARY KEY,
  app_id        bigint NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  type          text NOT NULL,
  id            text NOT NULL,
  name          text,
  custom        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_by    text,
  frozen        boolean NOT NULL DEFAULT false,
  cooldown_s    integer NOT NULL DEFAULT 0,
  last_seq      bigint NOT NULL DEFAULT 0,
  last_message_at timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  UNIQUE (app_id, type, id)
);

CREATE TABLE members (
  channel_pk    bigint NOT NULL REFERENCES channels(pk) ON DELETE CASCADE,
  app_id        bigint NOT NULL,
  user_id       text NOT NULL,
  role          text NOT NULL DEFAULT 'member',
  read_seq      bigint NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_pk, user_id)
);
CREATE INDEX members_by_user ON members (app_id, user_id);

CREATE TABLE messages (
  app_id        bigint NOT NULL,
  id            text NOT NULL,
  channel_pk    bigint NOT NULL REFERENCES channels(pk) ON DELETE CASCADE,
  seq           bigint NOT NULL,
  type          text NOT NULL DEFAULT 'regular',
  user_id       text NOT NULL,
  text          text NOT NULL DEFAULT '',
  attachments   jsonb NOT NULL DEFAULT '[]'::jsonb,
  parent_id     text,
  show_in_channel boolean NOT NULL DEFAULT false,
  reply_count   integer NOT NULL DEFAULT 0,
  mentioned_users jsonb NOT NULL DEFAULT '[]'::jsonb,
  pinned        boolean NOT NULL DEFAULT false,
  silent        boolean NOT NULL DEFAULT false,
  custom        jsonb NOT NULL DEFAULT '{}'::jsonb,
  content_hash  text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  PRIMARY KEY (app_id, id)
);
CREATE INDEX messages_by_channel_seq ON messages (channel_pk, seq);

-- Every persisted change in a channel, in seq order (gapless per channel).
CREATE TABLE channel_events (
  channel_pk    bigint NOT NULL REFERENCES channels(pk) ON DELETE CASCADE,
  seq           bigint NOT NULL,
  type          text NOT NULL,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_pk, seq)
);
