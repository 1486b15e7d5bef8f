import type { AppendAck, ChatRep } from '../../src/protocol';
import { request, type ClientSocket, type TestSocket } from '../support/sockets';

/** Opens a stream over a socket; throws when refused. */
export async function openStream(socket: ClientSocket, campaign: string, message = ''): Promise<ChatRep> {
  const ack = await request<{ data: ChatRep }>(socket, 'chat:create', {
    campaign,
    author: 'ai',
    message,
    status: 'streaming',
  });
  if (!ack.ok) throw new Error(`chat:create failed: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

export const appendOver = (socket: ClientSocket, id: string, seq: number, text: string) =>
  request<AppendAck>(socket, 'chat:append', { id, seq, text });

/** Sends the pieces without waiting between them (pipelined, as a producer does); resolves with every ack. */
export const appendAll = (socket: ClientSocket, id: string, pieces: string[], firstSeq = 1) =>
  Promise.all(pieces.map((text, i) => appendOver(socket, id, firstSeq + i, text)));

export async function finishOver(socket: ClientSocket, id: string, status?: string): Promise<ChatRep> {
  const ack = await request<{ data: ChatRep }>(socket, 'chat:finish', { id, status });
  if (!ack.ok) throw new Error(`chat:finish failed: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/** `n` pieces of varied text: spaces, newlines and characters outside the BMP included. */
export const pieces = (n: number, tag = 'p') =>
  Array.from({ length: n }, (_, i) => (i % 7 === 3 ? ` ${tag}${i} 🎉\n` : i % 5 === 0 ? `  ` : `${tag}${i} `));

/** What a subscriber must end with, and must never have seen happen. */
export function expectExact(client: TestSocket, chat: string, text: string, status = 'complete'): void {
  const { texts, statuses, duplicates, gaps, overlaps } = client.streams;
  expect({ text: texts.get(chat), status: statuses.get(chat), duplicates, gaps, overlaps }).toEqual({
    text,
    status,
    duplicates: 0,
    gaps: 0,
    overlaps: 0,
  });
}
