// `edgeclass classify "text" ... --model <id> [--labels a,b] [--strategy s]`: POST /v1/classify on a running
// service. Texts come from the command line or a file (one a line, sent in batches with a progress bar); the
// answer is bars per input, or with --json the API's own shape (results in input order, usage summed).
import { readFileSync } from 'node:fs';
import { type CommandSpec, type OptionSpec, parseCommand, UsageError } from '../args.ts';
import { ProgressBar } from '../progress.ts';
import { callService, SERVICE_OPTIONS, serviceTarget } from '../service-client.ts';

const SPEC = {
  name: 'classify',
  summary:
    "Classify texts with POST /v1/classify on a running service: bars per input, or with --json the API's answer. " +
    'Texts are the arguments, or the lines of --file (sent --batch-size at a time).',
  args: ['[texts...]'],
  options: {
    model: { type: 'string', short: 'm', valueName: 'id', required: true, description: 'the model (an ft: model too)' },
    labels: {
      type: 'string',
      valueName: 'a,b,...',
      description: 'candidate labels (zero-shot); none for a classifier',
    },
    strategy: {
      type: 'string',
      valueName: 'name',
      choices: ['embedding', 'nli', 'model', 'llm'],
      description: 'how to score (default: the service picks, see the README)',
    },
    template: { type: 'string', valueName: 'text', description: 'the hypothesis template, e.g. "This example is {}."' },
    'multi-label': { type: 'boolean', description: 'score each label on its own' },
    'top-k': { type: 'string', valueName: 'n', description: 'keep the n best labels' },
    file: { type: 'string', valueName: 'file', description: 'classify the lines of this file' },
    'batch-size': { type: 'string', valueName: 'n', default: '32', description: 'texts per request with --file' },
    ...SERVICE_OPTIONS,
  },
  examples: [
    'edgeclass classify "The match ended in a draw." --model tiny-nli --labels sports,business',
    'edgeclass classify --file texts.txt --model tiny-nli --labels sports,business --json > scores.json',
  ],
} as const satisfies CommandSpec<OptionSpec>;

interface ClassifyResponse {
  model: string;
  strategy: string;
  results: { labels: string[]; scores: number[] }[];
  usage: { tokens: number };
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(SPEC, args);
  const texts = values.file
    ? readFileSync(values.file, 'utf8')
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '')
    : positionals;
  if (texts.length === 0 || (values.file && positionals.length > 0))
    throw new UsageError('give the texts as arguments or --file, not both, nor neither');
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`--batch-size must be a positive integer, got '${values['batch-size']}'`);
  const topK = values['top-k'] === undefined ? undefined : Number(values['top-k']);
  const labels = values.labels
    ?.split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  const request = {
    model: values.model,
    ...(labels?.length ? { labels } : {}),
    ...(values.strategy ? { strategy: values.strategy } : {}),
    ...(values.template ? { hypothesis_template: values.template } : {}),
    ...(values['multi-label'] ? { multi_label: true } : {}),
    ...(topK !== undefined ? { top_k: topK } : {}),
  };
  const target = serviceTarget(values);
  const bar = texts.length > batchSize ? new ProgressBar() : null;
  const started = Date.now();
  let response: ClassifyResponse | undefined;
  for (let i = 0; i < texts.length; i += batchSize) {
    const answer = await callService<ClassifyResponse>(target, 'POST', '/v1/classify', {
      ...request,
      inputs: texts.slice(i, i + batchSize),
    });
    if (response) {
      response.results.push(...answer.results);
      response.usage.tokens += answer.usage.tokens;
    } else {
      response = answer;
    }
    const done = Math.min(texts.length, i + batchSize);
    bar?.update(
      done,
      texts.length,
      `texts, ${(done / Math.max(1e-3, (Date.now() - started) / 1000)).toFixed(1)}/s`,
      done === texts.length,
    );
  }
  bar?.done();
  if (!response) return 2;
  if (values.json) {
    process.stdout.write(`${JSON.stringify(response)}\n`);
    return 0;
  }
  process.stdout.write(`${response.model} (strategy ${response.strategy}, ${response.usage.tokens} tokens)\n`);
  const width = Math.max(...response.results.flatMap((r) => r.labels.map((l) => l.length)));
  response.results.forEach((result, i) => {
    process.stdout.write(`\n${texts[i]}\n`);
    result.labels.forEach((label, j) => {
      const score = result.scores[j];
      const cells = Math.round(Math.max(0, Math.min(1, score)) * 30);
      process.stdout.write(
        `  ${label.padStart(width)}  ${'█'.repeat(cells)}${'·'.repeat(30 - cells)}  ${(score * 100).toFixed(1).padStart(5)}%\n`,
      );
    });
  });
  return 0;
}
