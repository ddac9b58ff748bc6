// The model selects of the Tokenize and Classify tabs, filled from /v1/models by capability.
import { api, showError } from '../api.ts';
import type { ModelEntry } from '../api-types.ts';
import { byId, el } from '../dom.ts';
import { authHeaders } from './auth.ts';

type Capability = 'tokenize' | 'classify';

/** The models that can `want`, the first of `preferred` that is among them selected. */
function fill(select: HTMLSelectElement, models: ModelEntry[], want: Capability, preferred: string[]): void {
  const usable = models.filter((m) => m.capabilities?.[want]);
  select.textContent = '';
  for (const m of usable) select.appendChild(el('option', { value: m.id, text: m.id }));
  if (!usable.length) select.appendChild(el('option', { value: '', text: `no model can ${want} here` }));
  const choice = preferred.find((id) => usable.some((m) => m.id === id));
  if (choice !== undefined) select.value = choice;
}

function fillModels(models: ModelEntry[]): void {
  const tokenizeSelect = byId<HTMLSelectElement>('tok-model');
  const classifySelect = byId<HTMLSelectElement>('cls-model');
  fill(tokenizeSelect, models, 'tokenize', [tokenizeSelect.value, 'bert-base-uncased']);
  // The prefilled labels need a model that takes candidate labels: one that gives embeddings takes any.
  const withEmbeddings = models.filter((m) => m.capabilities?.embeddings).map((m) => m.id);
  fill(classifySelect, models, 'classify', [classifySelect.value, ...withEmbeddings]);
}

/** With an API key (the Fine-tunes tab), the list also holds the key's fine-tuned ft: models. */
export async function loadModels(): Promise<void> {
  try {
    const list = await api<{ data: ModelEntry[] }>('GET', '/v1/models', undefined, authHeaders());
    fillModels(list.data);
  } catch (err) {
    showError(byId('tok-error'), err);
  }
}
