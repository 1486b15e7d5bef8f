'use strict';

// The schema's source of truth. Ids, timestamps, choices and cascades live in
// Postgres itself, so rows written by plain SQL from another program obey them too.
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

      CREATE TABLE campaigns (
        id          uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
        title       text NOT NULL,
        description text NOT NULL DEFAULT '',
        status      varchar(20) NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'processing', 'started', 'completed')),
        created_at  timestamptz(3) NOT NULL DEFAULT now(),
        updated_at  timestamptz(3) NOT NULL DEFAULT now()
      );
      -- the default list order (newest first, id as tiebreaker)
      CREATE INDEX campaigns_created_at_id_idx ON campaigns (created_at DESC, id DESC);

      CREATE TABLE chats (
        id          uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
        campaign_id uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        author      varchar(10) NOT NULL CHECK (author IN ('human', 'ai', 'tool')),
        message     text NOT NULL,
        created_at  timestamptz(3) NOT NULL DEFAULT now()
      );
      -- chats of a campaign in time order (nested arrays, history paging)
      CREATE INDEX chats_campaign_created_at_id_idx ON chats (campaign_id, created_at, id);
      -- the global chat list, oldest first
      CREATE INDEX chats_created_at_id_idx ON chats (created_at, id);

      CREATE TABLE datas (
        id          uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
        context     text NOT NULL DEFAULT '',
        image       varchar(200) NOT NULL DEFAULT '',
        chat_id     uuid REFERENCES chats (id) ON DELETE CASCADE,
        campaign_id uuid REFERENCES campaigns (id) ON DELETE CASCADE
      );
      CREATE INDEX datas_chat_id_idx ON datas (chat_id);
      CREATE INDEX datas_campaign_id_idx ON datas (campaign_id);

      -- Timestamps keep milliseconds, the precision a JSON/JS client can carry, so a
      -- created_at read back is exactly the stored value (history cursors rely on it).
      -- updated_at advances on every update, whoever writes the row
      CREATE FUNCTION campaigns_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.updated_at := clock_timestamp();
        RETURN NEW;
      END $$;
      CREATE TRIGGER campaigns_touch_updated_at BEFORE UPDATE ON campaigns
        FOR EACH ROW EXECUTE FUNCTION campaigns_touch_updated_at();
    `);
  },

  async down(queryInterface) {
    await queryInterface.sequelize.query(`
      DROP TABLE IF EXISTS datas;
      DROP TABLE IF EXISTS chats;
      DROP TABLE IF EXISTS campaigns;
      DROP FUNCTION IF EXISTS campaigns_touch_updated_at();
    `);
  },
};
