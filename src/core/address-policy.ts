// Which addresses webhook, flow, SMTP and data source targets (database hosts, HTTP APIs) may reach. Private, loopback, link-local, CGNAT, unique-local,
// multicast, reserved and cloud-metadata addresses are refused unless inside INSIGHTFLOW_ALLOWED_TARGETS. Addresses
// that carry an IPv4 address (IPv4-mapped, NAT64 64:ff9b::/96) are judged as that IPv4 address.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from './errors.ts';

export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'linkLocal'
  | 'cgnat'
  | 'uniqueLocal'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Networks (address, prefix length) that targets may reach although not public. */
export type AllowList = ReadonlyArray<[Address, number]>;

const nat64 = ipaddr.parseCIDR('64:ff9b::/96');

/** The IPv4 address an IPv6 address carries (IPv4-mapped or NAT64 well-known prefix), else the address itself. */
function unwrapAddress(a: Address): Address {
  if (a.kind() === 'ipv4') return a;
  const v6 = a as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  if (v6.match(nat64)) return ipaddr.fromByteArray(v6.toByteArray().slice(12));
  return v6;
}

const unwrap = (ip: string): Address => unwrapAddress(ipaddr.parse(ip));

/** Parses comma-separated CIDRs such as "127.0.0.0/8, ::1/128" (a bare address is a single host). */
export function parseAllowedTargets(items: string | readonly string[]): AllowList {
  const list = typeof items === 'string' ? items.split(',') : items;
  return list
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s): [Address, number] => {
      let net: [Address, number];
      try {
        net = s.includes('/') ? ipaddr.parseCIDR(s) : [ipaddr.parse(s), ipaddr.parse(s).kind() === 'ipv4' ? 32 : 128];
      } catch {
        throw new Error(`allowed targets: "${s}" is not a CIDR such as 10.0.0.0/8 or fd00::/8`);
      }
      const [addr, bits] = net;
      // ::ffff:10.0.0.0/104 means 10.0.0.0/8: addresses are compared unwrapped.
      const inner = unwrapAddress(addr);
      return inner !== addr && bits >= 96 ? [inner, bits - 96] : net;
    });
}

const metadata = new Set(['169.254.169.254', '100.100.100.200', '168.63.129.16', 'fd00:ec2:0:0:0:0:0:254']);

const classes: Record<string, AddressClass> = {
  unicast: 'public',
  private: 'private',
  loopback: 'loopback',
  linkLocal: 'linkLocal',
  carrierGradeNat: 'cgnat',
  uniqueLocal: 'uniqueLocal',
  unspecified: 'unspecified',
  multicast: 'multicast',
};

/** What kind of address an IP literal is; anything special that is not named is 'reserved'. */
export function classifyAddress(ip: string): AddressClass {
  const a = unwrap(ip);
  if (metadata.has(a.toNormalizedString())) return 'metadata';
  return classes[a.range()] ?? 'reserved';
}

/** True when the address is public or inside the allow-list. */
export function isAddressAllowed(ip: string, allow: AllowList): boolean {
  const a = unwrap(ip);
  if (allow.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits))) return true;
  return classifyAddress(ip) === 'public';
}

const refuse = (what: string): AppError =>
  new AppError('TargetRefused', `${what}; allow it with INSIGHTFLOW_ALLOWED_TARGETS if this is intended`);

/** Checks a target URL before it is stored: http(s) only, no credentials, and no literal refused address
 * ("localhost" names count as loopback). Other host names are checked again, on every connection, against the
 * addresses they resolve to. Returns the parsed URL. */
export function checkTargetUrl(url: string, allow: AllowList): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppError('ValidationFailed', `"${url.slice(0, 200)}" is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new AppError('TargetRefused', `the target must be an http(s) URL, not ${u.protocol.slice(0, 20)}`);
  }
  if (u.username || u.password) throw new AppError('TargetRefused', 'the target URL must not carry credentials');
  // The WHATWG parser already turned 2130706433, 0x7f.1 and 127.1 into 127.0.0.1.
  checkTargetHost(u.hostname, allow);
  return u;
}

/** Checks a host name or literal address (brackets allowed) without resolving it: literal refused addresses and
 * "localhost" names are refused. */
export function checkTargetHost(hostname: string, allow: AllowList): void {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (isIP(host)) {
    if (!isAddressAllowed(host, allow)) throw refuse(`the target address ${host} is ${classifyAddress(host)}`);
  } else if (/(^|\.)localhost$/i.test(host) && !isAddressAllowed('127.0.0.1', allow)) {
    throw refuse(`the target host ${host} is loopback`);
  }
}

/** Resolves a host and returns its first address when every address it resolves to is allowed; throws AppError
 * TargetRefused otherwise, or ValidationFailed when the name does not resolve. Connect to the returned address, so
 * that a second resolution cannot slip a private address in. */
export async function resolveTarget(hostname: string, allow: AllowList): Promise<string> {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const addresses = isIP(host)
    ? [{ address: host }]
    : await lookup(host, { all: true }).catch((err: Error & { code?: string }) => {
        throw new AppError('ValidationFailed', `cannot resolve ${host.slice(0, 200)}: ${err.code ?? err.message}`);
      });
  const refused = addresses.find((a) => !isAddressAllowed(a.address, allow));
  if (refused) throw refuse(`${host} resolves to ${refused.address} (${classifyAddress(refused.address)})`);
  return (addresses[0] as { address: string }).address;
}
