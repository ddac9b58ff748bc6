// Which URLs the service may call (webhook endpoints, dataset URLs of triggers): http(s) only, no credentials,
// and -- unless configuration allows it -- no host that names this machine or a private network: loopback,
// private (RFC 1918, unique local), link-local, CGNAT, unspecified, multicast and reserved ranges, as IPv4 or IPv6
// literals (IPv4-mapped and -translated, NAT64, 6to4 and Teredo forms included), and localhost names. WHATWG URL
// parsing has already turned 2130706433, 0x7f.1 and 0177.0.0.1 into 127.0.0.1. Host names that resolve to private
// addresses (127.0.0.1.nip.io) are checked where they are called, by resolving them (./resolve.ts).
import { RequestError } from '../../core/errors.ts';
import { howToSet } from '../../core/settings.ts';

/** [first address, prefix length] of each refused IPv4 range. */
const IPV4_BLOCKED: [number[], number][] = [
  [[0, 0, 0, 0], 8], // "this" network, unspecified
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local (cloud metadata services live here)
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation
  [[192, 88, 99, 0], 24], // 6to4 relay anycast
  [[192, 168, 0, 0], 16], // private
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation
  [[203, 0, 113, 0], 24], // documentation
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved, broadcast
];

function ipv4ToInt(parts: number[]): number {
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function parseIpv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

export function isBlockedIpv4(parts: number[]): boolean {
  const addr = ipv4ToInt(parts);
  return IPV4_BLOCKED.some(([base, bits]) => {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (addr & mask) >>> 0 === (ipv4ToInt(base) & mask) >>> 0;
  });
}

/** The eight 16-bit groups of an IPv6 literal (without brackets), or null. */
function parseIpv6(host: string): number[] | null {
  let text = host.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A trailing dotted IPv4 part (::ffff:1.2.3.4) becomes two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[2]);
    if (!v4) return null;
    text = `${dotted[1]}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return null;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}

export function isBlockedIpv6(g: number[]): boolean {
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return true; // ::
  if (zeros(7) && g[7] === 1) return true; // ::1
  if (zeros(5) && g[5] === 0xffff) return isBlockedIpv4(v4(g[6], g[7])); // ::ffff:a.b.c.d (IPv4-mapped)
  // ::ffff:0:a.b.c.d (::ffff:0:0/96, SIIT's IPv4-translated form): [::ffff:0:7f00:1] is 127.0.0.1 to a translator.
  if (zeros(4) && g[4] === 0xffff && g[5] === 0) return isBlockedIpv4(v4(g[6], g[7]));
  if (zeros(6)) return true; // ::a.b.c.d (deprecated IPv4-compatible)
  if (zeros(4)) return true; // the rest of ::/64 (reserved; no global address lives there)
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0)
    return isBlockedIpv4(v4(g[6], g[7])); // 64:ff9b::/96 NAT64 (well-known prefix): the embedded IPv4 decides
  if (g[0] === 0x64 && g[1] === 0xff9b) return true; // 64:ff9b:1::/48 local-use NAT64, and the rest of 64:ff9b::/32
  if (g[0] === 0x2002) return isBlockedIpv4(v4(g[1], g[2])); // 6to4
  // 2001::/23 IETF protocol assignments: Teredo (2001::/32, tunnels to an obfuscated IPv4 that may be private),
  // benchmarking (2001:2::/48), ORCHID (2001:10::/28, 2001:20::/28): nothing a webhook receiver lives on.
  if (g[0] === 0x2001 && g[1] < 0x200) return true;
  if (g[0] === 0x3fff && g[1] < 0x1000) return true; // 3fff::/20 documentation
  if (g[0] === 0x5f00) return true; // 5f00::/16 SRv6 SIDs
  if ((g[0] & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((g[0] & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((g[0] & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((g[0] & 0xff00) === 0xff00) return true; // multicast
  if (g[0] === 0x2001 && g[1] === 0xdb8) return true; // documentation
  if (g[0] === 0x100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return true; // 100::/64 discard
  return false;
}

/** Host names that always mean this machine or a local network. */
function isLocalName(host: string): boolean {
  const h = host.replace(/\.$/, '');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h.endsWith('.local') ||
    h.endsWith('.internal') ||
    h === 'metadata.google.internal'
  );
}

/** Whether `host` (a URL's hostname) is an address rather than a name. */
export function isIpLiteral(host: string): boolean {
  return (host.startsWith('[') && host.endsWith(']')) || parseIpv4(host) !== null;
}

/** Why an address (as a resolver gives it: dotted IPv4 or IPv6 text, no brackets) is refused, or null. */
export function privateAddressReason(address: string): string | null {
  const v4 = parseIpv4(address);
  if (v4) return isBlockedIpv4(v4) ? 'it is a loopback, private, link-local or reserved IPv4 address' : null;
  const groups = parseIpv6(address);
  if (!groups) return 'it is not a valid IP address';
  return isBlockedIpv6(groups) ? 'it is a loopback, private, link-local or reserved IPv6 address' : null;
}

/** Why `host` (a URL's hostname) is refused, or null when it may be called. */
export function privateHostReason(host: string): string | null {
  const h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) {
    const reason = privateAddressReason(h.slice(1, -1));
    return reason === 'it is not a valid IP address' ? 'it is not a valid IPv6 address' : reason;
  }
  if (parseIpv4(h)) return privateAddressReason(h);
  if (isLocalName(h)) return 'it names this machine or a local network';
  return null;
}

export interface TargetPolicy {
  allowPrivate: boolean;
}

/**
 * The URL, parsed and checked, for a webhook endpoint or a dataset download; throws RequestError
 * (invalid_request, naming `param`) otherwise.
 */
export function checkTargetUrl(raw: string, policy: TargetPolicy, param: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RequestError('invalid_request', `${param}: '${raw.slice(0, 200)}' is not a URL`, param);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RequestError(
      'invalid_request',
      `${param}: only http and https URLs are allowed, got ${url.protocol}`,
      param,
    );
  }
  if (url.username || url.password)
    throw new RequestError('invalid_request', `${param}: URLs with credentials are not allowed`, param);
  if (!policy.allowPrivate) {
    const reason = privateHostReason(url.hostname);
    if (reason) {
      throw new RequestError(
        'invalid_request',
        `${param}: the host ${url.hostname} is refused because ${reason} (to allow it in development, ${howToSet('EDGECLASS_WEBHOOK_ALLOW_PRIVATE', '1')})`,
        param,
      );
    }
  }
  return url;
}
