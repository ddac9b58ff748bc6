// An operation's "Try it" form: its path, query and header parameters (and Authorization where the operation
// needs a key), its JSON body prefilled with the example, sent from the page; the answer shown with its status,
// time and request id.
import { el } from '../dom.ts';
import { exampleOf, type Parameter, pretty } from './openapi.ts';

export interface TryItSpec {
  path: string;
  method: string;
  needsAuth: boolean;
  params: Parameter[];
  /** The JSON body to start from; undefined when the operation takes no JSON body. */
  example: unknown;
}

/** Inputs by "in:name" (path:id, query:limit, header:authorization). */
type Fields = Record<string, HTMLInputElement>;

function fieldGrid(spec: TryItSpec, fields: Fields): HTMLElement {
  const grid = el('div', { class: 'row' });
  for (const p of spec.params.filter((q) => q.in === 'path' || q.in === 'query' || q.in === 'header')) {
    const example = exampleOf(p.schema || {});
    const input = el('input', { name: p.name, placeholder: String(example == null ? '' : example) });
    fields[`${p.in}:${p.name}`] = input;
    grid.appendChild(el('label', {}, [`${p.in} ${p.name}`, input]));
  }
  if (spec.needsAuth) {
    const auth = el('input', { name: 'authorization', placeholder: 'Bearer ec_...' });
    fields['header:authorization'] = auth;
    grid.appendChild(el('label', {}, ['header Authorization', auth]));
  }
  return grid;
}

/** The request the form describes: path parameters filled in, the query from the non-empty query fields. */
function requestOf(spec: TryItSpec, fields: Fields, body: HTMLTextAreaElement | null): [string, RequestInit] {
  let url = spec.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(fields[`path:${name}`]?.value ?? ''),
  );
  const filled = (prefix: string) => Object.keys(fields).filter((k) => k.startsWith(prefix) && fields[k].value !== '');
  const query = filled('query:').map((k) => `${encodeURIComponent(k.slice(6))}=${encodeURIComponent(fields[k].value)}`);
  if (query.length) url += `?${query.join('&')}`;
  const headers: Record<string, string> = {};
  for (const k of filled('header:')) headers[k.slice(7)] = fields[k].value;
  const init: RequestInit = { method: spec.method.toUpperCase(), headers };
  if (body) {
    init.body = body.value;
    headers['content-type'] = 'application/json';
  }
  return [url, init];
}

async function send(request: [string, RequestInit], status: HTMLElement, out: HTMLElement): Promise<void> {
  const started = performance.now();
  try {
    const res = await fetch(...request);
    const text = await res.text();
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not JSON
    }
    const took = Math.round(performance.now() - started);
    status.textContent = `${res.status} ${res.statusText} in ${took} ms, x-request-id ${res.headers.get('x-request-id') || '-'}`;
    out.textContent = shown.length > 20000 ? `${shown.slice(0, 20000)}\n...` : shown;
    out.hidden = false;
  } catch (err) {
    status.textContent = String(err);
  }
}

export function tryIt(spec: TryItSpec): HTMLFormElement {
  const form = el('form', { class: 'try' }, [el('h4', { text: 'Try it' })]);
  const fields: Fields = {};
  const grid = fieldGrid(spec, fields);
  if (grid.children.length) form.appendChild(grid);
  let bodyBox: HTMLTextAreaElement | null = null;
  if (spec.example !== undefined) {
    const text = pretty(spec.example);
    bodyBox = el('textarea', { class: 'code', rows: Math.min(14, text.split('\n').length + 1), value: text });
    bodyBox.style.width = '100%';
    form.appendChild(bodyBox);
  }
  const button = el('button', { type: 'submit', class: 'primary', text: 'Send' });
  const status = el('span', { class: 'muted' });
  const out = el('pre', { class: 'block', hidden: true });
  form.appendChild(el('div', { class: 'row' }, [button, status]));
  form.appendChild(out);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = 'sending...';
    await send(requestOf(spec, fields, bodyBox), status, out);
    button.disabled = false;
  });
  return form;
}
