/** A writer that POSTs chats on a fixed schedule, whatever the server's response times. */
import { Agent } from 'node:http';
import { post } from './bare-server';
import { sleep } from './processes';
import { monotonicMs } from './subscribers';

/**
 * One chat to send: when (ms after the start), to which room, busy or quiet, how many
 * subscribers it reaches, and to which server (the writer's own URL unless given).
 */
export type Send = { due: number; campaign: string; kind: 'b' | 'q'; subscribers: number; url?: string };

/** Sends on schedule without awaiting responses, so a slow response delays nothing. */
export async function writeOnSchedule(url: string, sends: Send[]) {
  // idle sockets are dropped here before the server's 5 s keep-alive timeout drops them, or a
  // request sent just as the server closes one fails with "socket hang up"
  const agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 4_000 });
  const tally = { ok: 0, failed: 0, expected: 0, maxLag: 0, postMs: [] as number[], firstFailure: '' };
  const failed = (why: string) => void (tally.failed++, (tally.firstFailure ||= why));
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let seq = 0; seq < sends.length;) {
    for (const now = performance.now(); seq < sends.length && t0 + sends[seq].due <= now; seq++) {
      const { campaign, kind, subscribers, due, url: to = url } = sends[seq];
      tally.maxLag = Math.max(tally.maxLag, now - t0 - due);
      const [sentAt, message] = [performance.now(), `${kind} ${seq} ${monotonicMs().toFixed(3)}`];
      const req = post(agent, `${to}/api/chats/`, { campaign, author: 'human', message }).then(
        ({ status, text }) => {
          tally.postMs.push(performance.now() - sentAt);
          if (status !== 201) return failed(`${status} ${text}`);
          tally.ok++;
          tally.expected += subscribers;
        },
        (err: Error) => failed(err.message),
      );
      inFlight.push(req);
    }
    if (seq < sends.length) await sleep(t0 + sends[seq].due - performance.now());
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { ...tally, spanS: (performance.now() - t0) / 1000 };
}
