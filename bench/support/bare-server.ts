/**
 * The realtime benches' floor (Socket.IO alone, no database) and the POST both it and the writer send.
 * With `streams`, it also takes streamed chats over the socket (`chat:create`, `chat:append`,
 * `chat:finish`, as the real server does) and relays each append to the room at once as a
 * `chat:delta`: no coalescing, no commit. Its peer gets them over one Socket.IO connection, so
 * a stream's events reach the peer's room in order.
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { io as connect } from 'socket.io-client';
import type { ChatDelta, ChatRep, LiveEvent } from '../../src/protocol';
import { campaignRoom } from '../../src/realtime/room.names';
import type { ClientToServerEvents as C2S, ServerToClientEvents as S2C } from '../../src/protocol';

/** An event one bare server hands its peer for the peer's room (stream mode). */
type Relayed =
  { name: 'chat:created' | 'chat:updated'; event: LiveEvent<ChatRep> } | { name: 'chat:delta'; event: ChatDelta };
type PeerEvents = { relay: (relayed: Relayed) => void };

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

/**
 * A bare Socket.IO server: POST /api/chats/ emits to the room here and relays to the peer, if any.
 * `streams`: the socket events of a streamed chat too (see above).
 */
export function bareServer(port: number, peerPort?: number, { streams = false } = {}): void {
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
  const io = new Server<C2S & PeerEvents, S2C>(http, { serveClient: false });
  const streamHandlers = streams ? relayStreams(io, () => String(++cursor), peerPort) : undefined;
  io.on('connection', (socket) => {
    socket.on('subscribe', (req, ack) => {
      void socket.join(campaignRoom(req.campaignId));
      ack({ ok: true, cursor: String(cursor), replayed: 0, presence: [] });
    });
    streamHandlers?.(socket);
  });
  http.listen(port, '127.0.0.1');
}

/** Stream mode: what a socket of this server may send about streams, and what its peer relays. */
function relayStreams(io: Server<C2S & PeerEvents, S2C>, nextCursor: () => string, peerPort?: number) {
  const emit = (r: Relayed) =>
    r.name === 'chat:delta'
      ? io.to(campaignRoom(r.event.campaign)).emit(r.name, r.event)
      : io.to(campaignRoom(r.event.campaign)).emit(r.name, r.event);
  // the peer may still be starting: emits wait in the client's buffer until it connects
  const peer = peerPort ? connect(`http://127.0.0.1:${peerPort}`, { transports: ['websocket'] }) : undefined;
  const publish = (r: Relayed) => (emit(r), peer?.emit('relay', r));
  /** The open streams of this server's producers: the chat so far, and its last seq. */
  const open = new Map<string, { chat: ChatRep; seq: number }>();
  const notFound = { ok: false as const, error: { code: 'not_found', message: 'No such stream here.' } };

  return (socket: Socket<C2S & PeerEvents, S2C>): void => {
    socket.on('relay', emit);
    socket.on('chat:create', ({ campaign, author, message = '', status = 'complete' }, ack) => {
      const chat = { id: randomUUID(), campaign, author, message, status, created_at: new Date().toISOString() };
      const data = { ...chat, datas: [] } as ChatRep;
      if (status === 'streaming') open.set(data.id, { chat: { ...data }, seq: 0 });
      publish({ name: 'chat:created', event: { cursor: nextCursor(), campaign, data } });
      ack({ ok: true, data });
    });
    socket.on('chat:append', ({ id, seq, text }, ack) => {
      const stream = open.get(id);
      if (!stream) return ack(notFound);
      if (seq !== stream.seq + 1) {
        return ack({ ok: false, error: { code: 'out_of_order', message: `Expected seq ${stream.seq + 1}.` } });
      }
      const { chat } = stream;
      const offset = chat.message.length;
      [chat.message, stream.seq] = [chat.message + text, seq];
      publish({ name: 'chat:delta', event: { cursor: nextCursor(), campaign: chat.campaign, id, offset, text } });
      ack({ ok: true, seq, length: chat.message.length });
    });
    socket.on('chat:finish', ({ id, status = 'complete' }, ack) => {
      const stream = open.get(id);
      if (!stream) return ack(notFound);
      open.delete(id);
      const data = { ...stream.chat, status };
      publish({ name: 'chat:updated', event: { cursor: nextCursor(), campaign: data.campaign, data } });
      ack({ ok: true, data });
    });
  };
}
