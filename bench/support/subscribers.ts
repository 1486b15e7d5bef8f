/**
 * Socket.IO subscribers driven by a child process, so that several processes share the client
 * work of a large benchmark. The parent sends `connect` (which rooms, how many sockets in each),
 * reads `progress` (deliveries so far, every 200 ms) and asks for the `report`, then `close`.
 * A chat's message is `<b|q> <seq> <sentAtMs>`: sentAtMs is CLOCK_MONOTONIC (process.hrtime),
 * which every process on the machine shares, so latency is receipt minus send across processes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents as C2S, ServerToClientEvents as S2C } from '../../src/protocol';

export type RoomShare = { campaignId: string; count: number };
export type SubscriberReport = {
  delivered: number;
  duplicates: number;
  /** Events received in a room the socket did not subscribe to. */
  misrouted: number;
  disconnects: number;
  busyLatencies: Float64Array;
  quietLatencies: Float64Array;
};
type ToChild = { type: 'connect'; url: string; rooms: RoomShare[] } | { type: 'report' } | { type: 'close' };
type FromChild =
  | { type: 'ready' }
  | { type: 'connected' }
  | { type: 'progress'; delivered: number }
  | { type: 'report'; report: SubscriberReport }
  | { type: 'failed'; message: string };

/** Milliseconds on the machine-wide monotonic clock. */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/** How many sockets of one child open at once. */
const CONNECT_BATCH = 50;

/** Runs in the child: opens the sockets, counts what they receive, answers the parent. */
export function runSubscribers(): void {
  const report = { delivered: 0, duplicates: 0, misrouted: 0, disconnects: 0 };
  const [busy, quiet]: number[][] = [[], []];
  const sockets: Socket[] = [];
  const send = (msg: FromChild) => process.send?.(msg);

  const open = async (url: string, campaignId: string) => {
    const seen = new Set<string>();
    const socket: Socket<S2C, C2S> = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    socket.on('chat:created', ({ campaign, data }) => {
      const at = monotonicMs();
      report.delivered++;
      if (campaign !== campaignId) report.misrouted++;
      if (seen.has(data.id)) report.duplicates++;
      seen.add(data.id);
      const [kind, , sentAt] = data.message.split(' ');
      (kind === 'b' ? busy : quiet).push(at - Number(sentAt));
    });
    socket.on('disconnect', () => report.disconnects++);
    sockets.push(socket);
    const ack = await socket.timeout(120_000).emitWithAck('subscribe', { campaignId });
    if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack.error)}`);
  };

  const connectAll = async (url: string, rooms: RoomShare[]) => {
    const queue = rooms.flatMap(({ campaignId, count }) => Array<string>(count).fill(campaignId));
    for (let i = 0; i < queue.length; i += CONNECT_BATCH) {
      await Promise.all(queue.slice(i, i + CONNECT_BATCH).map((campaignId) => open(url, campaignId)));
    }
  };

  const timer = setInterval(() => send({ type: 'progress', delivered: report.delivered }), 200);
  process.on('message', (msg: ToChild) => {
    if (msg.type === 'connect') {
      connectAll(msg.url, msg.rooms).then(
        () => send({ type: 'connected' }),
        (err: Error) => send({ type: 'failed', message: err.message }),
      );
    } else if (msg.type === 'report') {
      const latencies = { busyLatencies: Float64Array.from(busy), quietLatencies: Float64Array.from(quiet) };
      send({ type: 'report', report: { ...report, ...latencies } });
    } else {
      clearInterval(timer);
      sockets.forEach((socket) => socket.disconnect());
      process.disconnect();
    }
  });
  send({ type: 'ready' }); // a message sent before this listener existed would be lost
}

/** What every child here can answer: it is listening, or something failed. */
type ChildMessage = { type: string } | { type: 'failed'; message: string };

/**
 * The parent's end of a forked child that answers messages by `type`: `ready` once it
 * listens, `failed` when something went wrong. 'advanced' serialization: typed arrays (the
 * latencies) cross as typed arrays, not as JSON.
 */
export class ChildHandle<From extends ChildMessage> {
  protected readonly proc: ChildProcess;
  protected readonly ready: Promise<unknown>;

  constructor(script: string, flag: string) {
    this.proc = fork(script, [flag], { serialization: 'advanced' });
    this.ready = this.next('ready');
    this.ready.catch(() => undefined); // awaited before the first request; an early exit must not go unhandled
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** The next message of this type; rejects on `failed`, or if the child exits first. */
  protected next<T extends From['type']>(type: T): Promise<Extract<From, { type: T }>> {
    return new Promise((done, fail) => {
      const onMessage = (msg: From) => {
        if (msg.type === 'failed') fail(new Error((msg as { message: string }).message));
        if (msg.type !== type) return;
        this.proc.off('message', onMessage).off('exit', onExit);
        done(msg as Extract<From, { type: T }>);
      };
      const onExit = (code: number | null) => fail(new Error(`child process exited (${code}) awaiting ${type}`));
      this.proc.on('message', onMessage).once('exit', onExit);
    });
  }
}

/** The parent's handle on one subscriber process. */
export class SubscriberProcess extends ChildHandle<FromChild> {
  delivered = 0;

  constructor(script: string, flag: string) {
    super(script, flag);
    this.proc.on('message', (msg: FromChild) => {
      if (msg.type === 'progress') this.delivered = msg.delivered;
    });
  }

  /** Resolves once the process listens (a fresh process takes a while to load). */
  async started(): Promise<void> {
    await this.ready;
  }

  async connect(url: string, rooms: RoomShare[]): Promise<void> {
    await this.ready;
    this.proc.send({ type: 'connect', url, rooms } satisfies ToChild);
    await this.next('connected');
  }

  async report(): Promise<SubscriberReport> {
    this.proc.send({ type: 'report' } satisfies ToChild);
    return (await this.next('report')).report;
  }

  /** Closes its sockets and lets it exit; safe to call twice. */
  async close(): Promise<void> {
    if (!this.proc.connected) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.send({ type: 'close' } satisfies ToChild);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
