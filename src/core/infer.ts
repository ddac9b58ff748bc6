// Running rows through a loaded model and finding its outputs by the names Hugging Face exports give them.
import type { EncodedRow, RowOutputs } from '../inference/rows.ts';
import { inferenceError, RequestError } from './errors.ts';
import type { LoadedModel } from './model-registry.ts';

/** Runs rows; a runtime failure becomes an InferenceError (HTTP 500) naming the model. */
export async function runRows(
  model: LoadedModel,
  rows: readonly EncodedRow[],
  outputs: readonly string[],
): Promise<RowOutputs[]> {
  try {
    return await model.runner.run(rows, outputs);
  } catch (err) {
    throw inferenceError(model.id, 'running', err);
  }
}

/** Token-level hidden states, under the names transformers.js looks for (Optimum: last_hidden_state; ST: token_embeddings). */
export const HIDDEN_STATES: readonly string[] = ['last_hidden_state', 'token_embeddings'];

export function hiddenStatesOutput(model: LoadedModel): string {
  const name = HIDDEN_STATES.find((n) => model.session.outputNames.includes(n));
  if (!name) {
    throw new RequestError(
      'unsupported_model',
      `model '${model.id}' gives no token embeddings (its graph outputs ${model.session.outputNames.join(', ')}; a feature-extraction export gives last_hidden_state)`,
      'model',
    );
  }
  return name;
}

/** Classification logits [C] per row. */
export function logitsOutput(model: LoadedModel): string {
  if (!model.session.outputNames.includes('logits')) {
    throw new RequestError(
      'unsupported_model',
      `model '${model.id}' is not a sequence classifier (its graph outputs ${model.session.outputNames.join(', ')}, not logits)`,
      'model',
    );
  }
  return 'logits';
}
