import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from './ports';
import { eventually } from './sockets';

const ROOT = join(__dirname, '..', '..');

/** The server as an operator runs it, in a process of its own that a test may freeze (SIGSTOP). */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything it has logged so far. */
  output(): string;
  stop(): Promise<void>;
  /** SIGKILL: it dies as in a crash, with no shutdown; resolves once it is gone. */
  crash(): Promise<void>;
}

export async function startServerProcess(databaseUrl: string, env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  // the TypeScript loader inside the one process (the tsx command would run the server in a
  // child of its own, out of reach of a SIGSTOP sent to the process it started)
  const loader = pathToFileURL(require.resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', loader, 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'info',
      RATE_LIMIT_READS_PER_MINUTE: '0',
      RATE_LIMIT_WRITES_PER_MINUTE: '0',
      WEBHOOKS: 'false', // as in-process test instances: the job runner only where a test asks
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c) => (out += c));
  child.stderr?.on('data', (c) => (out += c));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT'); // a frozen process cannot act on SIGTERM
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await eventually(() => out.includes('listening on') || child.exitCode !== null, 60_000, 'the server process');
    if (child.exitCode !== null) throw new Error(`server exited:\n${out}`);
  } catch (err) {
    await stop();
    throw err;
  }
  const crash = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return { url: `http://127.0.0.1:${port}`, child, output: () => out, stop, crash };
}
