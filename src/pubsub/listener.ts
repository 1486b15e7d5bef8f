import { Client } from 'pg';
import { backoffMs } from '../lib/backoff';
import { backendPid, destroySocket } from '../postgres/pg-internals';

export interface ListenerOptions {
  url: string;
  /** What to do with a notification, by channel: one connection LISTENs on all of them. */
  channels: Record<string, (payload: string) => void>;
  /** How often the connection is proven alive with a query. */
  checkIntervalMs: number;
  /** After each successful check: a cheap moment to poll what notifications announce. */
  onCheck?: () => void;
  /** After every (re)connect, once LISTEN is in place: time to catch up. */
  onConnect: () => void;
  onError: (err: unknown, context: string) => void;
  backoff?: { baseMs: number; maxMs: number };
}

/**
 * Owns one dedicated connection that LISTENs (never a pooled one: a pool would hand the
 * session to someone else, and a transaction-mode pooler drops LISTEN). It reconnects
 * with jittered exponential backoff when the connection is terminated, Postgres
 * restarts, or the periodic check finds the socket silently dead.
 */
export class Listener {
  private client?: Client;
  private reconnectTimer?: NodeJS.Timeout;
  private checkTimer?: NodeJS.Timeout;
  private attempt = 0;
  private started = false;
  private stopped = false;
  connected = false;

  constructor(private readonly opts: ListenerOptions) {}

  /** The Postgres backend serving the LISTEN connection (for diagnostics and tests). */
  get backendPid(): number | undefined {
    return backendPid(this.client);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.connect();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.checkTimer);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (client) {
      // remove 'end' first, or closing would schedule a reconnect
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      // end() waits for the server's goodbye, which a dead socket never sends
      const grace = setTimeout(() => destroySocket(client), 1_000);
      await client.end().catch(() => undefined);
      clearTimeout(grace);
    }
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.opts.url,
      application_name: 'chat-listener',
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
      // a black-holed reconnect fails in bounded time instead of the OS's TCP timeout
      connectionTimeoutMillis: this.opts.checkIntervalMs,
      query_timeout: this.opts.checkIntervalMs,
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (msg) => this.dispatch(msg.channel, msg.payload ?? ''));
    this.client = client;
    try {
      await client.connect();
      // one round trip for every channel: all are in place before onConnect
      const channels = Object.keys(this.opts.channels);
      await client.query(channels.map((c) => `LISTEN ${client.escapeIdentifier(c)}`).join('; '));
    } catch (err) {
      this.lost(client, err); // schedules the next attempt (a no-op if 'end' already did)
      throw err;
    }
    if (this.stopped || this.client !== client) {
      await client.end().catch(() => undefined);
      return;
    }
    this.connected = true;
    this.attempt = 0;
    this.checkTimer = setInterval(() => void this.check(client), this.opts.checkIntervalMs);
    this.checkTimer.unref();
    this.opts.onConnect();
  }

  /** A query with a deadline: a silently dead TCP connection fails here, not never. */
  private async check(client: Client): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('listener health check timed out')), this.opts.checkIntervalMs);
    });
    try {
      await Promise.race([client.query('SELECT 1'), deadline]);
      this.opts.onCheck?.(); // cheap belt and braces: poll the log too
    } catch (err) {
      this.lost(client, err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A handler's failure is reported, never lets one channel's notification break another's. */
  private dispatch(channel: string, payload: string): void {
    try {
      this.opts.channels[channel]?.(payload);
    } catch (err) {
      this.opts.onError(err, `handling a ${channel} notification failed`);
    }
  }

  private lost(client: Client, err: unknown): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    this.connected = false;
    clearInterval(this.checkTimer);
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    // end() could wait forever on a dead socket; destroying it is immediate
    destroySocket(client);
    this.opts.onError(err, 'listener connection lost');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { baseMs, maxMs } = this.opts.backoff ?? { baseMs: 100, maxMs: 5_000 };
    const delay = backoffMs(++this.attempt, baseMs, maxMs); // jitter: instances don't stampede
    this.reconnectTimer = setTimeout(() => {
      // a failed attempt has already scheduled the next one through lost()
      this.connect().catch(() => undefined);
    }, delay);
    this.reconnectTimer.unref();
  }
}
