'use strict';

const { Logger, runMigrations } = require('graphile-worker');
const { Pool } = require('pg');

/** Runs the job queue's installer on connections made like the migration's own (TLS settings included). */
async function installQueue(sequelize) {
  const c = sequelize.config;
  const pgPool = new Pool({
    host: c.host,
    port: c.port,
    user: c.username,
    password: c.password,
    database: c.database,
    ssl: sequelize.options.dialectOptions?.ssl ?? c.ssl,
    max: 2,
  });
  pgPool.on('error', () => undefined);
  pgPool.on('connect', (client) => client.on('error', () => undefined));
  try {
    await runMigrations({ pgPool, logger: new Logger(() => () => undefined) });
  } finally {
    await pgPool.end();
  }
}

// Outbound webhooks. Endpoints say where committed events go; the dispatcher follows the
// events log from webhook_dispatch.position and, in one transaction, records a delivery per
// matching endpoint, enqueues its job and moves the position: each event is enqueued once
// per endpoint however many instances follow the log. Pruning never passes that position.
// The job queue is graphile-worker's own schema, installed here so that the schema has one
// source of truth and a fresh database needs no worker start to accept jobs.
module.exports = {
  async up(queryInterface) {
    await installQueue(queryInterface.sequelize);
    await queryInterface.sequelize.query(`
      CREATE TABLE webhook_endpoints (
        id            uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
        url           text NOT NULL,
        campaign_id   uuid,                 -- null: every campaign (no foreign key: campaign:deleted still matches)
        events        text[] NOT NULL,
        active        boolean NOT NULL DEFAULT true,
        secret        text NOT NULL,
        created_at    timestamptz(3) NOT NULL DEFAULT now(),
        updated_at    timestamptz(3) NOT NULL DEFAULT now(),
        failing_since timestamptz(3),       -- first failed attempt since the last success
        deactivated_at     timestamptz(3),
        deactivated_reason text
      );
      CREATE INDEX webhook_endpoints_created_at_id_idx ON webhook_endpoints (created_at DESC, id DESC);

      CREATE TABLE webhook_deliveries (
        id          uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id    bigint NOT NULL,        -- the cursor: the receiver's idempotency key
        name        text NOT NULL,
        body        text NOT NULL,          -- signed and sent as is on every attempt
        status      varchar(10) NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
        attempts    int NOT NULL DEFAULT 0,
        created_at  timestamptz(3) NOT NULL DEFAULT now(),
        retry_from  timestamptz(3) NOT NULL DEFAULT now(),  -- retries end a window after this (reset by redeliver)
        delivered_at    timestamptz(3),
        next_attempt_at timestamptz(3),
        UNIQUE (endpoint_id, event_id)
      );
      CREATE INDEX webhook_deliveries_endpoint_created_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
      -- pruning of finished deliveries by age
      CREATE INDEX webhook_deliveries_created_at_idx ON webhook_deliveries (created_at) WHERE status <> 'pending';

      CREATE TABLE webhook_attempts (
        id          bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        at          timestamptz(3) NOT NULL DEFAULT now(),
        status_code int,                    -- null: no answer (refused, timeout, reset)
        duration_ms int NOT NULL,
        error       text,
        response    text                    -- a short excerpt of the answer, never more
      );
      CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

      -- where the dispatcher has read the events log up to; starts at the log's head
      CREATE TABLE webhook_dispatch (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        position  bigint NOT NULL
      );
      INSERT INTO webhook_dispatch (position)
        SELECT greatest((SELECT max(id) FROM events), (SELECT upto FROM events_pruned), 0);
    `);
  },

  async down(queryInterface) {
    await queryInterface.sequelize.query(`
      DROP TABLE IF EXISTS webhook_dispatch;
      DROP TABLE IF EXISTS webhook_attempts;
      DROP TABLE IF EXISTS webhook_deliveries;
      DROP TABLE IF EXISTS webhook_endpoints;
      DROP SCHEMA IF EXISTS graphile_worker CASCADE;
    `);
  },
};
