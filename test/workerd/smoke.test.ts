import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

describe('workerd smoke', () => {
  it('answers /healthz from workerd', async () => {
    const res = await SELF.fetch('http://edge/healthz');
    expect(await res.json()).toEqual({ status: 'ok', runtime: 'workerd' });
    expect(typeof env.MODELS.get).toBe('function');
  });
});
