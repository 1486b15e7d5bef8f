import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const run = promisify(execFile);

/** `depcruise src` with the project's rules, in `cwd`: its exit code and what it printed. */
async function cruise(cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(DEPCRUISE, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
      cwd,
    });
    return { code: 0, output: stdout };
  } catch (err) {
    const failed = err as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

/** A tree with the project's lint rules and these files, for imports the real tree must never have. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'chat-layers-'));
  copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'node16' } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Imports the real tree must never have, each with the rule that refuses it. */
const FORBIDDEN: [what: string, from: string, target: string, rule: string][] = [
  ['a service importing the HTTP edge', 'src/services/chat.service.ts', '../http/server', 'layer-domain-services'],
  ['the protocol importing the server', 'src/protocol/events.ts', '../errors', 'protocol-is-a-leaf'],
  ['the client importing a service', 'src/client/room.ts', '../services/list', 'client-speaks-protocol-only'],
  ['the events log importing the socket edge', 'src/pubsub/feed.ts', '../realtime/rooms', 'layer-events-pubsub'],
  ['an edge importing another edge', 'src/realtime/rooms.ts', '../http/server', 'layer-edges-realtime'],
  ['a module importing the app', 'src/http/server.ts', '../app', 'layer-edges-http'],
  ['a folder importing a folder that imports it', 'src/pubsub/a.ts', '../webhooks/b', 'layer-events-pubsub'],
];

// `npm run lint` checks the real tree; this proves that it would refuse each of these
describe('the layers of ARCHITECTURE.md, as `npm run lint` checks them', () => {
  let dir: string;
  let result: { code: number; output: string };
  beforeAll(async () => {
    const files: Record<string, string> = {
      // a cycle of type-only imports between two files of one folder
      'src/presence/a.ts': "import type { B } from './b';\nexport type A = B;\n",
      'src/presence/b.ts': "import type { A } from './a';\nexport type B = A | 1;\n",
      'src/webhooks/b.ts': "import '../pubsub/a';\n",
    };
    for (const [, from, target] of FORBIDDEN) {
      files[from] = `${files[from] ?? ''}import '${target}';\n`;
      const to = join(dirname(from), `${target}.ts`).replace(/\\/g, '/');
      files[to] ??= 'export {};\n';
    }
    dir = tree(files);
    result = await cruise(dir);
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails the lint', () => {
    expect(result.code).not.toBe(0);
  });

  it.each(FORBIDDEN)('refuses %s', (_what, from, target, rule) => {
    const to = join(dirname(from), `${target}.ts`).replace(/\\/g, '/');
    expect(result.output).toContain(`${rule}: ${from} → ${to}`);
  });

  it('refuses a cycle of type-only imports between two files of one folder', () => {
    expect(result.output).toMatch(/no-circular: src\/presence\/[ab]\.ts/);
  });
});
