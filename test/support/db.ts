import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

const adminUrl = (): string => {
  const url = process.env.TEST_ADMIN_DATABASE_URL;
  if (!url) throw new Error('TEST_ADMIN_DATABASE_URL is unset: run the tests through jest');
  return url;
};

export function urlFor(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.href;
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database cloned from the template; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const name = `chat_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const template = process.env.TEST_TEMPLATE_DATABASE ?? 'chat_test_template';
  // CREATE DATABASE … TEMPLATE fails while another session is connected to the template
  for (let attempt = 0; ; attempt++) {
    try {
      await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
      return urlFor(name);
    } catch (err) {
      if (attempt > 20) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** An empty database (no migrations), for migration tests. */
export async function createEmptyDatabase(): Promise<string> {
  const name = `chat_empty_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  return urlFor(name);
}

/** Runs SQL as another program would: a plain connection outside the app. */
export async function sql<T extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
