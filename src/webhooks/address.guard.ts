import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** IPv4 ranges no webhook may reach: [first address, prefix length]. */
const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

/** IPv6 ranges no webhook may reach, IPv4 aside. */
const BLOCKED_V6: [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

/**
 * IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
 * addresses carry an IPv4 address in their last 32 bits: each blocked IPv4 range is
 * blocked inside each of them too.
 */
const V4_CARRIERS = ['::ffff:', '::', '64:ff9b::'];

const BLOCKED = new BlockList();
for (const [base, bits] of BLOCKED_V4) {
  BLOCKED.addSubnet(base, bits, 'ipv4');
  for (const prefix of V4_CARRIERS) BLOCKED.addSubnet(prefix + base, 96 + bits, 'ipv6');
}
for (const [base, bits] of BLOCKED_V6) BLOCKED.addSubnet(base, bits, 'ipv6');

/** True for loopback, private, link-local, unique-local, unspecified and other non-public addresses. */
export function isPrivateAddress(ip: string): boolean {
  const address = ip.replace(/%.*$/, ''); // the zone of a scoped IPv6 address
  const family = isIP(address);
  if (!family) return true; // not an address at all: never trusted
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class RefusedAddressError extends Error {
  readonly code = 'EWEBHOOKPRIVATE';
}

const refused = (host: string, address: string) =>
  new RefusedAddressError(`${host} resolves to ${address}, a private address`);

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * dns.lookup for outgoing deliveries that refuses private answers: the check and the connect
 * use the same answer, so a name cannot resolve to a public address when checked and to a
 * private one when connected (DNS rebinding).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const bad = addresses.find((a) => isPrivateAddress(a.address));
      if (bad && !allowPrivate) return callback(refused(hostname, bad.address), []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** Why a receiver URL is refused, or undefined when it is fine. Resolves names. */
export async function refusalOf(url: string, allowPrivate: boolean): Promise<string | undefined> {
  if (allowPrivate) return undefined;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isPrivateAddress(host) ? 'This address is private; webhooks may not reach it.' : undefined;
  const addresses = await new Promise<LookupAddress[]>((resolve) =>
    dnsLookup(host, { all: true }, (err, found) => resolve(err ? [] : found)),
  );
  if (!addresses.length) return 'This host name does not resolve.';
  if (addresses.some((a) => isPrivateAddress(a.address))) {
    return 'This host name resolves to a private address; webhooks may not reach it.';
  }
  return undefined;
}
