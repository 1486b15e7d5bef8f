import { loadConfig } from '../../src/config';
import { backoffMs } from '../../src/lib/backoff';
import { isPrivateAddress } from '../../src/webhooks/address.guard';
import { newSecret, signWebhook, verifyWebhook } from '../../src/webhooks/signature';

describe('webhook signatures', () => {
  const secret = newSecret();
  const body = JSON.stringify({ id: 'd1', cursor: '42', name: 'chat:created', data: { message: 'hi' } });
  const now = 1_800_000_000;

  it('verifies a body signed with the secret', () => {
    const header = signWebhook(secret, body, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(secret, body, header, 300, now)).toBe(true);
  });

  it('fails a tampered body, another secret, a forged or missing header', () => {
    const header = signWebhook(secret, body, now);
    expect(verifyWebhook(secret, body.replace('hi', 'ho'), header, 300, now)).toBe(false);
    expect(verifyWebhook(newSecret(), body, header, 300, now)).toBe(false);
    // change the signature's first character, whatever it is
    const forged = header.replace(/v1=(.)/, (_, c: string) => `v1=${c === '0' ? '1' : '0'}`);
    expect(verifyWebhook(secret, body, forged, 300, now)).toBe(false);
    expect(verifyWebhook(secret, body, header.replace(/t=\d+/, `t=${now + 1}`), 300, now)).toBe(false);
    expect(verifyWebhook(secret, body, undefined, 300, now)).toBe(false);
    expect(verifyWebhook(secret, body, 'garbage', 300, now)).toBe(false);
  });

  it('refuses a signature older than the replay window', () => {
    const header = signWebhook(secret, body, now - 301);
    expect(verifyWebhook(secret, body, header, 300, now)).toBe(false);
    expect(verifyWebhook(secret, body, signWebhook(secret, body, now - 299), 300, now)).toBe(true);
  });

  it('accepts any of several v1 values (two secrets during a rotation)', () => {
    const other = newSecret();
    const header = `${signWebhook(other, body, now)},v1=${signWebhook(secret, body, now).split('v1=')[1]}`;
    expect(verifyWebhook(secret, body, header, 300, now)).toBe(true);
  });
});

describe('private addresses', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    'ff02::1',
  ])('%s is private', (ip) => expect(isPrivateAddress(ip)).toBe(true));

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (ip) =>
    expect(isPrivateAddress(ip)).toBe(false),
  );
});

describe('retry backoff', () => {
  it('doubles from the base up to the cap, with jitter between half and all of it', () => {
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffMs(4, 1000, 60_000, () => 0)).toBe(4000);
    expect(backoffMs(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

describe('webhook settings', () => {
  it('default to public receivers only, a 10 s timeout and 24 h of retries', () => {
    expect(loadConfig({}).webhooks).toMatchObject({ allowPrivate: false, timeoutMs: 10_000, retryHours: 24 });
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true' }).webhooks.allowPrivate).toBe(true);
  });
});
