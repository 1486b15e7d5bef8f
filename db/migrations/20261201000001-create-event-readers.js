'use strict';

// Where each running instance has read the events log up to. Every instance upserts its
// row on a heartbeat and deletes it when it stops; pruning never deletes an event a
// recently seen reader has not read yet, so a live but slow instance loses nothing. A
// reader that stops heartbeating (crashed, frozen) stops holding pruning back after a
// few intervals, and learns it fell behind from events_pruned when it resumes.
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      CREATE TABLE event_readers (
        instance uuid PRIMARY KEY,
        position bigint NOT NULL,              -- the last event id it delivered
        seen_at  timestamptz NOT NULL DEFAULT now()
      );
    `);
  },

  async down(queryInterface) {
    await queryInterface.sequelize.query('DROP TABLE IF EXISTS event_readers;');
  },
};
