// `edgeclass tokenize "text" [--pair "text"] --model <id>`: what the seed notebook prints, one token a line.
import { TokenizerRegistry } from '../../core/tokenizers.ts';
import { resolveInputs, tokenize } from '../../core/tokenize.ts';
import { FsModelStore, resolveModelsDir } from '../../store/fs-store.ts';
import { type CommandSpec, type OptionSpec, parseCommand } from '../args.ts';

const SPEC = {
  name: 'tokenize',
  summary: "Tokenize a text, or a pair, with a model's tokenizer: one token a line, or with --json the API's answer.",
  args: ['<text>'],
  options: {
    model: {
      type: 'string',
      short: 'm',
      valueName: 'id',
      required: true,
      description: 'the model whose tokenizer to use',
    },
    pair: { type: 'string', valueName: 'text', description: 'the second sequence of a pair' },
    models: {
      type: 'string',
      valueName: 'dirs',
      description: 'the models folder(s), colon-separated, first wins (default: EDGECLASS_MODELS_DIR, else ./models)',
    },
    json: { type: 'boolean', description: 'print what POST /v1/tokenize answers' },
  },
  examples: [
    'edgeclass tokenize "Here is some text" --pair "and more" --model bert-base-uncased',
    'edgeclass tokenize "Here is some text" --model roberta-base --json',
  ],
} as const satisfies CommandSpec<OptionSpec>;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(SPEC, args);
  const [text] = positionals;
  const loaded = await new TokenizerRegistry(new FsModelStore(resolveModelsDir(values.models))).get(values.model);
  const inputs = values.pair === undefined ? text : ([text, values.pair] as [string, string]);
  const { items, batch } = resolveInputs(inputs);
  if (values.json) {
    // What POST /v1/tokenize answers for {model, inputs} with no options: token_type_ids only where the model has them.
    const answer = tokenize(loaded, items, {}, batch);
    const body = { model: values.model, encodings: answer.encodings, usage: { tokens: answer.tokens } };
    process.stdout.write(`${JSON.stringify(body)}\n`);
    return 0;
  }
  const result = tokenize(loaded, items, { return_tokens: true, return_token_type_ids: true });
  const row = result.encodings[0];
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
