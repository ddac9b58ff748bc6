// Qwen3's 11 MB tokenizer.json (151,643 BPE tokens, 151,387 merges) loaded inside workerd: it loads, tokenizes as the
// golden says, and is loaded once per isolate (the registry of depsFor). Prints the parse and build times and, where
// the runtime exposes it, the heap; workerd's clock only moves across I/O, so times are taken around awaited I/O.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { depsFor } from '../../src/runtime/cloudflare-worker.ts';
import { Tokenizer } from '../../src/tokenizer/index.ts';
import { fixture, seedModel } from './fixtures.ts';

const QWEN = 'Qwen--Qwen3-0.6B';

/** Milliseconds of `work`, with an I/O step after it so that workerd's clock moves; the I/O alone is subtracted. */
async function timed<T>(work: () => T): Promise<[T, number]> {
  const tick = () => fixture('/goldens');
  await tick();
  const i0 = Date.now();
  await tick();
  const io = Date.now() - i0;
  const t0 = Date.now();
  const out = work();
  await tick();
  return [out, Math.max(0, Date.now() - t0 - io)];
}

function heapMB(): string {
  const usage = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number } } }).process?.memoryUsage;
  try {
    const used = usage ? usage().heapUsed : 0;
    return used > 0 ? `${(used / 2 ** 20).toFixed(1)} MB` : 'n/a (workerd reports no heap figure)';
  } catch {
    return 'n/a';
  }
}

describe('a large vocabulary in workerd', () => {
  it("loads Qwen3's tokenizer.json and tokenizes as the reference", async () => {
    const text = await (await fixture(`/models/${QWEN}/tokenizer.json`)).text();
    expect(text.length).toBeGreaterThan(10_000_000);
    const before = heapMB();
    const [json, parseMs] = await timed(() => JSON.parse(text));
    const [tokenizer, buildMs] = await timed(() => Tokenizer.fromJson(json));
    console.log(
      `Qwen3 in workerd: JSON.parse ${parseMs} ms, Tokenizer.fromJson ${buildMs} ms; heap before ${before}, after ${heapMB()}`,
    );
    // Rust tokenizers 0.23.2 gives these ids (golden.Qwen--Qwen3-0.6B, pair/p0103/no_special's first text).
    expect(tokenizer.encode('<|im_start|>user', null, { addSpecialTokens: false }).ids).toEqual([151644, 872]);
  }, 300_000);

  it('is loaded once per isolate and served from memory afterwards', async () => {
    await seedModel(QWEN);
    const deps = depsFor(env as never);
    const first = await deps.tokenizers.get(QWEN);
    const again = await depsFor(env as never).tokenizers.get(QWEN);
    expect(again).toBe(first);
  }, 300_000);
});
