import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  id: string;
  cursor: string;
  name: string;
  campaign: string;
  data: { id: string; author?: string; message?: string };
  created_at: string;
}

export interface Hit {
  raw: string;
  body: Delivery;
  headers: IncomingHttpHeaders;
  at: number;
}

/** What the receiver answers a hit with: a status (now or later), or 'hang' to never answer. */
export type Answer = (hit: Hit, hits: Hit[]) => number | Promise<number> | 'hang';

export interface Receiver {
  url: string;
  hits: Hit[];
  /** Hits answered 2xx, by cursor. */
  accepted: Map<string, number>;
  close(): Promise<void>;
}

/** A real HTTP receiver on loopback that records every POST it gets. */
export async function startReceiver(answer: Answer = () => 200): Promise<Receiver> {
  const hits: Hit[] = [];
  const accepted = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const hit: Hit = { raw, body: JSON.parse(raw) as Delivery, headers: req.headers, at: Date.now() };
      hits.push(hit);
      const status = answer(hit, hits);
      if (status === 'hang') {
        hanging.add(res);
        return;
      }
      void Promise.resolve(status).then((code) => {
        if (code >= 200 && code < 300) accepted.set(hit.body.cursor, (accepted.get(hit.body.cursor) ?? 0) + 1);
        res.writeHead(code, { 'Content-Type': 'text/plain' }).end(code < 300 ? 'ok' : 'not now');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    accepted,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
