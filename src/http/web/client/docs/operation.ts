// One operation of the reference page: method and path, summary, auth, parameters, request body and responses
// with their schemas and examples, then its "Try it" form.
import { el } from '../dom.ts';
import {
  mediaExample,
  type Operation,
  type Parameter,
  pretty,
  refName,
  resolve,
  type Schema,
  typeOf,
} from './openapi.ts';
import { tryIt } from './try-it.ts';

/** A schema's properties, one line each (name: type, required, description), nested objects indented. */
function renderSchema(schema: Schema, depth: number): HTMLElement {
  const s = resolve(schema);
  const box = el('div', { class: depth ? 'schema nested' : 'schema' });
  const props: Record<string, Schema> = s.properties || {};
  const required: string[] = s.required || [];
  const keys = Object.keys(props);
  if (!keys.length) {
    box.appendChild(el('div', { class: 'type', text: typeOf(schema) }));
    return box;
  }
  for (const key of keys) {
    const p = props[key];
    const rp = resolve(p);
    box.appendChild(
      el('div', { class: 'prop' }, [
        el('span', { class: 'name', text: key }),
        ': ',
        el('span', { class: 'type', text: typeOf(p) }),
        required.includes(key) ? el('span', { class: 'req', text: ' required' }) : null,
        rp.description ? el('span', { class: 'desc', text: `  ${rp.description}` }) : null,
      ]),
    );
    const inner = rp.type === 'array' ? resolve(rp.items) : rp;
    if (inner?.properties && depth < 4) box.appendChild(renderSchema(inner, depth + 1));
  }
  return box;
}

function parameterTable(params: Parameter[]): HTMLTableElement {
  const head = el('thead', {}, [
    el(
      'tr',
      {},
      ['name', 'in', 'type', 'description'].map((h) => el('th', { text: h })),
    ),
  ]);
  const body = el('tbody');
  for (const p of params) {
    const description = p.description || (p.schema && resolve(p.schema).description) || '';
    body.appendChild(
      el('tr', {}, [
        el('td', { class: 'mono', text: p.name + (p.required ? ' *' : '') }),
        el('td', { text: p.in }),
        el('td', { class: 'mono', text: typeOf(p.schema || {}) }),
        el('td', { text: description }),
      ]),
    );
  }
  return el('table', { class: 'data' }, [head, body]);
}

/** The request body's heading, schema and (for JSON) example; the example, which the Try it form starts from. */
function renderRequestBody(section: HTMLElement, op: Operation): unknown {
  const content = op.requestBody && resolve<Operation['requestBody']>(op.requestBody)?.content;
  const type = content ? Object.keys(content)[0] : undefined;
  if (!content || !type) return undefined;
  const media = content[type];
  const name = refName(media.schema);
  section.appendChild(el('h4', { text: `Request body (${type})${name ? `: ${name}` : ''}` }));
  if (media.schema) section.appendChild(renderSchema(media.schema, 0));
  if (type !== 'application/json') return undefined;
  const example = mediaExample(media);
  if (example !== undefined) section.appendChild(el('pre', { class: 'block', text: pretty(example) }));
  return example;
}

function renderResponses(section: HTMLElement, op: Operation): void {
  section.appendChild(el('h4', { text: 'Responses' }));
  for (const [code, response] of Object.entries(op.responses || {})) {
    const r = resolve<NonNullable<Operation['responses']>[string]>(response);
    const types = r.content ? Object.keys(r.content) : [];
    const line = ` ${r.description || ''}${types.length ? `  (${types.join(', ')})` : ''}`;
    const codeBadge = el('span', { class: `resp-code ${code < '400' ? 'ok' : 'err'}`, text: code });
    const details = el('details', {}, [el('summary', {}, [codeBadge, line])]);
    for (const t of types) {
      const media = r.content![t];
      if (media.schema && t.includes('json')) details.appendChild(renderSchema(media.schema, 0));
      const example = mediaExample(media);
      if (example !== undefined) details.appendChild(el('pre', { class: 'block', text: pretty(example) }));
    }
    section.appendChild(details);
  }
}

export function renderOperation(path: string, method: string, op: Operation, index: number): HTMLElement {
  const section = el('section', { class: 'panel op', id: `op-${index}`, 'data-method': method, 'data-path': path }, [
    el('h3', {}, [el('span', { class: `method ${method}`, text: method.toUpperCase() }), path]),
    op.summary ? el('p', { class: 'summary', text: op.summary }) : null,
    op.description ? el('p', { class: 'muted', text: op.description }) : null,
  ]);
  if (op.security?.length) {
    const schemes = op.security.map((r) => Object.keys(r).join(' + ')).join(' or ');
    section.appendChild(el('p', { class: 'muted', text: `Auth: ${schemes}` }));
  }
  const params = (op.parameters || []).map((p) => resolve<Parameter>(p));
  if (params.length) {
    section.appendChild(el('h4', { text: 'Parameters' }));
    section.appendChild(parameterTable(params));
  }
  const example = renderRequestBody(section, op);
  renderResponses(section, op);
  section.appendChild(tryIt({ path, method, needsAuth: Boolean(op.security?.length), params, example }));
  return section;
}
