// Pipelines outside BERT WordPiece and byte-level BPE are refused with a message naming the part, never
// approximated; over HTTP that is a 422.
import { mkdtemp, mkdir, writeFile, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeApp } from '../src/runtime/node.ts';
import { Tokenizer } from '../src/tokenizer/index.ts';
import { post } from './support/http-contract.ts';
import { MODELS_DIR } from './support/paths.ts';

const bert = JSON.parse(await readFile(path.join(MODELS_DIR, 'bert-base-uncased', 'tokenizer.json'), 'utf8'));

const variants: [string, (json: any) => void, RegExp][] = [
  [
    'a Metaspace pre-tokenizer',
    (j) => {
      j.pre_tokenizer = { type: 'Metaspace', replacement: '▁' };
    },
    /pre_tokenizer 'Metaspace'/,
  ],
  [
    'a Unigram model',
    (j) => {
      j.model = { type: 'Unigram', vocab: [['a', 0]] };
    },
    /model 'Unigram'/,
  ],
  [
    'an NFKC normalizer',
    (j) => {
      j.normalizer = { type: 'NFKC' };
    },
    /normalizer 'NFKC'/,
  ],
  [
    'a Metaspace decoder',
    (j) => {
      j.decoder = { type: 'Metaspace' };
    },
    /decoder 'Metaspace'/,
  ],
  [
    'a ByteLevel post-processor',
    (j) => {
      j.post_processor = { type: 'ByteLevel' };
    },
    /post_processor 'ByteLevel'/,
  ],
];

describe('unsupported tokenizer pipelines', () => {
  for (const [what, change, message] of variants) {
    it(`refuses ${what}`, () => {
      const json = structuredClone(bert);
      change(json);
      expect(() => Tokenizer.fromJson(json)).toThrow(message);
    });
  }

  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'edgeclass-unsupported-'));
    const json = structuredClone(bert);
    json.pre_tokenizer = { type: 'Metaspace' };
    await mkdir(path.join(dir, 'odd-model'));
    await writeFile(path.join(dir, 'odd-model', 'tokenizer.json'), JSON.stringify(json));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('answers 422 unsupported_model over HTTP', async () => {
    const app = createNodeApp({ modelsDir: dir, pull: { offline: true } });
    const res = await post((p, init) => Promise.resolve(app.request(p, init)), '/v1/tokenize', {
      model: 'odd-model',
      inputs: 'x',
    });
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as any;
    expect(error).toMatchObject({ type: 'unsupported_model', param: 'model' });
    expect(error.message).toMatch(/Metaspace/);
  });
});
