-- Group commit in one round trip (issue 9 item 6): every send of a batch goes
-- to PostgreSQL as one jsonb array and is stored by one function call. The
-- caller has already validated the message and decided, from the cached
-- channel type, which channel roles may send; this function does what needs
-- the rows: the channel lock, the sender's membership, idempotency, frozen
-- and slow mode, the thread parent, the seq and the insert.
--
-- Every check comes before the first write of an item, and the insert (ON
-- CONFLICT DO NOTHING) is that first write, so a refused item writes nothing
-- and needs no subtransaction. An unexpected error fails the whole call; the
-- caller then retries each send alone.

-- RFC 3339 UTC with milliseconds, as everywhere else in the API.
CREATE FUNCTION parley_ts(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- Items (jsonb objects, channels already sorted into one lock order):
--   i, app_id, type, id, caller_user ('' for a server), moderator (server or app admin),
--   allowed_roles (channel roles that may send; '' = not a member), switch_error (bool: the caller
--   found a switch refusal; reported after idempotency, frozen and slow mode, as before),
--   msg_id, user_id, text, attachments, parent_id, show_in_channel, mentioned_users, silent, custom,
--   hash, notify (list the members to notify).
-- Codes: ok, existing (the stored message of a retry), no_channel, forbidden, conflict, frozen,
--   cooldown (detail = seconds to wait, cooldown = the channel's cooldown_s), switch, bad_parent.
CREATE FUNCTION parley_send_batch(batch jsonb)
RETURNS TABLE (
  m_id text, m_seq bigint, m_type text, m_user_id text, m_text text, m_attachments text, m_parent_id text,
  m_reply_count integer, m_mentioned_users text, m_pinned boolean, m_silent boolean, m_custom text,
  m_created_at text, m_updated_at text, m_deleted_at text, m_content_hash text, m_show_in_channel boolean,
  idx integer, code text, detail bigint, cid text, channel_pk bigint, notify text, cooldown integer)
LANGUAGE plpgsql AS $$
DECLARE
  item jsonb;
  v_app bigint;
  v_type text;
  v_id text;
  v_caller text;
  v_msg_id text;
  ch record;
  role text;
  moderator boolean;
  wait_s integer;
  parent text;
  new_seq bigint;
  msg messages%ROWTYPE;
  -- The channel of the previous item, locked; its row is written once per run of items (they come
  -- sorted by channel), not once per message: fewer row versions for every lookup to walk past.
  cur_app bigint;
  cur_type text;
  cur_id text;
  cur_pk bigint;
  cur_frozen boolean;
  cur_cooldown integer;
  cur_seq bigint;
  cur_dirty boolean := false;
BEGIN
  FOR item IN SELECT value FROM jsonb_array_elements(batch) LOOP
    -- Fields into typed variables once: the statements below use them as plain parameters.
    idx := (item->>'i')::integer;
    v_app := (item->>'app_id')::bigint;
    v_type := item->>'type';
    v_id := item->>'id';
    v_caller := item->>'caller_user';
    v_msg_id := item->>'msg_id';
    cid := v_type || ':' || v_id;
    detail := NULL; notify := NULL; channel_pk := NULL; cooldown := NULL;
    m_id := NULL; m_seq := NULL; m_type := NULL; m_user_id := NULL; m_text := NULL; m_attachments := NULL;
    m_parent_id := NULL; m_reply_count := NULL; m_mentioned_users := NULL; m_pinned := NULL; m_silent := NULL;
    m_custom := NULL; m_created_at := NULL; m_updated_at := NULL; m_deleted_at := NULL; m_content_hash := NULL;
    m_show_in_channel := NULL;

    IF cur_pk IS NULL OR v_app <> cur_app OR v_type <> cur_type OR v_id <> cur_id THEN
      IF cur_dirty THEN
        UPDATE channels c SET last_seq = cur_seq, last_message_at = now(), updated_at = now() WHERE c.pk = cur_pk;
        cur_dirty := false;
      END IF;
      cur_pk := NULL;
      SELECT c.pk, c.frozen, c.cooldown_s, c.last_seq INTO ch FROM channels c
       WHERE c.app_id = v_app AND c.type = v_type AND c.id = v_id AND c.deleted_at IS NULL
       FOR UPDATE;
      IF NOT FOUND THEN
        code := 'no_channel'; RETURN NEXT; CONTINUE;
      END IF;
      cur_app := v_app; cur_type := v_type; cur_id := v_id;
      cur_pk := ch.pk; cur_frozen := ch.frozen; cur_cooldown := ch.cooldown_s; cur_seq := ch.last_seq;
    END IF;
    channel_pk := cur_pk;

    role := '';
    IF v_caller <> '' THEN
      SELECT mb.role INTO role FROM members mb WHERE mb.channel_pk = cur_pk AND mb.user_id = v_caller;
      role := coalesce(role, '');
    END IF;
    IF NOT (item->'allowed_roles') ? role THEN
      code := 'forbidden'; RETURN NEXT; CONTINUE;
    END IF;

    SELECT m.* INTO msg FROM messages m WHERE m.app_id = v_app AND m.id = v_msg_id;
    IF FOUND THEN
      IF msg.content_hash <> item->>'hash' THEN
        code := 'conflict'; RETURN NEXT; CONTINUE;
      END IF;
      SELECT c.type || ':' || c.id INTO cid FROM channels c WHERE c.pk = msg.channel_pk;
      code := 'existing';
    ELSE
      moderator := (item->>'moderator')::boolean OR role IN ('owner', 'moderator');
      IF cur_frozen AND NOT moderator THEN
        code := 'frozen'; RETURN NEXT; CONTINUE;
      END IF;
      IF cur_cooldown > 0 AND NOT moderator THEN
        SELECT ceil(extract(epoch FROM max(m.created_at) + interval '1 second' * cur_cooldown - now()))::integer
          INTO wait_s FROM messages m
         WHERE m.channel_pk = cur_pk AND m.user_id = v_caller
           AND m.created_at > now() - interval '1 second' * cur_cooldown;
        IF wait_s IS NOT NULL THEN
          code := 'cooldown'; detail := greatest(1, wait_s); cooldown := cur_cooldown; RETURN NEXT; CONTINUE;
        END IF;
      END IF;
      IF (item->>'switch_error')::boolean THEN
        code := 'switch'; RETURN NEXT; CONTINUE;
      END IF;
      parent := item->>'parent_id';
      IF parent IS NOT NULL THEN
        PERFORM 1 FROM messages m
          WHERE m.app_id = v_app AND m.id = parent AND m.channel_pk = cur_pk
            AND m.parent_id IS NULL
          FOR UPDATE;
        IF NOT FOUND THEN
          code := 'bad_parent'; RETURN NEXT; CONTINUE;
        END IF;
      END IF;
      new_seq := cur_seq + 1;
      INSERT INTO messages AS m (app_id, id, channel_pk, seq, type, user_id, text, attachments, parent_id,
                                 show_in_channel, mentioned_users, silent, custom, content_hash)
      VALUES (v_app, v_msg_id, cur_pk, new_seq,
              CASE WHEN parent IS NULL THEN 'regular' ELSE 'reply' END, item->>'user_id', item->>'text',
              item->'attachments', parent, (item->>'show_in_channel')::boolean, item->'mentioned_users',
              (item->>'silent')::boolean, item->'custom', item->>'hash')
      ON CONFLICT (app_id, id) DO NOTHING
      RETURNING m.* INTO msg;
      IF NOT FOUND THEN
        -- The id was taken in another channel after our check: never a second copy.
        code := 'conflict'; RETURN NEXT; CONTINUE;
      END IF;
      IF parent IS NOT NULL THEN
        UPDATE messages m SET reply_count = m.reply_count + 1
         WHERE m.app_id = v_app AND m.id = parent;
      END IF;
      cur_seq := new_seq;
      cur_dirty := true;
      IF (item->>'notify')::boolean THEN
        SELECT coalesce(json_agg(x.user_id)::text, '[]') INTO notify FROM (
          SELECT mb.user_id FROM members mb
           WHERE mb.channel_pk = cur_pk AND NOT mb.muted AND mb.user_id <> msg.user_id
           LIMIT 1001) x;
      END IF;
      code := 'ok';
    END IF;
    m_id := msg.id; m_seq := msg.seq; m_type := msg.type; m_user_id := msg.user_id;
    m_text := msg.text; m_attachments := msg.attachments::text; m_parent_id := msg.parent_id;
    m_reply_count := msg.reply_count; m_mentioned_users := msg.mentioned_users::text; m_pinned := msg.pinned;
    m_silent := msg.silent; m_custom := msg.custom::text; m_created_at := parley_ts(msg.created_at);
    m_updated_at := parley_ts(msg.updated_at); m_deleted_at := parley_ts(msg.deleted_at);
    m_content_hash := msg.content_hash; m_show_in_channel := msg.show_in_channel;
    RETURN NEXT;
  END LOOP;
  IF cur_dirty THEN
    UPDATE channels c SET last_seq = cur_seq, last_message_at = now(), updated_at = now() WHERE c.pk = cur_pk;
  END IF;
END
$$;
