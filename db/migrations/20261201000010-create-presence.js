'use strict';

// Who is in which campaign room, on which instance: the state presence is reconciled from.
// Ephemeral by nature, so UNLOGGED (no WAL, emptied by a crash restart, which also ends
// every connection it lists). Each instance upserts its presence_instances row on a
// heartbeat; any live instance deletes the rows of an instance not seen for a while, and
// that instance's connections with them. Nothing here ever touches the events log.
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      CREATE UNLOGGED TABLE presence_instances (
        instance uuid PRIMARY KEY,
        seen_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNLOGGED TABLE presence_connections (
        instance    uuid NOT NULL,
        socket_id   text NOT NULL,
        campaign_id uuid NOT NULL,
        member      text NOT NULL,        -- the token's sub, or the open mode's name
        seen_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (instance, socket_id, campaign_id)
      );
      CREATE INDEX presence_connections_campaign ON presence_connections (campaign_id);
    `);
  },

  async down(queryInterface) {
    await queryInterface.sequelize.query('DROP TABLE IF EXISTS presence_connections, presence_instances;');
  },
};
