import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTING_LIST, SETTING_NAMES, type Setting } from '../../src/config';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** A default as the README writes it: `3000`, unset (no default), empty (''). */
function documented(setting: Setting): string {
  if (setting.default === undefined) return 'unset';
  if (setting.default === '') return 'empty';
  return `\`${String(setting.default)}\``;
}

/** The `| Setting | Default | Meaning |` rows of a section, as name → default; a row may name several settings. */
function settingRows(section: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of section.split('\n').filter((l) => /^\| `[A-Z]/.test(l))) {
    const [names, defaults] = line.split(' | ').map((cell) => cell.replace(/^\| /, ''));
    const envs = [...names.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]);
    const values = defaults.split(/,\s+/);
    if (values.length !== 1 && values.length !== envs.length) throw new Error(`README row of ${names}: defaults?`);
    envs.forEach((env, i) => {
      if (rows.has(env)) throw new Error(`README names ${env} twice in one table`);
      rows.set(env, values[values.length === 1 ? 0 : i]);
    });
  }
  return rows;
}

/** The text of a `## heading` section, up to the next `## `. */
function section(heading: string): string {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}"`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

describe("README's configuration table", () => {
  const table = settingRows(section('Configuration'));

  it.each(SETTING_LIST.map((s) => [s.env, s] as const))('lists %s with the default the code has', (env, setting) => {
    expect(table.get(env)).toBe(documented(setting));
  });

  it('names no setting the code lacks', () => {
    expect([...table.keys()].filter((env) => !SETTING_NAMES.includes(env))).toEqual([]);
  });

  it('agrees with the settings tables of the other sections, which repeat some rows', () => {
    const abuse = settingRows(section('Abuse limits'));
    expect(abuse.size).toBeGreaterThan(0);
    for (const [env, fallback] of abuse) expect([env, fallback]).toEqual([env, table.get(env)]);
  });
});
