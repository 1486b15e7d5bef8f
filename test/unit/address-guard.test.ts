import { isPrivateAddress } from '../../src/webhooks/address.guard';

describe('private address ranges', () => {
  it.each([
    ['10.0.0.0', '10.255.255.255'],
    ['100.64.0.0', '100.127.255.255'],
    ['127.0.0.0', '127.255.255.255'],
    ['169.254.0.0', '169.254.255.255'],
    ['172.16.0.0', '172.31.255.255'],
    ['192.0.0.0', '192.0.0.255'],
    ['192.168.0.0', '192.168.255.255'],
    ['198.18.0.0', '198.19.255.255'],
    ['224.0.0.0', '255.255.255.255'],
    ['0.0.0.0', '0.255.255.255'],
  ])('refuses %s to %s, both ends included', (first, last) => {
    expect(isPrivateAddress(first)).toBe(true);
    expect(isPrivateAddress(last)).toBe(true);
  });

  it.each(['9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.0.1.0'])(
    'lets %s through, just outside a range',
    (ip) => expect(isPrivateAddress(ip)).toBe(false),
  );

  it.each(['::', '::1', 'fc00::1', 'fdff:ffff::1', 'fe80::1', 'febf::1', 'fec0::1', 'ff02::1', 'FE80::1'])(
    'refuses the IPv6 address %s',
    (ip) => expect(isPrivateAddress(ip)).toBe(true),
  );

  it.each(['2606:4700:4700::1111', '2001:db8::1', 'fbff::1', 'fe7f::1', '64:ff9b:1::a00:1'])(
    'lets the IPv6 address %s through',
    (ip) => expect(isPrivateAddress(ip)).toBe(false),
  );

  it.each([
    '::ffff:10.0.0.1',
    '::ffff:a00:1',
    '0:0:0:0:0:ffff:7f00:1',
    '::10.0.0.1',
    '::a00:1',
    '64:ff9b::10.0.0.1',
    '64:ff9b::a00:1',
  ])('refuses the private IPv4 address inside %s', (ip) => expect(isPrivateAddress(ip)).toBe(true));

  it.each(['::ffff:8.8.8.8', '::ffff:808:808', '::8.8.8.8', '64:ff9b::8.8.8.8', '64:ff9b::808:808'])(
    'lets the public IPv4 address inside %s through',
    (ip) => expect(isPrivateAddress(ip)).toBe(false),
  );

  it('judges a scoped IPv6 address by its address, not its zone', () => {
    expect(isPrivateAddress('fe80::1%eth0')).toBe(true);
    expect(isPrivateAddress('2606:4700:4700::1111%eth0')).toBe(false);
  });

  it.each(['', 'localhost', 'not an address', '10.0.0', '1::2::3'])(
    'never trusts %j, which is not an address',
    (text) => expect(isPrivateAddress(text)).toBe(true),
  );
});
