/** HTTP clients of the fairness bench: counts of statuses and latencies, one client per address. */
import { Agent, request } from 'node:http';

export interface Tally {
  statuses: Record<string, number>;
  /** Requests that got no answer (connection refused, reset, timed out). */
  errors: number;
  latenciesMs: number[];
}

export const percentile = (values: number[], q: number) => {
  const sorted = Float64Array.from(values).sort();
  return sorted.length ? Math.round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] * 10) / 10 : NaN;
};

export const newTally = (): Tally => ({ statuses: {}, errors: 0, latenciesMs: [] });

export function statusCount(tally: Tally, status: string): number {
  return tally.statuses[status] ?? 0;
}

/**
 * One GET through agent as the client at ip; counts its status (or error) and latency in
 * the tally current when it ends: an answer counts in the window it arrives in.
 */
export function get(agent: Agent, url: string, ip: string, current: () => Tally): Promise<void> {
  const started = performance.now();
  return new Promise((done) => {
    const req = request(url, { agent, headers: { 'x-forwarded-for': ip }, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        const [status, tally] = [String(res.statusCode), current()];
        tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
        if (status === '200') tally.latenciesMs.push(performance.now() - started);
        done();
      });
      res.on('error', () => done());
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => {
      current().errors++;
      done();
    });
    req.end();
  });
}

/**
 * An abusive client (run it in a child process, so its loop does not delay another client's
 * timings): `conns` loops, each sending the next search as soon as the last one is answered.
 * 'window' resets the counts (the measured window starts); 'stop' reports them and exits.
 */
export function abusiveClient(url: string, ip: string, conns: number): void {
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  let tally = newTally();
  let stopping = false;
  const loop = async () => {
    while (!stopping) await get(agent, url, ip, () => tally);
  };
  for (let i = 0; i < conns; i++) void loop();
  process.on('message', (msg: string) => {
    if (msg === 'window') tally = newTally();
    if (msg !== 'stop') return;
    stopping = true;
    const result = structuredClone(tally); // before the abandoned requests count as errors
    agent.destroy(); // the in-flight searches are abandoned: the server cancels them
    process.send?.(result, () => process.exit(0));
  });
}
