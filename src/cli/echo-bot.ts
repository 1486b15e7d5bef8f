/**
 * An example bot on webhooks: it registers an endpoint for `chat:created`, verifies each
 * delivery's signature, and answers every human chat in the same campaign as `ai`, through
 * the REST API, or with `--stream` as a streamed chat written word by word (about 20 pieces
 * a second, through the client library's `room.streamText`), which stops when cancelled:
 *   npm run bot:echo -- --url http://localhost:3000 --token <admin token> [--port 4000]
 *     [--public-url http://bot.internal:4000/] [--campaign <id>] [--stream]
 * The endpoint is removed again when the bot stops (SIGINT/SIGTERM). A command-line entry
 * point of its own, so it reads process like main.ts does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ChatClient } from '../client';
import { verifyWebhook } from '../webhooks/signature';

export interface EchoBotOptions {
  /** The chat server's base URL. */
  apiUrl: string;
  /** A bearer token with the admin scope over every campaign (registers the endpoint, writes answers). */
  token?: string;
  port?: number;
  host?: string;
  /** Where the server reaches the bot; defaults to http://<host>:<port>/. */
  publicUrl?: string;
  campaign?: string;
  /** Answer as a streamed chat, word by word, every `pieceMs` (default 50). */
  stream?: boolean;
  pieceMs?: number;
  log?: (line: string) => void;
}

/** The words of a text, each with the spaces before it: joined back, they are the text. */
export const wordsOf = (text: string): string[] => text.match(/\s*\S+/g) ?? [];

/** The pieces at a model's pace. */
async function* paced(pieces: string[], everyMs: number): AsyncGenerator<string> {
  for (const piece of pieces) {
    yield piece;
    await sleep(everyMs);
  }
}

interface Delivery {
  cursor: string;
  name: string;
  campaign: string;
  data: { author: string; message: string };
}

export interface EchoBot {
  /** The endpoint's id once registered. */
  readonly endpoint: string | undefined;
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createEchoBot(opts: EchoBotOptions): EchoBot {
  const log = opts.log ?? (() => undefined);
  const headers = { 'Content-Type': 'application/json', ...(opts.token && { Authorization: `Bearer ${opts.token}` }) };
  const api = (path: string, init: RequestInit = {}) => fetch(new URL(path, opts.apiUrl), { ...init, headers });
  let secret = '';
  let endpoint: string | undefined;
  // deliveries are at least once: a repeat (same cursor) must not be answered twice
  const answered = new Set<string>();
  // streamed answers go through the client library's rooms (one socket for them all)
  let client: ChatClient | undefined;

  async function answer(d: Delivery): Promise<void> {
    if (d.name !== 'chat:created' || d.data.author !== 'human' || answered.has(d.cursor)) return;
    answered.add(d.cursor);
    const reply = `echo: ${d.data.message}`;
    if (opts.stream) {
      client ??= new ChatClient({ url: opts.apiUrl, token: opts.token, name: 'echo-bot' });
      const room = client.room(d.campaign);
      const chat = await room.streamText(paced(wordsOf(reply), opts.pieceMs ?? 50), { author: 'ai' });
      log(`answered ${d.cursor}: ${chat.status}`);
      return;
    }
    const body = JSON.stringify({ campaign: d.campaign, author: 'ai', message: reply });
    const res = await api('/api/chats/', { method: 'POST', body });
    log(`answered ${d.cursor}: ${res.status}`);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      // verify the raw bytes, before parsing: a re-serialised body would not match
      if (!verifyWebhook(secret, raw, req.headers['webhook-signature'] as string | undefined)) {
        res.writeHead(401).end('bad signature');
        return;
      }
      res.writeHead(204).end(); // answer at once; the reply is written afterwards
      answer(JSON.parse(raw) as Delivery).catch((err: Error) => log(`answer failed: ${err.message}`));
    });
  });

  const address = () => server.address() as AddressInfo;
  const ownUrl = () => opts.publicUrl ?? `http://${opts.host ?? '127.0.0.1'}:${address().port}/`;

  return {
    get endpoint() {
      return endpoint;
    },
    get url() {
      return ownUrl();
    },
    async start() {
      await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
      const res = await api('/api/webhooks/', {
        method: 'POST',
        body: JSON.stringify({ url: ownUrl(), events: ['chat:created'], campaign: opts.campaign ?? null }),
      });
      const created = (await res.json()) as { id: string; secret: string };
      if (res.status !== 201)
        throw new Error(`registering the webhook failed: ${res.status} ${JSON.stringify(created)}`);
      ({ id: endpoint, secret } = created);
      log(`listening on ${ownUrl()}, endpoint ${endpoint}`);
    },
    async stop() {
      client?.close();
      if (endpoint) await api(`/api/webhooks/${endpoint}/`, { method: 'DELETE' }).catch(() => undefined);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://localhost:3000' },
      token: { type: 'string' },
      port: { type: 'string', default: '4000' },
      host: { type: 'string', default: '127.0.0.1' },
      'public-url': { type: 'string' },
      campaign: { type: 'string' },
      stream: { type: 'boolean', default: false },
    },
  });
  const bot = createEchoBot({
    apiUrl: values.url,
    token: values.token ?? process.env.TOKEN,
    port: Number(values.port),
    host: values.host,
    publicUrl: values['public-url'],
    campaign: values.campaign,
    stream: values.stream,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  await bot.start();
  const stop = () => void bot.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  cli().catch((err: Error) => {
    process.stderr.write(`echo bot: ${err.message}\n`);
    process.exit(1);
  });
}
