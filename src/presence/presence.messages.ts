/**
 * What travels on the presence channel. Payloads are JSON and kept far below Postgres's
 * 8000-byte limit: a batch of operations is split over as many notifications as it needs.
 */

/** A connection entered (`+`) or left (`-`) a room; typing (`t`) started (1) or stopped (0). */
export type PresenceOp =
  | ['+' | '-', socketId: string, campaign: string, member: string]
  | ['t', campaign: string, member: string, typing: 0 | 1];

export type PresenceMessage = { from: string; ops: PresenceOp[] } | { gone: string };

/** Comfortably below Postgres's 8000 bytes, whatever the encoding adds. */
export const MAX_PAYLOAD_BYTES = 7_000;

const size = (s: string) => Buffer.byteLength(s, 'utf8');

/** Splits `ops` into as few payloads as fit; an operation too big on its own is dropped. */
export function encodeOps(from: string, ops: PresenceOp[], onDropped?: (op: PresenceOp) => void): string[] {
  const head = `{"from":${JSON.stringify(from)},"ops":[`;
  const payloads: string[] = [];
  let parts: string[] = [];
  let bytes = size(head) + 2;
  const flush = () => {
    if (parts.length) payloads.push(`${head}${parts.join(',')}]}`);
    parts = [];
    bytes = size(head) + 2;
  };
  for (const op of ops) {
    const text = JSON.stringify(op);
    const cost = size(text) + 1;
    if (size(head) + 2 + cost > MAX_PAYLOAD_BYTES) {
      onDropped?.(op);
      continue;
    }
    if (bytes + cost > MAX_PAYLOAD_BYTES) flush();
    parts.push(text);
    bytes += cost;
  }
  flush();
  return payloads;
}

const isString = (v: unknown): v is string => typeof v === 'string';

function isOp(v: unknown): v is PresenceOp {
  if (!Array.isArray(v) || v.length !== 4) return false;
  if (v[0] === '+' || v[0] === '-') return v.slice(1).every(isString);
  return v[0] === 't' && isString(v[1]) && isString(v[2]) && (v[3] === 0 || v[3] === 1);
}

/** Parses a notification; anything malformed (another program's NOTIFY) is undefined. */
export function decodeMessage(payload: string): PresenceMessage | undefined {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (isString(m.gone)) return { gone: m.gone };
  if (isString(m.from) && Array.isArray(m.ops) && m.ops.every(isOp)) return { from: m.from, ops: m.ops };
  return undefined;
}
