-- Tenants. Every other table references apps(id).
CREATE TABLE apps (
  id          bigserial PRIMARY KEY,
  public_id   text NOT NULL UNIQUE,
  name        text NOT NULL,
  api_key     text NOT NULL UNIQUE,
  api_secret  text NOT NULL,
  settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
  revoke_tokens_before timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
