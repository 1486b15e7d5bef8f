import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress, RefusedAddressError } from './address.guard';

/** How much of an answer is read at all; the rest is dropped with the connection. */
export const RESPONSE_CAP_BYTES = 16 * 1024;
/** How much of it the delivery log keeps. */
export const EXCERPT_CHARS = 200;

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  headers: Record<string, string>;
  /** Aborts the attempt (the instance is shutting down). */
  signal?: AbortSignal;
}

export interface SendResult {
  /** Undefined when no answer came (refused, timeout, reset). */
  statusCode?: number;
  durationMs: number;
  error?: string;
  /** The first characters of the answer's body. */
  excerpt?: string;
}

/** Reads up to the cap; a bigger body is cut off, never buffered whole. */
function readCapped(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_CAP_BYTES) {
        res.destroy();
        done();
      }
    });
    res.on('end', done);
    res.on('error', done);
    res.on('close', done);
  });
}

// control characters (but newlines and tabs) stay out of the log
const excerptOf = (text: string) =>
  text.slice(0, EXCERPT_CHARS).replace(/\p{Cc}/gu, (c) => (c === '\n' || c === '\t' ? c : ''));

/**
 * POSTs `body` once. A redirect is an answer like any other (not followed); the whole
 * exchange, connect to last byte read, has one deadline. The address is checked when the
 * name is resolved, for every attempt.
 */
export function send(url: string, body: string, opts: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!opts.allowPrivate && isIP(host) && isPrivateAddress(host)) {
    return Promise.resolve({ durationMs: 0, error: `refused: ${host} is a private address` });
  }
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve({ ...result, durationMs: elapsed() });
    };
    const req = request(
      target,
      {
        method: 'POST',
        headers: { ...opts.headers, 'Content-Length': Buffer.byteLength(body).toString() },
        lookup: guardedLookup(opts.allowPrivate),
        agent: false, // one connection per attempt: no pooled socket outlives the deadline
      },
      (res) => {
        void readCapped(res).then((text) => finish({ statusCode: res.statusCode, excerpt: excerptOf(text) }));
      },
    );
    const timer = setTimeout(() => finish({ error: `timeout after ${opts.timeoutMs} ms` }), opts.timeoutMs);
    const onAbort = () => finish({ error: 'aborted: the instance is shutting down' });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ error: err instanceof RefusedAddressError ? `refused: ${err.message}` : (err.code ?? err.message) }),
    );
    req.end(body);
  });
}
