'use strict';

const { EVENTS_CHANNEL } = require('../channels.cjs');

// The change feed behind live rooms. Triggers record every committed change of a
// campaign, chat or data as a row of `events` (a durable, ordered log that instances
// catch up from) and announce it with one NOTIFY per transaction. They fire for every
// writer: this server, sequelize-cli seeds, or plain SQL from another program.
//
// Ordering: event ids are taken at commit time (deferred triggers) under a transaction
// advisory lock, which Postgres releases only after the commit is visible. So ids are in
// commit order and a reader that sees id N has already been able to see every id < N:
// "id > last seen" never skips a late committer. Committing transactions that NOTIFY are
// serialised by Postgres anyway; the lock extends that window only to the trigger work.
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      CREATE TABLE events (
        id          bigserial PRIMARY KEY,
        campaign_id uuid NOT NULL,          -- the room the event belongs to
        entity      varchar(10) NOT NULL CHECK (entity IN ('campaign', 'chat', 'data')),
        op          varchar(10) NOT NULL CHECK (op IN ('created', 'updated', 'deleted')),
        entity_id   uuid NOT NULL,
        keys        jsonb NOT NULL,         -- id and foreign keys: all a deleted row leaves behind
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      -- replay of one room after a reconnect
      CREATE INDEX events_campaign_id_id_idx ON events (campaign_id, id);
      -- pruning by age of an append-only log
      CREATE INDEX events_created_at_brin ON events USING brin (created_at);
      -- the room of a data whose chat was deleted earlier in the same transaction
      CREATE INDEX events_deleted_chats_idx ON events (entity_id) WHERE entity = 'chat' AND op = 'deleted';

      -- how far pruning has gone: a replay cursor below this has lost events
      CREATE TABLE events_pruned (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        upto      bigint NOT NULL DEFAULT 0
      );
      INSERT INTO events_pruned DEFAULT VALUES;

      CREATE FUNCTION events_append(room uuid, entity text, op text, entity_id uuid, keys jsonb)
      RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF room IS NULL THEN
          RETURN; -- a data attached to nothing belongs to no room
        END IF;
        PERFORM pg_advisory_xact_lock(4172093002);
        INSERT INTO events (campaign_id, entity, op, entity_id, keys) VALUES (room, entity, op, entity_id, keys);
        -- identical notifications within a transaction are folded into one by Postgres
        PERFORM pg_notify('${EVENTS_CHANNEL}', '');
      END $$;

      CREATE FUNCTION events_data_room(p_campaign uuid, p_chat uuid) RETURNS uuid LANGUAGE sql STABLE AS $$
        SELECT coalesce(
          p_campaign,
          (SELECT c.campaign_id FROM chats c WHERE c.id = p_chat),
          (SELECT e.campaign_id FROM events e
            WHERE e.entity = 'chat' AND e.op = 'deleted' AND e.entity_id = p_chat ORDER BY e.id DESC LIMIT 1)
        )
      $$;

      -- Keys are built per entity in its own branch: PL/pgSQL resolves OLD.x / NEW.x at run
      -- time, so an expression naming a column another table lacks would fail there.
      CREATE FUNCTION events_record() RETURNS trigger LANGUAGE plpgsql AS $$
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
        ELSIF entity = 'chat' THEN
          IF TG_OP <> 'INSERT' THEN
            old_room := OLD.campaign_id;
            old_keys := jsonb_build_object('id', OLD.id, 'campaign', OLD.campaign_id);
          END IF;
          IF TG_OP <> 'DELETE' THEN
            new_room := NEW.campaign_id;
            new_keys := jsonb_build_object('id', NEW.id, 'campaign', NEW.campaign_id);
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
            -- the row left a room: that room sees it go
            PERFORM events_append(old_room, entity, 'deleted', OLD.id, old_keys);
          END IF;
          PERFORM events_append(new_room, entity, op, NEW.id, new_keys);
        END IF;
        RETURN NULL;
      END $$;

      -- nobody can be in a campaign's room before it exists: no event for its creation
      CREATE CONSTRAINT TRIGGER campaigns_events AFTER UPDATE OR DELETE ON campaigns
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION events_record('campaign');
      CREATE CONSTRAINT TRIGGER chats_events AFTER INSERT OR UPDATE OR DELETE ON chats
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION events_record('chat');
      CREATE CONSTRAINT TRIGGER datas_events AFTER INSERT OR UPDATE OR DELETE ON datas
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION events_record('data');
    `);
  },

  async down(queryInterface) {
    await queryInterface.sequelize.query(`
      DROP TRIGGER IF EXISTS campaigns_events ON campaigns;
      DROP TRIGGER IF EXISTS chats_events ON chats;
      DROP TRIGGER IF EXISTS datas_events ON datas;
      DROP FUNCTION IF EXISTS events_record();
      DROP FUNCTION IF EXISTS events_data_room(uuid, uuid);
      DROP FUNCTION IF EXISTS events_append(uuid, text, text, uuid, jsonb);
      DROP TABLE IF EXISTS events_pruned;
      DROP TABLE IF EXISTS events;
    `);
  },
};
