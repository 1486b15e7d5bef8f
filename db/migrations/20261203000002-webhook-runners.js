'use strict';

// Which instance runs which job runner. graphile-worker locks a job with its runner's id; a
// runner whose instance died keeps its jobs locked until the stale-lock chore (several
// delivery timeouts, checked once a minute). With this table, the presence sweep that
// declares an instance gone (PRESENCE_TIMEOUT_MS) releases its runner's jobs at once.
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      CREATE TABLE webhook_runners (
        worker_id  text PRIMARY KEY,
        instance   uuid NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_runners_instance_idx ON webhook_runners (instance);
    `);
  },

  async down(queryInterface) {
    await queryInterface.sequelize.query('DROP TABLE IF EXISTS webhook_runners;');
  },
};
