'use strict';

// An event's created_at becomes the moment its row is written, which the deferred trigger
// does at commit, rather than its transaction's start: delivery lag is measured from it,
// and a long transaction would otherwise look slow to deliver.
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query('ALTER TABLE events ALTER COLUMN created_at SET DEFAULT clock_timestamp();');
  },

  async down(queryInterface) {
    await queryInterface.sequelize.query('ALTER TABLE events ALTER COLUMN created_at SET DEFAULT now();');
  },
};
