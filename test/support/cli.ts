import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Runs `npx sequelize-cli <command>` from the project root against `databaseUrl`, as an operator would. */
export function sequelizeCli(command: string, databaseUrl: string): string {
  return execFileSync('npx', ['sequelize-cli', command], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    encoding: 'utf8',
    stdio: 'pipe',
    timeout: 120_000,
  });
}

/** The migration files, by name, in the order sequelize-cli applies them. */
export const migrationNames = (): string[] =>
  readdirSync(join(ROOT, 'db', 'migrations'))
    .filter((f) => f.endsWith('.js'))
    .sort();
