'use strict';

// ?search= is a case-insensitive substring match (ILIKE '%term%') on every searched column,
// which a b-tree cannot serve: without these, every search reads the whole table. Trigram
// GIN indexes serve any term of 3+ characters; shorter terms have no trigram and still scan.
//
// A term's columns are OR-ed, and Postgres combines indexes for an OR only when every arm has
// one (BitmapOr); one arm without an index makes it read the table. So the small choice
// columns (chats.author, campaigns.status) get an index too: it is what lets the message arm
// use its own. They are plain varchar compared as they are, so a plain column index matches.
//
// Building them blocks writes to the table meanwhile (about a minute for a million chats). On a
// large live table, build them first with CREATE INDEX CONCURRENTLY under these names: the
// migration then skips them (it cannot build them concurrently itself, being one transaction).
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query(`
      CREATE EXTENSION IF NOT EXISTS pg_trgm;

      CREATE INDEX IF NOT EXISTS chats_message_trgm_idx ON chats USING gin (message gin_trgm_ops);
      CREATE INDEX IF NOT EXISTS chats_author_trgm_idx ON chats USING gin (author gin_trgm_ops);
      CREATE INDEX IF NOT EXISTS campaigns_title_trgm_idx ON campaigns USING gin (title gin_trgm_ops);
      CREATE INDEX IF NOT EXISTS campaigns_description_trgm_idx ON campaigns USING gin (description gin_trgm_ops);
      CREATE INDEX IF NOT EXISTS campaigns_status_trgm_idx ON campaigns USING gin (status gin_trgm_ops);
      CREATE INDEX IF NOT EXISTS datas_context_trgm_idx ON datas USING gin (context gin_trgm_ops);
    `);
  },

  async down(queryInterface) {
    // the extension stays: other schemas in the database may use it
    await queryInterface.sequelize.query(`
      DROP INDEX IF EXISTS datas_context_trgm_idx;
      DROP INDEX IF EXISTS campaigns_status_trgm_idx;
      DROP INDEX IF EXISTS campaigns_description_trgm_idx;
      DROP INDEX IF EXISTS campaigns_title_trgm_idx;
      DROP INDEX IF EXISTS chats_author_trgm_idx;
      DROP INDEX IF EXISTS chats_message_trgm_idx;
    `);
  },
};
