// The reference page's script (served as /static/docs.js, bundled by scripts/build-web.mjs): loads /openapi.json,
// then renders its operations grouped by tag (the document's tag order, then any other), with a table of contents.
import { byId, el } from '../dom.ts';
import { type OpenApiDocument, type Operation, useDocument } from './openapi.ts';
import { renderOperation } from './operation.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

interface Entry {
  path: string;
  method: string;
  op: Operation;
  index: number;
}

/** The operations by their first tag, numbered in document order; the tags in the order to show them. */
function groupByTag(doc: OpenApiDocument): [string[], Map<string, Entry[]>] {
  const groups = new Map<string, Entry[]>();
  const order = (doc.tags || []).map((t) => t.name);
  let index = 0;
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] || 'Other';
      if (!order.includes(tag)) order.push(tag);
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ path, method, op, index: index++ });
    }
  }
  return [order, groups];
}

function render(doc: OpenApiDocument): void {
  const content = byId('content');
  content.textContent = '';
  content.appendChild(
    el('div', { class: 'panel' }, [
      el('h2', { text: `${doc.info.title} ${doc.info.version} (OpenAPI ${doc.openapi})` }),
      doc.info.description ? el('p', { text: doc.info.description }) : null,
    ]),
  );
  const toc = byId('toc');
  toc.textContent = '';
  const [order, groups] = groupByTag(doc);
  for (const tag of order) {
    const entries = groups.get(tag);
    if (!entries) continue;
    toc.appendChild(el('h3', { text: tag }));
    content.appendChild(el('h2', { text: tag, id: `tag-${tag.replace(/\W+/g, '-')}` }));
    for (const e of entries) {
      const method = el('span', { class: `method ${e.method}`, text: e.method.toUpperCase() });
      toc.appendChild(
        el('a', { href: `#op-${e.index}`, title: `${e.method.toUpperCase()} ${e.path}` }, [method, e.path]),
      );
      content.appendChild(renderOperation(e.path, e.method, e.op, e.index));
    }
  }
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

fetch('/openapi.json')
  .then((res) => res.json() as Promise<OpenApiDocument>)
  .then(
    (doc) => {
      useDocument(doc);
      render(doc);
    },
    (err) => {
      byId('content').textContent = `Could not load /openapi.json: ${err}`;
    },
  );
