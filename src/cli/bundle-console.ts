/**
 * Builds the web console (src/console/ui, Preact) into one ES module and one stylesheet,
 * next to its index.html, served by the server at / (src/http/console.ts). Node-only.
 *   node dist/cli/bundle-console.js        (npm run build does this after tsc)
 */
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CONSOLE_DIR } from '../config/paths';

const ROOT = resolve(__dirname, '..', '..');
const UI = join(ROOT, 'src', 'console', 'ui');

export async function buildConsole(outdir = CONSOLE_DIR): Promise<{ outdir: string; bytes: number }> {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: { console: join(UI, 'main.tsx') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  await copyFile(join(UI, 'index.html'), join(outdir, 'index.html'));
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  return { outdir, bytes };
}

if (require.main === module) {
  buildConsole().then(
    ({ outdir, bytes }) => console.log(`web console: ${outdir} (${bytes} bytes)`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
