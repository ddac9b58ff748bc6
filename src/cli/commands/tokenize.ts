// `edgeclass tokenize "text" [--pair "text"] --model <id>`: what the seed notebook prints, one token a line.
import { TokenizerRegistry } from '../../core/tokenizers.ts';
import { resolveInputs, tokenize } from '../../core/tokenize.ts';
import { FsModelStore, resolveModelsDir } from '../../store/fs-store.ts';
import { parseCommandArgs } from '../args.ts';

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    model: { type: 'string', short: 'm' },
    pair: { type: 'string' },
    models: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const [text] = positionals;
  if (text === undefined || !values.model) {
    process.stderr.write('usage: edgeclass tokenize "text" [--pair "text"] --model <id> [--models DIR] [--json]\n');
    return 2;
  }
  const loaded = await new TokenizerRegistry(new FsModelStore(resolveModelsDir(values.models))).get(values.model);
  const inputs = values.pair === undefined ? text : ([text, values.pair] as [string, string]);
  const result = tokenize(loaded, resolveInputs(inputs).items, { return_tokens: true, return_token_type_ids: true });
  const row = result.encodings[0];
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ model: values.model, ...row })}\n`);
    return 0;
  }
  const decoded = row.input_ids.map((id) => loaded.tokenizer.decode([id]));
  const width = Math.max(5, ...decoded.map((d) => JSON.stringify(d).length));
  process.stdout.write(`${'token'.padEnd(width)}  ${'id'.padStart(6)}  type_id  attention_mask\n`);
  row.input_ids.forEach((id, i) => {
    process.stdout.write(
      `${JSON.stringify(decoded[i]).padEnd(width)}  ${String(id).padStart(6)}  ${String(row.token_type_ids![i]).padStart(7)}  ${String(row.attention_mask![i]).padStart(14)}\n`,
    );
  });
  return 0;
}
