import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

// SSRF policy (ADR 0008). A tenant admin chooses the URL; the server makes the request. So the host is resolved
// here, every address it resolves to must be public (unless private networks are allowed), and the connection is
// made to the address that was checked (pinned), so a second DNS answer cannot point it elsewhere.

export interface UrlPolicy {
  allowPrivateNetworks: boolean;
  allowHttp: boolean;
}

export class WebhookUrlError extends Error {
  override readonly name = 'WebhookUrlError';
}

export interface ResolvedTarget {
  url: URL;
  /** The checked address the connection must use. */
  address: string;
  family: 4 | 6;
}

/** Never reachable, whatever the configuration: unspecified, multicast, broadcast, cloud metadata services. */
const ALWAYS_BLOCKED = new BlockList();
ALWAYS_BLOCKED.addSubnet('0.0.0.0', 8, 'ipv4');
ALWAYS_BLOCKED.addSubnet('224.0.0.0', 4, 'ipv4');
ALWAYS_BLOCKED.addSubnet('240.0.0.0', 4, 'ipv4');
ALWAYS_BLOCKED.addAddress('169.254.169.254', 'ipv4');
ALWAYS_BLOCKED.addAddress('169.254.170.2', 'ipv4'); // ECS task metadata
ALWAYS_BLOCKED.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
ALWAYS_BLOCKED.addAddress('::', 'ipv6');
ALWAYS_BLOCKED.addSubnet('ff00::', 8, 'ipv6');
ALWAYS_BLOCKED.addAddress('fd00:ec2::254', 'ipv6'); // AWS IPv6 metadata

/** Loopback, private, shared, link-local, documentation and other special-purpose ranges (RFC 6890). */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4 embeds an IPv4 address
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** Why `address` may not be called, or null when it may. */
export function addressRefusal(
  address: string,
  policy: Pick<UrlPolicy, 'allowPrivateNetworks'>,
): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (ALWAYS_BLOCKED.check(address, type)) return 'a reserved or metadata address';
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is never needed for a public endpoint and hides an IPv4 address. (Not a
  // BlockList rule: BlockList matches IPv4 addresses against ::ffff:0:0/96.)
  const mapped = family === 6 && /^(::ffff:|(0{1,4}:){5}ffff:)/i.test(address);
  if (!policy.allowPrivateNetworks && (mapped || PRIVATE.check(address, type))) {
    return 'a loopback, private or link-local address';
  }
  return null;
}

/** Syntax and scheme checks (no DNS): absolute http(s) URL, no credentials, no fragment. */
export function parseWebhookUrl(raw: string, policy: Pick<UrlPolicy, 'allowHttp'>): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WebhookUrlError('url must use https');
  }
  if (url.protocol === 'http:' && !policy.allowHttp) {
    throw new WebhookUrlError('url must use https (plain http is not allowed on this server)');
  }
  if (url.username || url.password) throw new WebhookUrlError('url must not contain credentials');
  if (url.hash) throw new WebhookUrlError('url must not contain a fragment');
  if (!url.hostname) throw new WebhookUrlError('url must name a host');
  return url;
}

/** Resolves the URL's host and checks every address; returns the one to connect to. */
export async function resolveWebhookTarget(
  raw: string,
  policy: UrlPolicy,
  resolve: (host: string) => Promise<{ address: string; family: number }[]> = defaultResolve,
): Promise<ResolvedTarget> {
  const url = parseWebhookUrl(raw, policy);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new WebhookUrlError(`could not resolve ${host}`);
    }
    if (addresses.length === 0) throw new WebhookUrlError(`could not resolve ${host}`);
  }
  // Every address must pass: a name that resolves to one public and one internal address is refused.
  for (const a of addresses) {
    const refusal = addressRefusal(a.address, policy);
    if (refusal) throw new WebhookUrlError(`url resolves to ${refusal}, which is not allowed`);
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

function defaultResolve(host: string): Promise<{ address: string; family: number }[]> {
  return lookup(host, { all: true, verbatim: true });
}
