// The classify operation: checks the request against the limits and the chosen strategy, runs the strategy, then
// ranks every input's labels by score (top_k). Knows nothing of HTTP: the route validates shapes and calls it.
import { RequestError } from '../errors.ts';
import type { Limits } from '../limits.ts';
import type { ModelRegistry } from '../model-registry.ts';
import { LabelEmbeddingCache } from './label-cache.ts';
import { HIDDEN_STATES } from '../infer.ts';
import { nliLabelIds } from './nli.ts';
import { rank } from './scoring.ts';
import { checkScoreOptions } from './score-options.ts';
import { CausalLmRegistry } from '../causal-lms.ts';
import type { RemoteLlm } from '../llm/chat.ts';
import { isRemoteLlm } from './llm.ts';
import { defaultStrategies, type StrategyRegistry } from './strategies.ts';
import type { ClassifyContext, ClassifyRequest, ClassifyResponse, StrategyOption } from './types.ts';

const OPTIONS: readonly StrategyOption[] = ['hypothesis_template', 'multi_label', 'top_k', 'temperature', 'threshold'];

export interface ClassifierOptions {
  /** The strategies by name; defaultStrategies() when absent. */
  strategies?: StrategyRegistry;
  /** Strategy llm's chat endpoint (remoteLlmFromEnv); none when absent. */
  remoteLlm?: RemoteLlm | null;
}

export class Classifier {
  private readonly context: ClassifyContext;
  readonly strategies: StrategyRegistry;

  constructor(models: ModelRegistry, limits: Limits, options: ClassifierOptions = {}) {
    this.strategies = options.strategies ?? defaultStrategies();
    this.context = {
      models,
      limits,
      labelEmbeddings: new LabelEmbeddingCache(undefined, limits.labelCacheBytes),
      causalLms: new CausalLmRegistry(models),
      remoteLlm: options.remoteLlm ?? null,
    };
  }

  async classify(request: ClassifyRequest): Promise<ClassifyResponse> {
    const { limits } = this.context;
    checkTexts(request.inputs, limits);
    const name = request.strategy ?? (await this.defaultStrategy(request));
    const strategy = this.strategies.get(name);
    if (!strategy) {
      throw new RequestError(
        'invalid_request',
        `unknown strategy '${name}' (one of ${this.strategies.names().join(', ')})`,
        'strategy',
      );
    }
    for (const option of OPTIONS) {
      if (request[option] !== undefined && !strategy.options.includes(option)) {
        throw new RequestError('invalid_request', `${option} does not apply to strategy ${name}`, option);
      }
    }
    checkScoreOptions(request);
    let labels: string[] = [];
    if (strategy.labels === 'forbidden') {
      if (request.labels !== undefined) {
        throw new RequestError(
          'invalid_request',
          `strategy ${name} answers with the model's own labels (config id2label): leave labels out`,
          'labels',
        );
      }
    } else {
      labels = checkLabels(request.labels, name, limits);
      checkHypotheses(labels, request.hypothesis_template, limits);
    }
    const output = await strategy.classify(this.context, { ...request, labels });
    const topK = request.top_k ?? null;
    return {
      model: request.model,
      strategy: name,
      results: output.scores.map((scores) => rank(output.labels, scores, topK)),
      usage: { tokens: output.tokens },
    };
  }

  /**
   * No strategy named: the model's own labels without candidate labels; with them, llm for a remote LLM or a local
   * causal LM, nli for an NLI model, embedding for a model that gives token embeddings.
   */
  private async defaultStrategy(request: ClassifyRequest): Promise<string> {
    if (request.labels === undefined) return 'model';
    const { remoteLlm, causalLms, models } = this.context;
    if (isRemoteLlm(remoteLlm, request.model) || causalLms.isLoaded(request.model)) return 'llm';
    // Only a model neither registry has loaded needs its config read to tell (once, not on every request).
    if (!models.isLoaded(request.model) && (await causalLms.causalType(request.model)) !== null) return 'llm';
    const model = await this.context.models.get(request.model, request.dtype);
    if (nliLabelIds(model)) return 'nli';
    if (model.session.outputNames.some((name) => HIDDEN_STATES.includes(name))) return 'embedding';
    throw new RequestError(
      'invalid_request',
      `model '${model.id}' is a classifier without an entailment label: leave labels out to classify with its own labels (strategy model)`,
      'labels',
    );
  }
}

function checkTexts(inputs: readonly string[], limits: Limits): void {
  if (inputs.length === 0) throw new RequestError('invalid_request', 'inputs must not be empty', 'inputs');
  if (inputs.length > limits.maxInputs) {
    throw new RequestError(
      'invalid_request',
      `inputs has ${inputs.length} items; the limit is ${limits.maxInputs}`,
      'inputs',
    );
  }
  inputs.forEach((text, i) => {
    if (text.length > limits.maxTextChars) {
      throw new RequestError(
        'invalid_request',
        `inputs[${i}] has ${text.length} characters; the limit is ${limits.maxTextChars}`,
        `inputs[${i}]`,
      );
    }
  });
}

function checkLabels(labels: readonly string[] | undefined, strategy: string, limits: Limits): string[] {
  if (labels === undefined || labels.length === 0) {
    throw new RequestError(
      'invalid_request',
      `strategy ${strategy} needs candidate labels: give labels, a non-empty list`,
      'labels',
    );
  }
  if (labels.length > limits.maxLabels) {
    throw new RequestError(
      'invalid_request',
      `labels has ${labels.length} items; the limit is ${limits.maxLabels}`,
      'labels',
    );
  }
  const seen = new Set<string>();
  labels.forEach((label, j) => {
    if (label.trim() === '') throw new RequestError('invalid_request', `labels[${j}] is empty`, `labels[${j}]`);
    if (label.length > limits.maxTextChars) {
      throw new RequestError(
        'invalid_request',
        `labels[${j}] has ${label.length} characters; the limit is ${limits.maxTextChars}`,
        `labels[${j}]`,
      );
    }
    if (seen.has(label)) throw new RequestError('invalid_request', `labels[${j}] repeats '${label}'`, `labels[${j}]`);
    seen.add(label);
  });
  return [...labels];
}

/**
 * The label sentences a request makes, bounded before any is built: the template is repeated per label and the
 * label repeated per `{}` of the template, so a short body could otherwise make millions of characters.
 */
function checkHypotheses(labels: readonly string[], template: string | undefined, limits: Limits): void {
  if (template !== undefined && template.length > limits.maxTemplateChars) {
    throw new RequestError(
      'invalid_request',
      `hypothesis_template has ${template.length} characters; the limit is ${limits.maxTemplateChars}`,
      'hypothesis_template',
    );
  }
  // Without a template the strategy's default (a short sentence) is used: the labels themselves are the measure.
  const holes = template === undefined ? 1 : template.split('{}').length - 1;
  const rest = template === undefined ? 0 : template.length - 2 * holes;
  let chars = 0;
  for (const label of labels) chars += rest + holes * label.length;
  if (chars > limits.maxHypothesisChars) {
    throw new RequestError(
      'invalid_request',
      `the ${labels.length} label sentences (hypothesis_template filled with each label) would have ${chars} characters; the limit is ${limits.maxHypothesisChars}`,
      template === undefined ? 'labels' : 'hypothesis_template',
    );
  }
}
