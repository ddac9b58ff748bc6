// Host names that resolve to private addresses (127.0.0.1.nip.io, localtest.me, a name the caller controls and
// points anywhere) pass the literal checks of ./targets.ts. Where the service can resolve names -- a self-hosted
// workerd, wrangler dev, with EDGECLASS_DNS_RESOLVER_URL naming a DNS-over-HTTPS resolver -- every address a name has
// is checked right before each call (webhook delivery, each hop of a dataset download). A deployed Worker has no
// resolver to ask and needs none for this: Cloudflare's network does not route Workers' fetches to private ranges.
// What remains open: the fetch resolves the name again, so a name that changes its answer between the check and the
// fetch (DNS rebinding with a zero TTL) can still slip through; a self-hosted edge should also filter its egress.
import type { JobsContext } from '../context.ts';
import { isIpLiteral, privateAddressReason, privateHostReason } from './targets.ts';

/** The addresses (dotted IPv4, IPv6 text) a name has now. Throws when it cannot tell. */
export interface HostResolver {
  lookup(name: string): Promise<string[]>;
}

const RESOLVE_TIMEOUT_MS = 5_000;
const DNS_TYPES = { A: 1, AAAA: 28 } as const;
const NOERROR = 0;
const NXDOMAIN = 3;

interface DnsJsonAnswer {
  Status?: number;
  Answer?: { type: number; data: string }[];
}

/** One question in DNS-over-HTTPS's JSON form (application/dns-json: Cloudflare's and Google's resolvers answer it). */
async function dnsJsonQuery(endpoint: string, name: string, type: keyof typeof DNS_TYPES): Promise<string[]> {
  const url = new URL(endpoint);
  url.searchParams.set('name', name);
  url.searchParams.set('type', type);
  const res = await fetch(url, {
    headers: { accept: 'application/dns-json' },
    signal: AbortSignal.timeout(RESOLVE_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`the DNS resolver answered HTTP ${res.status}`);
  const body = (await res.json()) as DnsJsonAnswer;
  if (body.Status === NXDOMAIN) return [];
  if (body.Status !== NOERROR) throw new Error(`the DNS resolver answered status ${body.Status} for ${name} ${type}`);
  // CNAME records lead the chain; the addresses it ends in are what a fetch would connect to.
  return (body.Answer ?? []).filter((a) => a.type === DNS_TYPES[type]).map((a) => a.data);
}

export function dnsJsonResolver(endpoint: string): HostResolver {
  return {
    async lookup(name) {
      const [v4, v6] = await Promise.all([dnsJsonQuery(endpoint, name, 'A'), dnsJsonQuery(endpoint, name, 'AAAA')]);
      return [...v4, ...v6];
    },
  };
}

/**
 * Why `hostname` may not be called once resolved: the literal checks, then every address of the name. Null when
 * the call may go ahead (every address is public, or the name cannot be resolved here). Throws when resolving
 * fails (no answer, no address): a delivery retries it later, a dataset download is refused.
 */
export async function resolvedHostReason(resolver: HostResolver | null, hostname: string): Promise<string | null> {
  const literal = privateHostReason(hostname);
  if (literal || !resolver || isIpLiteral(hostname)) return literal;
  const name = hostname.replace(/\.$/, '');
  const addresses = await resolver.lookup(name);
  if (!addresses.length) throw new Error(`${name} has no A or AAAA record`);
  for (const address of addresses) {
    const reason = privateAddressReason(address);
    if (reason) return `it resolves to ${address} (${reason.replace(/^it is /, '')})`;
  }
  return null;
}

/** The resolver of this service (EDGECLASS_DNS_RESOLVER_URL), or null where names are not resolved. */
export function serviceResolver(ctx: JobsContext): HostResolver | null {
  return ctx.config.dnsResolverUrl ? dnsJsonResolver(ctx.config.dnsResolverUrl) : null;
}

/** resolvedHostReason with the service's resolver and policy (EDGECLASS_WEBHOOK_ALLOW_PRIVATE skips it all). */
export function refusedTarget(ctx: JobsContext, url: URL): Promise<string | null> {
  if (ctx.config.allowPrivateTargets) return Promise.resolve(null);
  return resolvedHostReason(serviceResolver(ctx), url.hostname);
}
