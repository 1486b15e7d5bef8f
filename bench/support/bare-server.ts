/** The realtime bench's floor (Socket.IO alone, no database) and the POST both it and the writer send. */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import { Server } from 'socket.io';
import type { ChatRep, LiveEvent } from '../../src/protocol';
import { campaignRoom } from '../../src/realtime/room.names';
import type { ClientToServerEvents as C2S, ServerToClientEvents as S2C } from '../../src/protocol';

/** POSTs body as JSON through agent (a keep-alive pool); resolves on any status. */
export function post(agent: Agent, url: string, body: unknown): Promise<{ status: number; text: string }> {
  const data = JSON.stringify(body);
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', fail);
    req.end(data);
  });
}

/** A bare Socket.IO server: POST /api/chats/ emits to the room here and relays to the peer, if any. */
export function bareServer(port: number, peerPort?: number): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let cursor = 0;
  const http = createServer((req, res) => {
    if (req.method !== 'POST') return void res.end('ok'); // /readyz
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      let event = JSON.parse(body) as LiveEvent<ChatRep>;
      if (req.url !== '/relay') {
        const { campaign, author, message } = event as unknown as ChatRep;
        const data = {
          id: randomUUID(),
          campaign,
          author,
          message,
          status: 'complete' as const,
          created_at: new Date().toISOString(),
          datas: [],
        };
        event = { cursor: String(++cursor), campaign, data };
        if (peerPort)
          post(agent, `http://127.0.0.1:${peerPort}/relay`, event).catch((err) => console.error('relay failed', err));
      }
      io.to(campaignRoom(event.campaign)).emit('chat:created', event);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(event.data));
    });
  });
  const io = new Server<C2S, S2C>(http, { serveClient: false });
  io.on('connection', (socket) =>
    socket.on('subscribe', (req, ack) => {
      void socket.join(campaignRoom(req.campaignId));
      ack({ ok: true, cursor: String(cursor), replayed: 0, presence: [] });
    }),
  );
  http.listen(port, '127.0.0.1');
}
