// The feeds of a graph with Hugging Face's input names (src/inference/hf-inputs.ts), checked value by value against
// what transformers does: position ids from the mask, an empty cache of the declared type and shape, the merged
// decoder's branch flag; and which declared inputs cannot be fed. Plus float16 outputs widened to float32.
import { describe, expect, it } from 'vitest';
import { buildFeeds, unsatisfiableInputs, type FeedSpec } from '../src/inference/hf-inputs.ts';
import { halfToFloat } from '../src/inference/runtime.ts';

const DECODER: FeedSpec = {
  inputNames: ['input_ids', 'attention_mask', 'position_ids', 'past_key_values.0.key', 'use_cache_branch'],
  inputs: [
    { name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] },
    { name: 'attention_mask', type: 'int64', shape: ['batch_size', 'total_sequence_length'] },
    { name: 'position_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] },
    // transformers.js' own exports leave heads and head size symbolic: the config sizes them.
    {
      name: 'past_key_values.0.key',
      type: 'float16',
      shape: ['batch_size', 'num_key_value_heads', 'past_sequence_length', 'head_dim'],
    },
    { name: 'use_cache_branch', type: 'bool', shape: [1] },
  ],
  padId: 7,
  cache: { kvHeads: 2, headDim: 8 },
};

describe('feeds for Hugging Face input names', () => {
  it('pads right, derives position ids from the mask (1 on padding), empties the cache, takes no cache branch', () => {
    const feeds = buildFeeds([{ ids: [5, 6, 9] }, { ids: [3, 4] }], DECODER);
    expect(Array.from(feeds.input_ids.data as BigInt64Array, Number)).toEqual([5, 6, 9, 3, 4, 7]);
    expect(Array.from(feeds.attention_mask.data as BigInt64Array, Number)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(Array.from(feeds.position_ids.data as BigInt64Array, Number)).toEqual([0, 1, 2, 0, 1, 1]);
    expect(feeds.input_ids.dims).toEqual([2, 3]);
    const past = feeds['past_key_values.0.key'];
    expect({ type: past.type, dims: past.dims, length: past.data.length }).toEqual({
      type: 'float16',
      dims: [2, 2, 0, 8],
      length: 0,
    });
    expect(feeds.use_cache_branch).toEqual({ type: 'bool', data: new Uint8Array([0]), dims: [1] });
    expect(unsatisfiableInputs(DECODER)).toEqual([]);
  });

  it('feeds only what a graph declares: token types where taken, zeros for rows without them', () => {
    const spec: FeedSpec = { inputNames: ['input_ids', 'token_type_ids'], padId: 0 };
    const feeds = buildFeeds([{ ids: [1, 2], typeIds: [0, 1] }, { ids: [3] }], spec);
    expect(Object.keys(feeds).sort()).toEqual(['input_ids', 'token_type_ids']);
    expect(Array.from(feeds.token_type_ids.data as BigInt64Array, Number)).toEqual([0, 1, 0, 0]);
  });

  it('names every input it cannot feed, with the reason for a cache it cannot make', () => {
    const spec: FeedSpec = {
      inputNames: ['input_ids', 'encoder_hidden_states', 'past_key_values.0.key', 'past_key_values.0.value'],
      inputs: [
        { name: 'past_key_values.0.key', type: 'int8', shape: ['batch_size', 2, 'past_sequence_length', 8] },
        { name: 'past_key_values.0.value', type: 'float32', shape: ['batch_size', 'heads', 'past_len', 'd'] },
      ],
      padId: 0,
    };
    expect(unsatisfiableInputs(spec)).toEqual([
      'encoder_hidden_states',
      'past_key_values.0.key (element type int8)',
      'past_key_values.0.value (shape [batch_size, heads, past_len, d] has an axis the config does not size)',
    ]);
    expect(unsatisfiableInputs({ inputNames: ['attention_mask'], padId: 0 })).toEqual(['input_ids (absent)']);
  });

  it('widens float16 bits to float32', () => {
    const bits = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x0000, 0x3555]);
    expect(Array.from(halfToFloat(bits))).toEqual([1, -2, 65504, 2 ** -24, Infinity, 0, 0.333251953125]);
  });
});
