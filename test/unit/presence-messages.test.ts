import { decodeMessage, encodeOps, MAX_PAYLOAD_BYTES, type PresenceOp } from '../../src/presence/presence.messages';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** `n` joins with members of `nameLength` characters (`char` repeated). */
const joins = (n: number, nameLength = 20, char = 'm'): PresenceOp[] =>
  Array.from({ length: n }, (_, i) => ['+', `socket-${i}`, 'campaign-1', `${char.repeat(nameLength)}${i}`]);

/** Every op of the payloads, in order, as the receiving instances decode them. */
const decodedOps = (payloads: string[]) =>
  payloads.flatMap((p) => {
    const m = decodeMessage(p);
    if (!m || !('ops' in m)) throw new Error(`not an ops message: ${p}`);
    return m.ops;
  });

describe('encodeOps', () => {
  it('a few operations travel in one payload that decodes to the same operations', () => {
    const ops: PresenceOp[] = [
      ['+', 's1', 'c1', 'alice'],
      ['t', 'c1', 'alice', 1],
      ['t', 'c1', 'alice', 0],
      ['-', 's1', 'c1', 'alice'],
    ];
    const payloads = encodeOps('instance-a', ops);
    expect(payloads).toHaveLength(1);
    expect(decodeMessage(payloads[0])).toEqual({ from: 'instance-a', ops });
  });

  it('no operations, no payload', () => {
    expect(encodeOps('instance-a', [])).toEqual([]);
  });

  it('a batch too big for one notification is split, in order, each payload under the limit', () => {
    const ops = joins(1_000);
    const payloads = encodeOps('instance-a', ops);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(bytes(p)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(decodedOps(payloads)).toEqual(ops);
    for (const p of payloads) expect(decodeMessage(p)).toMatchObject({ from: 'instance-a' });
  });

  it('in as few payloads as fit: each but the last would reach the limit with the next operation', () => {
    const ops = joins(1_000);
    const payloads = encodeOps('instance-a', ops);
    let next = 0;
    for (const p of payloads.slice(0, -1)) {
      next += decodedOps([p]).length;
      // the comma and the next operation
      expect(bytes(p) + 1 + bytes(JSON.stringify(ops[next]))).toBeGreaterThanOrEqual(MAX_PAYLOAD_BYTES);
    }
  });

  it('the limit is counted in bytes, not characters: multi-byte names split sooner', () => {
    const ascii = encodeOps('instance-a', joins(400, 30, 'e'));
    const accented = encodeOps('instance-a', joins(400, 30, 'é'));
    const emoji = encodeOps('instance-a', joins(400, 30, '🙂'));
    for (const p of [...accented, ...emoji]) expect(bytes(p)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(accented.length).toBeGreaterThan(ascii.length);
    expect(emoji.length).toBeGreaterThan(accented.length);
    expect(decodedOps(emoji)).toEqual(joins(400, 30, '🙂'));
  });

  it('an operation too big for any payload is dropped and reported; the others still go', () => {
    const huge: PresenceOp = ['+', 's-huge', 'c1', 'x'.repeat(MAX_PAYLOAD_BYTES)];
    const ops: PresenceOp[] = [['+', 's1', 'c1', 'alice'], huge, ['-', 's1', 'c1', 'alice']];
    const dropped: PresenceOp[] = [];
    const payloads = encodeOps('instance-a', ops, (op) => dropped.push(op));
    expect(dropped).toEqual([huge]);
    expect(decodedOps(payloads)).toEqual([ops[0], ops[2]]);
  });

  it('an operation that just fits alone goes alone', () => {
    const head = bytes(`{"from":"instance-a","ops":[`) + 2;
    const base = bytes(JSON.stringify(['+', 's1', 'c1', '']));
    const fits: PresenceOp = ['+', 's1', 'c1', 'y'.repeat(MAX_PAYLOAD_BYTES - head - base - 1)];
    const dropped: PresenceOp[] = [];
    const payloads = encodeOps('instance-a', [['+', 's0', 'c1', 'z'], fits], (op) => dropped.push(op));
    expect(dropped).toEqual([]);
    expect(payloads).toHaveLength(2);
    expect(bytes(payloads[1])).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(decodedOps(payloads)).toEqual([['+', 's0', 'c1', 'z'], fits]);
  });
});

describe('decodeMessage', () => {
  it("an instance's goodbye decodes to who is gone", () => {
    expect(decodeMessage(JSON.stringify({ gone: 'instance-b' }))).toEqual({ gone: 'instance-b' });
  });

  it.each([
    ['not JSON', 'hello'],
    ['JSON that is not an object', '42'],
    ['null', 'null'],
    ['an object of neither shape', '{"other":1}'],
    ['a goodbye naming no instance', '{"gone":7}'],
    ['ops that are not a list', '{"from":"a","ops":{}}'],
    ['ops without a sender', '{"ops":[]}'],
    ['an op of an unknown kind', '{"from":"a","ops":[["x","s","c","m"]]}'],
    ['an op of the wrong length', '{"from":"a","ops":[["+","s","c"]]}'],
    ['a join with a number for a member', '{"from":"a","ops":[["+","s","c",5]]}'],
    ['a typing that is neither 0 nor 1', '{"from":"a","ops":[["t","c","m",2]]}'],
    ['a typing given as true', '{"from":"a","ops":[["t","c","m",true]]}'],
    ['one bad op among good ones', '{"from":"a","ops":[["+","s","c","m"],["-","s","c"]]}'],
  ])("another program's NOTIFY is ignored: %s", (_what, payload) => {
    expect(decodeMessage(payload)).toBeUndefined();
  });
});
