'use strict';

// Streamed chats: a chat written piece by piece (an AI answer, token by token).
//
// - chats.status: 'streaming' while it is written, then 'complete', 'cancelled' or 'failed'.
// - chat_streams: one small row per open stream (next seq, length so far, who may append,
//   when it started and last grew). Deleted when the stream ends.
// - chat_pieces: the appended text, one row per append. An append writes its own text and
//   nothing else (never `message = message || $1`, which rewrites the whole message), and
//   ending the stream folds the pieces into chats.message once, deleting them.
// - Each flush of appends updates its stream's row once; a deferred trigger turns that into
//   one 'delta' event per stream and commit in the events log (keys: offset, and the seqs
//   (lo, hi] it carries), in commit order with every other event of the room.
// - A chat's events say when it is a stream (created: "streaming") and when its stream ended
//   (updated: "ended"): webhooks dispatch a streamed chat once, when it ends.
//
// Lengths and offsets count JavaScript string units (UTF-16), as clients index text; the
// server computes them, Postgres only adds them up.
const CHAT_KEYS = `
          IF TG_OP <> 'INSERT' THEN
            old_room := OLD.campaign_id;
            old_keys := jsonb_build_object('id', OLD.id, 'campaign', OLD.campaign_id);
          END IF;
          IF TG_OP <> 'DELETE' THEN
            new_room := NEW.campaign_id;
            new_keys := jsonb_build_object('id', NEW.id, 'campaign', NEW.campaign_id);`;

const STREAM_MARKS = `
            IF TG_OP = 'INSERT' AND NEW.status = 'streaming' THEN
              new_keys := new_keys || '{"streaming": true}';
            ELSIF TG_OP = 'UPDATE' AND OLD.status = 'streaming' AND NEW.status <> 'streaming' THEN
              new_keys := new_keys || '{"ended": true}';
            END IF;`;

/** events_record as the events migration wrote it, with `marks` inside the chat branch. */
const eventsRecord = (marks) => `
      CREATE OR REPLACE FUNCTION events_record() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        entity text := TG_ARGV[0];
        op text := CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END;
        old_room uuid;
        new_room uuid;
        old_keys jsonb;
        new_keys jsonb;
      BEGIN
        IF entity = 'campaign' THEN
          IF TG_OP <> 'INSERT' THEN old_room := OLD.id; old_keys := jsonb_build_object('id', OLD.id); END IF;
          IF TG_OP <> 'DELETE' THEN new_room := NEW.id; new_keys := jsonb_build_object('id', NEW.id); END IF;
        ELSIF entity = 'chat' THEN${CHAT_KEYS}${marks}
          END IF;
        ELSE
          IF TG_OP <> 'INSERT' THEN
            old_room := events_data_room(OLD.campaign_id, OLD.chat_id);
            old_keys := jsonb_build_object('id', OLD.id, 'chat', OLD.chat_id, 'campaign', OLD.campaign_id);
          END IF;
          IF TG_OP <> 'DELETE' THEN
            new_room := events_data_room(NEW.campaign_id, NEW.chat_id);
            new_keys := jsonb_build_object('id', NEW.id, 'chat', NEW.chat_id, 'campaign', NEW.campaign_id);
          END IF;
        END IF;

        IF TG_OP = 'DELETE' THEN
          PERFORM events_append(old_room, entity, op, OLD.id, old_keys);
        ELSE
          IF TG_OP = 'UPDATE' AND old_room IS DISTINCT FROM new_room THEN
            PERFORM events_append(old_room, entity, 'deleted', OLD.id, old_keys);
          END IF;
          PERFORM events_append(new_room, entity, op, NEW.id, new_keys);
        END IF;
        RETURN NULL;
      END $$;`;

module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      ALTER TABLE chats ADD COLUMN status varchar(10) NOT NULL DEFAULT 'complete'
        CHECK (status IN ('streaming', 'complete', 'cancelled', 'failed'));
      -- the open streams of a room (a subscriber's snapshot), and of the cluster (the sweep)
      CREATE INDEX chats_streaming_idx ON chats (campaign_id) WHERE status = 'streaming';

      ALTER TABLE events DROP CONSTRAINT events_op_check;
      ALTER TABLE events ADD CONSTRAINT events_op_check
        CHECK (op IN ('created', 'updated', 'deleted', 'delta')) NOT VALID;
      ALTER TABLE events VALIDATE CONSTRAINT events_op_check;
      -- a stream's text as of a position: the seq its last delta at or before it carried
      CREATE INDEX events_deltas_idx ON events (entity_id, id) WHERE op = 'delta';
      -- replays read a room without its deltas (a resume gets each open stream's text at once)
      CREATE INDEX events_room_idx ON events (campaign_id, id) WHERE op <> 'delta';
      DROP INDEX events_campaign_id_id_idx;

      CREATE TABLE chat_streams (
        chat_id     uuid PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
        campaign_id uuid NOT NULL,            -- a streaming chat cannot move
        owner       text,                     -- the token subject that may append; NULL: any writer
        seq         integer NOT NULL DEFAULT 0,
        length      integer NOT NULL DEFAULT 0,
        started_at  timestamptz NOT NULL DEFAULT now(),
        appended_at timestamptz NOT NULL DEFAULT now()
      ) WITH (fillfactor = 50);               -- room for HOT updates: one per flush

      CREATE TABLE chat_pieces (
        chat_id  uuid NOT NULL REFERENCES chat_streams (chat_id) ON DELETE CASCADE,
        seq      integer NOT NULL,
        "offset" integer NOT NULL,
        text     text NOT NULL,
        PRIMARY KEY (chat_id, seq)
      );

      ${eventsRecord(STREAM_MARKS)}

      CREATE FUNCTION chat_streams_delta() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.seq > OLD.seq THEN
          PERFORM events_append(NEW.campaign_id, 'chat', 'delta', NEW.chat_id, jsonb_build_object(
            'id', NEW.chat_id, 'campaign', NEW.campaign_id, 'offset', OLD.length, 'lo', OLD.seq, 'hi', NEW.seq));
        END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER chat_streams_events AFTER UPDATE ON chat_streams
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION chat_streams_delta();

      -- Applies a batch of appends (any streams, in arrival order) in one statement. Every
      -- stream of the batch is locked first, in one order, so concurrent batches never
      -- deadlock; each append is then judged against its stream as the batch left it:
      -- 'ok' (the next seq, or a repeat of an applied one with the same text), 'out_of_order'
      -- (r_seq: the expected seq), 'too_large' (past p_max units), 'stream_closed' (r_status:
      -- the chat's status) or 'not_found'. Each stream's row is updated once, at the end (a
      -- repeat too: it keeps the stream from being idle, and adds no delta).
      CREATE FUNCTION chat_stream_append(p_chat uuid[], p_seq int[], p_text text[], p_len int[], p_max int)
      RETURNS TABLE (r_n int, r_outcome text, r_seq int, r_length int, r_status text)
      LANGUAGE plpgsql AS $$
      DECLARE
        a record;
        cur uuid;
        s_open boolean := false;
        s_seq int;
        s_len int;
        s_status text;
        s_fed boolean;
        done_offset int;
      BEGIN
        PERFORM 1 FROM chat_streams s WHERE s.chat_id = ANY (p_chat) ORDER BY s.chat_id FOR UPDATE;
        FOR a IN
          SELECT u.chat, u.seq, u.text, u.len, u.n::int AS n
          FROM unnest(p_chat, p_seq, p_text, p_len) WITH ORDINALITY AS u (chat, seq, text, len, n)
          ORDER BY u.chat, u.n
        LOOP
          IF cur IS DISTINCT FROM a.chat THEN
            IF s_open AND s_fed THEN
              UPDATE chat_streams SET seq = s_seq, length = s_len, appended_at = now() WHERE chat_id = cur;
            END IF;
            cur := a.chat;
            s_fed := false;
            SELECT s.seq, s.length INTO s_seq, s_len FROM chat_streams s WHERE s.chat_id = cur;
            s_open := FOUND;
            s_status := 'streaming';
            IF NOT s_open THEN
              SELECT c.status INTO s_status FROM chats c WHERE c.id = cur;
            END IF;
          END IF;
          r_n := a.n;
          r_status := s_status;
          r_seq := s_seq;
          r_length := s_len;
          IF NOT s_open THEN
            r_outcome := CASE WHEN s_status IS NULL THEN 'not_found' ELSE 'stream_closed' END;
          ELSIF a.seq = s_seq + 1 THEN
            IF s_len + a.len > p_max THEN
              r_outcome := 'too_large';
            ELSE
              INSERT INTO chat_pieces (chat_id, seq, "offset", text) VALUES (cur, a.seq, s_len, a.text);
              s_seq := a.seq;
              s_len := s_len + a.len;
              s_fed := true;
              r_outcome := 'ok';
              r_seq := s_seq;
              r_length := s_len;
            END IF;
          ELSE
            done_offset := NULL;
            IF a.seq <= s_seq THEN
              SELECT p."offset" INTO done_offset FROM chat_pieces p
              WHERE p.chat_id = cur AND p.seq = a.seq AND p.text = a.text;
            END IF;
            IF done_offset IS NOT NULL THEN
              -- a producer resending what it was not told of is alive: the stream is not idle
              s_fed := true;
              r_outcome := 'ok';
              r_seq := a.seq;
              r_length := done_offset + a.len;
            ELSE
              r_outcome := 'out_of_order';
              r_seq := s_seq + 1;
            END IF;
          END IF;
          RETURN NEXT;
        END LOOP;
        IF s_open AND s_fed THEN
          UPDATE chat_streams SET seq = s_seq, length = s_len, appended_at = now() WHERE chat_id = cur;
        END IF;
      END $$;

      -- Ends a stream: the pieces become the message, the status is set, the stream's rows go.
      -- Returns the chat's status afterwards (NULL: no such chat): p_status if this ended it or
      -- it had already ended so, another status if it had ended otherwise. With p_idle_ms and
      -- p_max_ms, only a stream still past one of them ends (a sweep's second look, under the lock).
      -- Locks the chat, then its stream: the order a delete of the chat takes them in.
      CREATE FUNCTION chat_stream_end(p_chat uuid, p_status text, p_idle_ms int DEFAULT NULL, p_max_ms int DEFAULT NULL)
      RETURNS text LANGUAGE plpgsql AS $$
      DECLARE
        st text;
        s record;
      BEGIN
        SELECT c.status INTO st FROM chats c WHERE c.id = p_chat FOR NO KEY UPDATE;
        IF NOT FOUND THEN
          RETURN NULL;
        END IF;
        SELECT x.appended_at, x.started_at INTO s FROM chat_streams x WHERE x.chat_id = p_chat FOR UPDATE;
        IF NOT FOUND THEN
          RETURN st;
        END IF;
        IF p_idle_ms IS NOT NULL
           AND s.appended_at >= now() - make_interval(secs => p_idle_ms / 1000.0)
           AND s.started_at >= now() - make_interval(secs => p_max_ms / 1000.0) THEN
          RETURN st;
        END IF;
        UPDATE chats c SET status = p_status, message = c.message || coalesce(
          (SELECT string_agg(p.text, '' ORDER BY p.seq) FROM chat_pieces p WHERE p.chat_id = p_chat), '')
        WHERE c.id = p_chat;
        DELETE FROM chat_streams WHERE chat_id = p_chat;
        RETURN p_status;
      END $$;

      -- Fails the streams idle or open too long, for the whole cluster (any instance may run
      -- it, at once with others: each stream is judged again under its locks). Returns how many it ended.
      CREATE FUNCTION chat_stream_expire(p_idle_ms int, p_max_ms int) RETURNS int LANGUAGE plpgsql AS $$
      DECLARE
        s record;
        n int := 0;
      BEGIN
        FOR s IN
          SELECT x.chat_id FROM chat_streams x
          WHERE x.appended_at < now() - make_interval(secs => p_idle_ms / 1000.0)
             OR x.started_at < now() - make_interval(secs => p_max_ms / 1000.0)
          ORDER BY x.chat_id
        LOOP
          IF chat_stream_end(s.chat_id, 'failed', p_idle_ms, p_max_ms) = 'failed' THEN
            n := n + 1;
          END IF;
        END LOOP;
        RETURN n;
      END $$;
    `);
  },

  async down(queryInterface) {
    await queryInterface.sequelize.query(`
      DROP FUNCTION IF EXISTS chat_stream_expire(int, int);
      DROP FUNCTION IF EXISTS chat_stream_end(uuid, text, int, int);
      DROP FUNCTION IF EXISTS chat_stream_append(uuid[], int[], text[], int[], int);
      DROP TRIGGER IF EXISTS chat_streams_events ON chat_streams;
      DROP FUNCTION IF EXISTS chat_streams_delta();
      DROP TABLE IF EXISTS chat_pieces;
      DROP TABLE IF EXISTS chat_streams;
      ${eventsRecord('')}
      DELETE FROM events WHERE op = 'delta';
      CREATE INDEX IF NOT EXISTS events_campaign_id_id_idx ON events (campaign_id, id);
      DROP INDEX IF EXISTS events_room_idx;
      DROP INDEX IF EXISTS events_deltas_idx;
      ALTER TABLE events DROP CONSTRAINT events_op_check;
      ALTER TABLE events ADD CONSTRAINT events_op_check CHECK (op IN ('created', 'updated', 'deleted'));
      DROP INDEX IF EXISTS chats_streaming_idx;
      ALTER TABLE chats DROP COLUMN status;
    `);
  },
};
