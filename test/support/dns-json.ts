// A DNS-over-HTTPS resolver double speaking the JSON form (GET ?name=&type=A|AAAA, application/dns-json, as
// Cloudflare's https://cloudflare-dns.com/dns-query answers): what EDGECLASS_DNS_RESOLVER_URL points at in tests,
// so names are resolved without a packet leaving loopback. Its zone mimics the public names that matter here:
//   <a.b.c.d>.nip.io      A a.b.c.d (as nip.io answers)
//   localtest.me, *.localtest.me   A 127.0.0.1
//   alias.test            CNAME 10.1.2.3.nip.io, then A 10.1.2.3
//   mixed.test            A 93.184.215.14 and A 10.0.0.1 (one public address, one private)
//   v6-private.test       AAAA fd00::1
//   public.test           A 93.184.215.14, AAAA 2606:2800:21f:cb07:6820:80da:af6b:8b2c
//   servfail.test         status 2 (SERVFAIL)
//   anything else         status 3 (NXDOMAIN)

const A = 1;
const CNAME = 5;
const AAAA = 28;

interface Record_ {
  name: string;
  type: number;
  TTL: number;
  data: string;
}

function zone(name: string): { status: number; records: Record_[] } {
  const n = name.toLowerCase().replace(/\.$/, '');
  const rec = (type: number, data: string, owner = n): Record_ => ({ name: owner, type, TTL: 60, data });
  const nip = /^(?:.*\.)?(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\.nip\.io$/.exec(n);
  if (nip) return { status: 0, records: [rec(A, nip[1])] };
  if (n === 'localtest.me' || n.endsWith('.localtest.me')) return { status: 0, records: [rec(A, '127.0.0.1')] };
  if (n === 'alias.test')
    return { status: 0, records: [rec(CNAME, '10.1.2.3.nip.io.'), rec(A, '10.1.2.3', '10.1.2.3.nip.io')] };
  if (n === 'mixed.test') return { status: 0, records: [rec(A, '93.184.215.14'), rec(A, '10.0.0.1')] };
  if (n === 'v6-private.test') return { status: 0, records: [rec(AAAA, 'fd00::1')] };
  if (n === 'public.test')
    return { status: 0, records: [rec(A, '93.184.215.14'), rec(AAAA, '2606:2800:21f:cb07:6820:80da:af6b:8b2c')] };
  if (n === 'servfail.test') return { status: 2, records: [] };
  return { status: 3, records: [] };
}

/** The JSON answer to one question, as a DoH resolver gives it (only the records of the asked type, CNAMEs leading). */
export function dnsJsonAnswer(name: string, type: string): object {
  const wanted = type.toUpperCase() === 'AAAA' ? AAAA : type.toUpperCase() === 'A' ? A : -1;
  const { status, records } = zone(name);
  return {
    Status: status,
    Question: [{ name, type: wanted }],
    Answer: records.filter((r) => r.type === wanted || r.type === CNAME),
  };
}
