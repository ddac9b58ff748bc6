// The Tokenize tab: a text (and an optional pair) through /v1/tokenize, shown as chips and a table, one per token;
// hovering a token marks its characters in a mirror of the input (offsets are in code points, hence Array.from).
import { api, busy, showError } from '../api.ts';
import type { Encoding, TokenizeResponse } from '../api-types.ts';
import { byId, el, fieldValue } from '../dom.ts';

interface Shown {
  text: string;
  pair: string | null;
  enc: Encoding;
}
let lastTokenize: Shown | null = null;

function renderMirror(index: number, text: string, range: [number, number] | null): void {
  const box = byId(`tok-mirror-${index}`);
  box.textContent = '';
  if (!range) {
    box.textContent = text;
    return;
  }
  const chars = Array.from(text);
  box.appendChild(document.createTextNode(chars.slice(0, range[0]).join('')));
  box.appendChild(el('mark', { text: chars.slice(range[0], range[1]).join('') }));
  box.appendChild(document.createTextNode(chars.slice(range[1]).join('')));
}

function hoverToken(i: number, on: boolean): void {
  const shown = lastTokenize;
  if (!shown) return;
  byId('tok-tokens').children[i]?.classList.toggle('hover', on);
  byId<HTMLTableElement>('tok-table').tBodies[0].rows[i]?.classList.toggle('hover', on);
  const seq = shown.enc.sequence_ids![i];
  const off = shown.enc.offset_mapping![i];
  const marks = on && off[1] > off[0];
  renderMirror(0, shown.text, marks && seq === 0 ? off : null);
  if (shown.pair !== null) renderMirror(1, shown.pair, marks && seq === 1 ? off : null);
}

function tokenClass(enc: Encoding, i: number): string {
  if (enc.attention_mask && enc.attention_mask[i] === 0) return 'padding special';
  if (enc.special_tokens_mask && enc.special_tokens_mask[i] === 1) return 'special';
  const sequence = enc.sequence_ids![i];
  const type = enc.token_type_ids ? enc.token_type_ids[i] : sequence;
  return type === 1 || sequence === 1 ? 'seq1' : 'seq0';
}

function renderSummary(model: string, pair: string | null, enc: Encoding): void {
  const count = (values: readonly (number | null)[], v: number) => values.filter((x) => x === v).length;
  const sequences = enc.sequence_ids!;
  const inB = pair !== null ? `, ${count(sequences, 1)} of sequence B` : '';
  byId('tok-summary').textContent =
    `${enc.input_ids.length} tokens from ${model}: ${count(sequences, 0)} of sequence A${inB}, ` +
    `${count(enc.special_tokens_mask!, 1)} special`;
  // The legend says the type ids the chips show: RoBERTa gives a pair's second sequence type 0 (or none at all).
  const types = enc.token_type_ids;
  const bTypes = types ? types.filter((_, k) => sequences[k] === 1) : [];
  const bTyped = bTypes.length > 0 && bTypes.every((t) => t === 1);
  byId('tok-legend-a').textContent = `sequence A${types ? ' (token_type_id 0)' : ''}`;
  byId('tok-legend-b').textContent = `sequence B${
    !types
      ? ' (this model has no token types)'
      : bTyped
        ? ' (token_type_id 1)'
        : ' (token_type_id 0: this model does not type the pair)'
  }`;
}

/** What the chip and the row of token i show. */
function tokenFacts(enc: Encoding, i: number) {
  const cls = tokenClass(enc, i);
  return {
    cls,
    id: enc.input_ids[i],
    type: enc.token_type_ids ? enc.token_type_ids[i] : 0,
    mask: enc.attention_mask ? enc.attention_mask[i] : 1,
    token: enc.tokens![i],
    offsets: cls.includes('special') ? null : enc.offset_mapping![i],
  };
}
type TokenFacts = ReturnType<typeof tokenFacts>;

function tokenChip(i: number, t: TokenFacts): HTMLElement {
  const characters = t.offsets ? `, characters ${t.offsets[0]}-${t.offsets[1]}` : '';
  return el(
    'div',
    {
      class: `token ${t.cls}`,
      'data-index': String(i),
      'data-id': String(t.id),
      'data-type-id': String(t.type),
      'data-mask': String(t.mask),
      title: `id ${t.id}, token_type_id ${t.type}, attention_mask ${t.mask}${characters}`,
    },
    [
      el('span', { class: 't', text: t.token }),
      el('span', { class: 'i', text: String(t.id) }),
      el('span', { class: 'm', text: `type ${t.type} \u00b7 mask ${t.mask}` }),
    ],
  );
}

function tokenRow(i: number, t: TokenFacts): HTMLTableRowElement {
  const seedLine = `Token with ID ${t.id}, corresponding to '${t.token}' - attention_mask=${t.mask}, token_type_id=${t.type}`;
  return el('tr', { class: t.cls }, [
    el('td', { class: 'num', text: String(i) }),
    el('td', { class: 'mono', text: t.token }),
    el('td', { class: 'num', text: String(t.id) }),
    el('td', { class: 'num', text: String(t.type) }),
    el('td', { class: 'num', text: String(t.mask) }),
    el('td', { class: 'num', text: t.offsets ? `${t.offsets[0]}\u2013${t.offsets[1]}` : '' }),
    el('td', { class: 'mono muted', text: seedLine }),
  ]);
}

function renderTokens(model: string, text: string, pair: string | null, enc: Encoding): void {
  lastTokenize = { text, pair, enc };
  renderSummary(model, pair, enc);
  byId('tok-mirror-1').hidden = pair === null;
  renderMirror(0, text, null);
  if (pair !== null) renderMirror(1, pair, null);
  const chips = byId('tok-tokens');
  const body = byId<HTMLTableElement>('tok-table').tBodies[0];
  chips.textContent = '';
  body.textContent = '';
  for (let i = 0; i < enc.input_ids.length; i++) {
    const facts = tokenFacts(enc, i);
    const chip = chips.appendChild(tokenChip(i, facts));
    const row = body.appendChild(tokenRow(i, facts));
    for (const node of [chip, row]) {
      node.addEventListener('mouseenter', () => hoverToken(i, true));
      node.addEventListener('mouseleave', () => hoverToken(i, false));
    }
  }
  byId('tok-result').hidden = false;
}

/** The request of the form: every per-token array the page shows, truncated only when max_length is set. */
function tokenizeRequest(text: string, pair: string | null): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: fieldValue('tok-model'),
    inputs: pair === null ? text : [text, pair],
    add_special_tokens: byId<HTMLInputElement>('tok-special').checked,
    return_tokens: true,
    return_offsets_mapping: true,
    return_special_tokens_mask: true,
    return_sequence_ids: true,
  };
  const maxLength = Number.parseInt(fieldValue('tok-max-length'), 10);
  if (maxLength > 0) {
    body.max_length = maxLength;
    body.truncation = true;
  }
  return body;
}

async function submit(): Promise<void> {
  const text = fieldValue('tok-text');
  const pair = fieldValue('tok-pair').trim() === '' ? null : fieldValue('tok-pair');
  const body = tokenizeRequest(text, pair);
  const button = byId<HTMLButtonElement>('tok-submit');
  showError(byId('tok-error'), null);
  busy(button, byId('tok-status'), true, 'tokenizing...');
  try {
    const res = await api<TokenizeResponse>('POST', '/v1/tokenize', body);
    renderTokens(res.model, text, pair, res.encodings[0]);
  } catch (err) {
    showError(byId('tok-error'), err);
  }
  busy(button, byId('tok-status'), false);
}

export function initTokenize(): void {
  byId('tokenize-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });
}
