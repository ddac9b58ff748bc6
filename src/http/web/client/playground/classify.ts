// The Classify tab: inputs and candidate labels through /v1/classify, each input's labels drawn as score bars.
import { api, busy, showError } from '../api.ts';
import type { ClassifyResponse } from '../api-types.ts';
import { byId, el, fieldValue } from '../dom.ts';
import { authHeaders } from './auth.ts';

function scoreBar(label: string, score: number, best: boolean): HTMLElement {
  const width = `width: ${(Math.max(0, Math.min(1, score)) * 100).toFixed(1)}%`;
  return el('div', { class: best ? 'bar-row best' : 'bar-row', 'data-label': label, 'data-score': String(score) }, [
    el('span', { class: 'label', text: label, title: label }),
    el('div', { class: 'bar-track' }, [el('div', { class: 'bar', style: width })]),
    el('span', { class: 'score', text: `${(score * 100).toFixed(1)}%` }),
  ]);
}

function renderClassification(res: ClassifyResponse, inputs: string[]): void {
  const n = res.results.length;
  byId('cls-summary').textContent =
    `${n}${n === 1 ? ' input' : ' inputs'} classified by ${res.model} ` +
    `(strategy ${res.strategy}, ${res.usage.tokens} tokens)`;
  const box = byId('cls-results');
  box.textContent = '';
  res.results.forEach((result, i) => {
    const block = el('div', { class: 'result', 'data-index': String(i) }, [
      el('div', { class: 'text', text: inputs[i] }),
    ]);
    result.labels.forEach((label, j) => block.appendChild(scoreBar(label, result.scores[j], j === 0)));
    box.appendChild(block);
  });
  byId('cls-result').hidden = false;
}

/** The form's lines and commas as a request: only the options the user set. */
function classifyRequest(inputs: string[]): Record<string, unknown> {
  const labels = fieldValue('cls-labels')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const body: Record<string, unknown> = { model: fieldValue('cls-model'), inputs };
  if (labels.length) body.labels = labels;
  if (fieldValue('cls-strategy')) body.strategy = fieldValue('cls-strategy');
  if (fieldValue('cls-template').trim()) body.hypothesis_template = fieldValue('cls-template').trim();
  if (byId<HTMLInputElement>('cls-multi').checked) body.multi_label = true;
  return body;
}

async function submit(): Promise<void> {
  const inputs = fieldValue('cls-inputs')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  const button = byId<HTMLButtonElement>('cls-submit');
  showError(byId('cls-error'), null);
  busy(button, byId('cls-status'), true, 'classifying...');
  try {
    const res = await api<ClassifyResponse>('POST', '/v1/classify', classifyRequest(inputs), authHeaders());
    renderClassification(res, inputs);
  } catch (err) {
    showError(byId('cls-error'), err);
  }
  busy(button, byId('cls-status'), false);
}

export function initClassify(): void {
  byId('classify-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });
}
