// Components and settings edgeclass does not implement are refused with a message naming them, never
// approximated; over HTTP that is a 400.
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
    'an Nmt normalizer',
    (j) => {
      j.normalizer = { type: 'Nmt' };
    },
    /normalizer 'Nmt'/,
  ],
  [
    'an unknown normalizer inside a Sequence',
    (j) => {
      j.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Casefold' }] };
    },
    /normalizer 'Casefold'/,
  ],
  [
    'a FixedLength pre-tokenizer on its own',
    (j) => {
      j.pre_tokenizer = { type: 'FixedLength', length: 5 };
    },
    /pre_tokenizer 'FixedLength'/,
  ],
  [
    'a FixedLength pre-tokenizer',
    (j) => {
      j.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'FixedLength' }] };
    },
    /pre_tokenizer 'FixedLength'/,
  ],
  [
    'a Split behavior that does not exist',
    (j) => {
      j.pre_tokenizer = { type: 'Split', pattern: { String: ' ' }, behavior: 'Merged', invert: false };
    },
    /Split.*behavior 'Merged'/,
  ],
  [
    'a Split regex with an atomic group (no JavaScript equivalent)',
    (j) => {
      j.pre_tokenizer = { type: 'Split', pattern: { Regex: '(?>a+)b' }, behavior: 'Isolated', invert: false };
    },
    /Split.*'\(\?>' groups are not supported/,
  ],
  [
    'a Replace regex with a possessive quantifier',
    (j) => {
      j.normalizer = { type: 'Replace', pattern: { Regex: 'a++' }, content: 'b' };
    },
    /Replace.*possessive quantifiers are not supported/,
  ],
  [
    'a Metaspace whose add_prefix_space contradicts its prepend_scheme',
    (j) => {
      j.pre_tokenizer = { type: 'Metaspace', replacement: '▁', add_prefix_space: false, prepend_scheme: 'always' };
    },
    /Metaspace.*add_prefix_space does not match/,
  ],
  [
    'BPE dropout',
    (j) => {
      j.model = { type: 'BPE', vocab: { a: 0 }, merges: [], dropout: 0.1 };
    },
    /BPE: dropout/,
  ],
  [
    'a Unigram unk_id outside the vocabulary',
    (j) => {
      j.model = { type: 'Unigram', vocab: [['a', -1]], unk_id: 5 };
    },
    /Unigram: unk_id 5/,
  ],
  [
    'an unknown model',
    (j) => {
      j.model = { type: 'Charformer', vocab: {} };
    },
    /model 'Charformer'/,
  ],
  [
    'an unknown decoder inside a Sequence',
    (j) => {
      j.decoder = { type: 'Sequence', decoders: [{ type: 'Fuse' }, { type: 'Squash' }] };
    },
    /decoder 'Squash'/,
  ],
  [
    'an unknown post-processor',
    (j) => {
      j.post_processor = { type: 'Sequence', processors: [{ type: 'ByteLevel' }, { type: 'Wrap' }] };
    },
    /post_processor 'Wrap'/,
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
    json.pre_tokenizer = { type: 'FixedLength', length: 5 };
    await mkdir(path.join(dir, 'odd-model'));
    await writeFile(path.join(dir, 'odd-model', 'tokenizer.json'), JSON.stringify(json));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('answers 400 unsupported_model over HTTP', async () => {
    const app = createNodeApp({ modelsDir: dir, pull: { offline: true } });
    const res = await post((p, init) => Promise.resolve(app.request(p, init)), '/v1/tokenize', {
      model: 'odd-model',
      inputs: 'x',
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as any;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_model', param: 'model' });
    expect(error.message).toMatch(/FixedLength/);
  });
});
