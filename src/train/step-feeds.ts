// The per-step inputs of the training graphs that are not parameters: the batch's tensors and the dropout keep-masks
// (a function of seed and micro-batch, so a resume draws the same ones).
import type { ModelConfig } from '../nn/config.ts';
import { hasTokenTypes } from '../nn/encoder.ts';
import type { Batch } from './batches.ts';
import type { Feeds } from './host-params.ts';
import type { MaskDrawer } from './keep-masks.ts';
import type { DropoutSite } from './step-graph.ts';

export function tensorFeeds(config: ModelConfig, batch: Batch): Feeds {
  const dims = [batch.size, batch.length];
  const feeds: Feeds = {
    input_ids: { data: batch.inputIds, dims },
    attention_mask: { data: batch.attentionMask, dims },
  };
  if (hasTokenTypes(config)) feeds.token_type_ids = { data: batch.tokenTypeIds, dims };
  return feeds;
}

type BatchShape = Pick<Batch, 'size' | 'length'>;

function resolveDims(shape: (string | number)[], batch: BatchShape): number[] {
  return shape.map((d) => (d === 'batch_size' ? batch.size : d === 'sequence_length' ? batch.length : Number(d)));
}

export function dropoutFeeds(
  feeds: Feeds,
  masks: MaskDrawer,
  sites: DropoutSite[],
  batch: BatchShape,
  seed: number,
  micro: number,
): void {
  const dims = sites.map((site) => resolveDims(site.shape, batch));
  const sizes = sites.map((site, i) => ({ size: dims[i].reduce((a, b) => a * b, 1), p: site.p }));
  const drawn = masks.draw(seed, 'dropout', micro, sizes);
  sites.forEach((site, i) => {
    feeds[site.input] = { data: drawn[i], dims: dims[i] };
  });
}
