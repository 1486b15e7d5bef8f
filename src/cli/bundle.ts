/**
 * Builds the browser bundles the server serves, each one ES module (npm run build does this
 * after tsc; Node-only, nothing in the client or console imports it):
 * - the client library (Socket.IO client included) at GET /client.js;
 * - the web console (src/console/ui, Preact), its stylesheet and index.html, at /.
 *   node dist/cli/bundle.js
 */
import { build, type BuildOptions } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BROWSER_BUNDLE, CONSOLE_DIR } from '../config/paths';

const ROOT = resolve(__dirname, '..', '..');
const UI = join(ROOT, 'src', 'console', 'ui');

/** One minified ES module for browsers; returns the bytes it wrote (scripts and styles). */
async function bundle(options: BuildOptions): Promise<number> {
  const result = await build({
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    ...options,
  });
  return Object.values(result.metafile?.outputs ?? {}).reduce((sum, o) => sum + o.bytes, 0);
}

export async function buildClientBundle(outfile = BROWSER_BUNDLE): Promise<{ outfile: string; bytes: number }> {
  const bytes = await bundle({ entryPoints: [join(ROOT, 'src', 'client', 'index.ts')], outfile });
  return { outfile, bytes };
}

export async function buildConsole(outdir = CONSOLE_DIR): Promise<{ outdir: string; bytes: number }> {
  await mkdir(outdir, { recursive: true });
  const bytes = await bundle({
    entryPoints: { console: join(UI, 'main.tsx') },
    outdir,
    jsx: 'automatic',
    jsxImportSource: 'preact',
  });
  await copyFile(join(UI, 'index.html'), join(outdir, 'index.html'));
  return { outdir, bytes };
}

if (require.main === module) {
  Promise.all([buildClientBundle(), buildConsole()]).then(
    ([client, console_]) => {
      console.log(`browser bundle: ${client.outfile} (${client.bytes} bytes)`);
      console.log(`web console: ${console_.outdir} (${console_.bytes} bytes)`);
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
