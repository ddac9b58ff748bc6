// Where the service may send requests (webhook deliveries, trigger dataset downloads) with private targets refused
// (EDGECLASS_WEBHOOK_ALLOW_PRIVATE off, as deployed): every IPv6 spelling of a private IPv4 address or of a
// non-global range is refused when the endpoint or trigger is made; host names are resolved right before each call
// through EDGECLASS_DNS_RESOLVER_URL -- here the loopback receiver's DNS-over-HTTPS double (test/support/dns-json.ts),
// so nothing leaves loopback -- and a name with any private address is not called.
import { env } from 'cloudflare:test';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsConfigFromEnv } from '../../src/jobs/config.ts';
import { deliverWebhook, prepareDelivery } from '../../src/jobs/webhooks/deliveries.ts';
import { prepareEndpoint } from '../../src/jobs/webhooks/endpoints.ts';
import { dnsJsonResolver, resolvedHostReason } from '../../src/jobs/webhooks/resolve.ts';
import { jobsContextFor } from '../../src/runtime/cloudflare-worker.ts';
import {
  BASE,
  call,
  edgeWith,
  newInbox,
  newKey,
  receiver,
  seedBase,
  settleQueue,
  trainingFile,
} from './jobs-client.ts';

const resolverUrl = () => `${env.WEBHOOK_RECEIVER_URL}/dns-query`;
const strictConfig = () => ({
  ...jobsConfigFromEnv(env as unknown as Record<string, unknown>),
  allowPrivateTargets: false,
  dnsResolverUrl: resolverUrl(),
});
const strict = () => edgeWith({ allowPrivateTargets: false, dnsResolverUrl: resolverUrl() });

/** IPv6 literals that reach a private IPv4 address or a non-global range. */
const REFUSED_IPV6 = [
  '[::ffff:0:7f00:1]', // ::ffff:0:0/96 (IPv4-translated) 127.0.0.1
  '[::ffff:0:127.0.0.1]',
  '[::ffff:0:a9fe:a9fe]', // 169.254.169.254, the metadata service
  '[::ffff:7f00:1]', // IPv4-mapped
  '[::7f00:1]', // IPv4-compatible
  '[2001:0:4136:e378:8000:63bf:3fff:fdd2]', // Teredo
  '[2001::1]',
  '[2002:7f00:1::1]', // 6to4 around 127.0.0.1
  '[2002:a00:1::]', // 6to4 around 10.0.0.1
  '[64:ff9b::7f00:1]', // NAT64 around 127.0.0.1
  '[64:ff9b::a00:1]',
  '[64:ff9b:1::808:808]', // local-use NAT64
  '[::1]',
  '[fd00::1]',
  '[fe80::1]',
  '[3fff::1]', // documentation
  '[5f00::1]', // SRv6
];

/** Public addresses in the same forms: accepted. */
const ALLOWED_IPV6 = ['[::ffff:0:808:808]', '[64:ff9b::808:808]', '[2002:808:808::1]', '[2606:4700::1111]'];

beforeAll(seedBase);
afterAll(() => settleQueue());

describe('targets refused when they are made', () => {
  it('every IPv6 spelling of a private address: a job webhook and a trigger dataset URL get 400 naming the field', async () => {
    const { key } = await newKey();
    const file = await trainingFile(key, 20);
    const f = strict();
    for (const host of REFUSED_IPV6) {
      const job = await call(
        key,
        'POST',
        '/v1/fine_tuning/jobs',
        { model: BASE, training_file: file, webhook: { url: `http://${host}/hook` } },
        {},
        f,
      );
      expect(job.status, host).toBe(400);
      expect(job.body.error, host).toMatchObject({ type: 'invalid_request_error', param: 'webhook.url' });
      const trigger = await call(
        key,
        'POST',
        '/v1/triggers',
        { model: BASE, dataset: { url: `https://${host}/d.tsv` } },
        {},
        f,
      );
      expect(trigger.status, host).toBe(400);
      expect(trigger.body.error.param, host).toBe('dataset.url');
    }
    // The same forms around public addresses are accepted (a trigger that is never called: nothing is sent).
    for (const host of ALLOWED_IPV6) {
      const res = await call(
        key,
        'POST',
        '/v1/triggers',
        { model: BASE, dataset: { r2_key: 'd.tsv' }, webhook: { url: `https://${host}/hook` } },
        {},
        f,
      );
      expect(res.status, `${host}: ${JSON.stringify(res.body)}`).toBe(200);
    }
  });
});

describe('names resolved before each call', () => {
  it('a webhook whose host resolves to a private address (any of its addresses) is not delivered', async () => {
    const ctx = jobsContextFor(env, strictConfig(), () => {})!;
    const inbox = newInbox('ssrf');
    const port = new URL(env.WEBHOOK_RECEIVER_URL).port;
    const cases: [string, string][] = [
      ['127.0.0.1.nip.io', '127.0.0.1'],
      ['localtest.me', '127.0.0.1'],
      ['alias.test', '10.1.2.3'], // through a CNAME
      ['mixed.test', '10.0.0.1'], // one public address, one private
      ['v6-private.test', 'fd00::1'],
    ];
    for (const [name, address] of cases) {
      // Accepted when made: a name is not an address, and what it resolves to can change.
      const endpoint = prepareEndpoint(ctx, 'proj_ssrf', { url: `http://${name}:${port}/inbox/${inbox}` }, 'webhook');
      const delivery = prepareDelivery(ctx, endpoint.row.id, null, 'fine_tuning.job.succeeded', { id: 'ftjob-ssrf' });
      await ctx.db.batch([endpoint.insert, delivery.insert]);
      await deliverWebhook(ctx, delivery.id);
      const row = await env
        .DB!.prepare('SELECT status, last_error FROM webhook_deliveries WHERE id = ?')
        .bind(delivery.id)
        .first<{ status: string; last_error: string }>();
      expect(row, name).toMatchObject({
        status: 'failed',
        last_error: expect.stringContaining(`resolves to ${address}`),
      });
    }
    expect(await receiver.received(inbox)).toEqual([]);
    const asked = (await (await fetch(`${env.WEBHOOK_RECEIVER_URL}/dns-questions`)).json()) as string[];
    for (const [name] of cases) expect(asked, name).toContain(`${name} A`);
  });

  it('the resolver: public names pass, unresolvable ones are an error, literals are not looked up', async () => {
    const resolver = dnsJsonResolver(resolverUrl());
    expect(await resolvedHostReason(resolver, 'public.test')).toBeNull();
    await expect(resolvedHostReason(resolver, 'servfail.test')).rejects.toThrow(/status 2/);
    await expect(resolvedHostReason(resolver, 'no-such-name.test')).rejects.toThrow(/no A or AAAA record/);
    expect(await resolvedHostReason(resolver, '[::ffff:0:7f00:1]')).toMatch(/IPv6/);
    const asked = (await (await fetch(`${env.WEBHOOK_RECEIVER_URL}/dns-questions`)).json()) as string[];
    expect(asked.some((q) => q.includes('ffff'))).toBe(false);
  });

  it("a trigger's dataset URL on a name that resolves to loopback is refused at the call, and no job starts", async () => {
    const { key, owner } = await newKey();
    const f = strict();
    const port = new URL(env.WEBHOOK_RECEIVER_URL).port;
    await receiver.dataset('ssrf.tsv', 'sentence\tlabel\n');
    const made = await call(
      key,
      'POST',
      '/v1/triggers',
      { model: BASE, dataset: { url: `https://127.0.0.1.nip.io:${port}/datasets/ssrf.tsv` } },
      {},
      f,
    );
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const id = `msg_${crypto.randomUUID()}`;
    const at = new Date();
    const res = await f(`/v1/hooks/${made.body.id}`, {
      method: 'POST',
      body: '{}',
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(made.body.secret).sign(id, at, '{}'),
      },
    });
    const body = (await res.json()) as any;
    expect(res.status).toBe(400);
    expect(body.error).toMatchObject({
      param: 'dataset.url',
      message: expect.stringContaining('resolves to 127.0.0.1'),
    });
    const jobs = await env
      .DB!.prepare('SELECT count(*) AS n FROM jobs WHERE owner = ?')
      .bind(owner)
      .first<{ n: number }>();
    expect(jobs!.n).toBe(0);
  });
});
