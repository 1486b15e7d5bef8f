import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP proxy on loopback standing in for a load balancer: re-pointable, and able to cut or refuse. */
export interface TcpProxy {
  url: string;
  /** New connections go to this port from now on. */
  point(port: number): void;
  /** Drops every open connection at once (both sides). */
  cut(): void;
  /** While refusing, new connections are closed as soon as they open. */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

export const portOf = (url: string): number => Number(new URL(url).port);

export async function startProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let refusing = false;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(target, '127.0.0.1');
    const end = () => {
      for (const s of [client, upstream]) {
        s.destroy();
        open.delete(s);
      }
    };
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', end).on('close', end);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const cut = () => [...open].forEach((s) => s.destroy());
  return {
    url: `http://127.0.0.1:${port}`,
    point: (p) => void (target = p),
    cut,
    refuse: (on) => void (refusing = on),
    close: () => new Promise((resolve) => (cut(), server.close(() => resolve()))),
  };
}
