import { send } from '../../src/webhooks/sender';
import { startReceiver, type Receiver } from '../support/receiver';

describe('a delivery attempt', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver((hit) => (hit.body.cursor === 'redirect' ? 302 : 200));
  });
  afterAll(() => receiver.close());

  const body = (cursor: string) => JSON.stringify({ cursor });
  const port = () => new URL(receiver.url).port;

  it('checks the name’s address when it connects: localhost is refused unless private receivers are allowed', async () => {
    const url = `http://localhost:${port()}/hook`;
    const refused = await send(url, body('a'), { timeoutMs: 2_000, allowPrivate: false, headers: {} });
    expect(refused.statusCode).toBeUndefined();
    expect(refused.error).toMatch(/^refused: localhost resolves to/);
    const literal = await send(receiver.url, body('b'), { timeoutMs: 2_000, allowPrivate: false, headers: {} });
    expect(literal.error).toMatch(/^refused: 127\.0\.0\.1 is a private address/);
    expect(receiver.hits).toHaveLength(0);

    const allowed = await send(url, body('c'), { timeoutMs: 2_000, allowPrivate: true, headers: {} });
    expect(allowed).toMatchObject({ statusCode: 200, excerpt: 'ok' });
    expect(receiver.hits.map((h) => h.body.cursor)).toEqual(['c']);
  });

  it('follows no redirect: a 302 is the answer', async () => {
    const res = await send(receiver.url, body('redirect'), { timeoutMs: 2_000, allowPrivate: true, headers: {} });
    expect(res.statusCode).toBe(302);
  });
});
