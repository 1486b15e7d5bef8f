/**
 * Builds the browser bundle of the client library (Socket.IO client included) as one ES
 * module, served by the server at GET /client.js. Node-only: nothing in the client imports it.
 *   node dist/cli/bundle-client.js        (npm run build does this after tsc)
 */
import { build } from 'esbuild';
import { join, resolve } from 'node:path';
import { BROWSER_BUNDLE } from '../config/paths';

const ROOT = resolve(__dirname, '..', '..');

export async function buildClientBundle(outfile = BROWSER_BUNDLE): Promise<{ outfile: string; bytes: number }> {
  const result = await build({
    entryPoints: [join(ROOT, 'src', 'client', 'index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('.js'));
  return { outfile, bytes: output?.[1].bytes ?? 0 };
}

if (require.main === module) {
  buildClientBundle().then(
    ({ outfile, bytes }) => console.log(`browser bundle: ${outfile} (${bytes} bytes)`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
