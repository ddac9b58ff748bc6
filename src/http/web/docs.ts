// The API reference at /docs: a small page that renders /openapi.json (operations by tag, parameters, request
// and response schemas with their examples) and sends requests from the page ("Try it"). Self-contained: no CDN,
// no framework, so it works offline and weighs a few KB in the Worker. Same string rules as the playground script.
import { DOM_HELPERS_JS, pageHtml } from './page.ts';

export const DOCS_HTML = pageHtml({
  name: 'API reference',
  other: { href: '/', label: 'Playground' },
  mainClass: 'docs',
  main: `  <nav class="toc" id="toc" aria-label="operations"></nav>
  <div id="content"><p class="muted">Loading /openapi.json...</p></div>`,
  script: '/static/docs.js',
});

export const DOCS_JS = String.raw`
'use strict';
(function () {
${DOM_HELPERS_JS}
  var doc = null;
  var METHODS = ['get', 'post', 'put', 'patch', 'delete'];

  function resolve(schema) {
    var seen = 0;
    while (schema && schema.$ref && seen++ < 20) {
      var parts = schema.$ref.replace(/^#\//, '').split('/');
      schema = parts.reduce(function (o, p) { return o ? o[p] : undefined; }, doc);
    }
    return schema || {};
  }
  function refName(schema) { return schema && schema.$ref ? schema.$ref.split('/').pop() : null; }

  function typeOf(schema) {
    var s = resolve(schema);
    if (s.const !== undefined) return JSON.stringify(s.const);
    if (s.enum) return s.enum.map(function (v) { return JSON.stringify(v); }).join(' | ');
    var alts = s.anyOf || s.oneOf;
    if (alts) return alts.map(typeOf).join(' | ');
    var t = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
    if (t === 'array' && s.prefixItems) return '[' + s.prefixItems.map(typeOf).join(', ') + ']';
    if (t === 'array') {
      var item = refName(s.items) || typeOf(s.items || {});
      return (item.indexOf(' | ') >= 0 ? '(' + item + ')' : item) + '[]';
    }
    if (t === 'object' && !s.properties && s.additionalProperties) return 'map of ' + typeOf(s.additionalProperties);
    return refName(schema) || t || 'any';
  }

  /** An example for a schema: its own example, else one built from its properties' examples. */
  function exampleOf(schema, depth) {
    var s = resolve(schema);
    depth = depth || 0;
    if (s.example !== undefined) return s.example;
    if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
    if (s.default !== undefined) return s.default;
    if (s.const !== undefined) return s.const;
    if (s.enum) return s.enum[0];
    if (depth > 6) return null;
    var alts = s.anyOf || s.oneOf;
    if (alts) return exampleOf(alts.find(function (a) { return resolve(a).type !== 'null'; }) || alts[0], depth + 1);
    var t = Array.isArray(s.type) ? s.type.find(function (x) { return x !== 'null'; }) : s.type;
    if (t === 'object' || s.properties) {
      var out = {};
      var required = s.required || [];
      Object.keys(s.properties || {}).forEach(function (k) {
        var p = resolve(s.properties[k]);
        if (required.indexOf(k) >= 0 || p.example !== undefined) out[k] = exampleOf(p, depth + 1);
      });
      return out;
    }
    if (t === 'array' && s.prefixItems) return s.prefixItems.map(function (p) { return exampleOf(p, depth + 1); });
    if (t === 'array') return [exampleOf(s.items || {}, depth + 1)];
    if (t === 'string') return s.format === 'binary' ? '<bytes>' : 'string';
    if (t === 'integer' || t === 'number') return s.minimum !== undefined ? s.minimum : 0;
    if (t === 'boolean') return false;
    return null;
  }

  function mediaExample(media) {
    if (!media) return undefined;
    if (media.example !== undefined) return media.example;
    if (media.examples) { var first = Object.keys(media.examples)[0]; if (first) return media.examples[first].value; }
    return media.schema ? exampleOf(media.schema) : undefined;
  }

  function renderSchema(schema, depth) {
    var s = resolve(schema);
    var box = el('div', { class: depth ? 'schema nested' : 'schema' });
    var props = s.properties || {};
    var required = s.required || [];
    var keys = Object.keys(props);
    if (!keys.length) { box.appendChild(el('div', { class: 'type', text: typeOf(schema) })); return box; }
    keys.forEach(function (k) {
      var p = props[k];
      var rp = resolve(p);
      var line = el('div', { class: 'prop' }, [
        el('span', { class: 'name', text: k }), ': ', el('span', { class: 'type', text: typeOf(p) }),
        required.indexOf(k) >= 0 ? el('span', { class: 'req', text: ' required' }) : null,
        rp.description ? el('span', { class: 'desc', text: '  ' + rp.description }) : null,
      ]);
      box.appendChild(line);
      var inner = rp.type === 'array' ? resolve(rp.items) : rp;
      if (inner && inner.properties && depth < 4) box.appendChild(renderSchema(inner, depth + 1));
    });
    return box;
  }

  function pretty(value) { return typeof value === 'string' ? value : JSON.stringify(value, null, 2); }

  function renderOperation(path, method, op, index) {
    var id = 'op-' + index;
    var section = el('section', { class: 'panel op', id: id, 'data-method': method, 'data-path': path }, [
      el('h3', {}, [el('span', { class: 'method ' + method, text: method.toUpperCase() }), path]),
      op.summary ? el('p', { class: 'summary', text: op.summary }) : null,
      op.description ? el('p', { class: 'muted', text: op.description }) : null,
    ]);
    if (op.security && op.security.length) {
      section.appendChild(el('p', { class: 'muted', text: 'Auth: ' + op.security.map(function (r) { return Object.keys(r).join(' + '); }).join(' or ') }));
    }
    var params = (op.parameters || []).map(resolve);
    if (params.length) {
      var table = el('table', { class: 'data' }, [el('thead', {}, [el('tr', {}, ['name', 'in', 'type', 'description'].map(function (h) { return el('th', { text: h }); }))])]);
      var tbody = el('tbody');
      params.forEach(function (p) {
        tbody.appendChild(el('tr', {}, [el('td', { class: 'mono', text: p.name + (p.required ? ' *' : '') }), el('td', { text: p.in }), el('td', { class: 'mono', text: typeOf(p.schema || {}) }),
          el('td', { text: p.description || (p.schema && resolve(p.schema).description) || '' })]));
      });
      table.appendChild(tbody);
      section.appendChild(el('h4', { text: 'Parameters' }));
      section.appendChild(table);
    }
    var body = op.requestBody && resolve(op.requestBody);
    var bodyMedia = body && body.content ? Object.keys(body.content)[0] : null;
    if (bodyMedia) {
      var media = body.content[bodyMedia];
      section.appendChild(el('h4', { text: 'Request body (' + bodyMedia + ')' + (refName(media.schema) ? ': ' + refName(media.schema) : '') }));
      if (media.schema) section.appendChild(renderSchema(media.schema, 0));
      var example = mediaExample(media);
      if (example !== undefined && bodyMedia === 'application/json') section.appendChild(el('pre', { class: 'block', text: pretty(example) }));
    }
    section.appendChild(el('h4', { text: 'Responses' }));
    Object.keys(op.responses || {}).forEach(function (code) {
      var r = resolve(op.responses[code]);
      var types = r.content ? Object.keys(r.content) : [];
      var details = el('details', {}, [el('summary', {}, [el('span', { class: 'resp-code ' + (code < '400' ? 'ok' : 'err'), text: code }), ' ' + (r.description || '') + (types.length ? '  (' + types.join(', ') + ')' : '')])]);
      types.forEach(function (t) {
        var m = r.content[t];
        if (m.schema && t.indexOf('json') >= 0) details.appendChild(renderSchema(m.schema, 0));
        var ex = mediaExample(m);
        if (ex !== undefined) details.appendChild(el('pre', { class: 'block', text: pretty(ex) }));
      });
      section.appendChild(details);
    });
    section.appendChild(tryIt(path, method, op, params, bodyMedia === 'application/json' ? mediaExample(body.content[bodyMedia]) : undefined, index));
    return section;
  }

  function tryIt(path, method, op, params, example, index) {
    var form = el('form', { class: 'try' });
    var fields = {};
    var needsAuth = op.security && op.security.length;
    form.appendChild(el('h4', { text: 'Try it' }));
    var grid = el('div', { class: 'row' });
    params.filter(function (p) { return p.in === 'path' || p.in === 'query' || p.in === 'header'; }).forEach(function (p) {
      var input = el('input', { name: p.name, placeholder: String(exampleOf(p.schema || {}) == null ? '' : exampleOf(p.schema || {})) });
      fields[p.in + ':' + p.name] = input;
      grid.appendChild(el('label', {}, [p.in + ' ' + p.name, input]));
    });
    if (needsAuth) {
      var auth = el('input', { name: 'authorization', placeholder: 'Bearer ec_...' });
      fields['header:authorization'] = auth;
      grid.appendChild(el('label', {}, ['header Authorization', auth]));
    }
    if (grid.children.length) form.appendChild(grid);
    var bodyBox = null;
    if (example !== undefined) {
      bodyBox = el('textarea', { class: 'code', rows: Math.min(14, pretty(example).split('\n').length + 1), value: pretty(example) });
      bodyBox.style.width = '100%';
      form.appendChild(bodyBox);
    }
    var send = el('button', { type: 'submit', class: 'primary', text: 'Send' });
    var status = el('span', { class: 'muted' });
    var out = el('pre', { class: 'block', hidden: true });
    form.appendChild(el('div', { class: 'row' }, [send, status]));
    form.appendChild(out);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var url = path.replace(/\{(\w+)\}/g, function (_, name) { return encodeURIComponent(fields['path:' + name] ? fields['path:' + name].value : ''); });
      var query = Object.keys(fields).filter(function (k) { return k.indexOf('query:') === 0 && fields[k].value !== ''; })
        .map(function (k) { return encodeURIComponent(k.slice(6)) + '=' + encodeURIComponent(fields[k].value); });
      if (query.length) url += '?' + query.join('&');
      var headers = {};
      Object.keys(fields).forEach(function (k) { if (k.indexOf('header:') === 0 && fields[k].value !== '') headers[k.slice(7)] = fields[k].value; });
      var init = { method: method.toUpperCase(), headers: headers };
      if (bodyBox) { init.body = bodyBox.value; headers['content-type'] = 'application/json'; }
      send.disabled = true;
      status.textContent = 'sending...';
      var started = performance.now();
      fetch(url, init).then(function (res) {
        return res.text().then(function (text) {
          var shown = text;
          try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON */ }
          status.textContent = res.status + ' ' + res.statusText + ' in ' + Math.round(performance.now() - started) + ' ms, x-request-id ' + (res.headers.get('x-request-id') || '-');
          out.textContent = shown.length > 20000 ? shown.slice(0, 20000) + '\n...' : shown;
          out.hidden = false;
        });
      }, function (err) { status.textContent = String(err); }).then(function () { send.disabled = false; });
    });
    return form;
  }

  function render() {
    var content = $('content');
    content.textContent = '';
    content.appendChild(el('div', { class: 'panel' }, [
      el('h2', { text: doc.info.title + ' ' + doc.info.version + ' (OpenAPI ' + doc.openapi + ')' }),
      doc.info.description ? el('p', { text: doc.info.description }) : null,
    ]));
    var groups = {};
    var order = (doc.tags || []).map(function (t) { return t.name; });
    var index = 0;
    Object.keys(doc.paths || {}).forEach(function (path) {
      METHODS.forEach(function (method) {
        var op = doc.paths[path][method];
        if (!op) return;
        var tag = (op.tags && op.tags[0]) || 'Other';
        if (order.indexOf(tag) < 0) order.push(tag);
        (groups[tag] = groups[tag] || []).push({ path: path, method: method, op: op, index: index++ });
      });
    });
    var toc = $('toc');
    toc.textContent = '';
    order.forEach(function (tag) {
      var ops = groups[tag];
      if (!ops) return;
      toc.appendChild(el('h3', { text: tag }));
      content.appendChild(el('h2', { text: tag, id: 'tag-' + tag.replace(/\W+/g, '-') }));
      ops.forEach(function (o) {
        toc.appendChild(el('a', { href: '#op-' + o.index, title: o.method.toUpperCase() + ' ' + o.path }, [el('span', { class: 'method ' + o.method, text: o.method.toUpperCase() }), o.path]));
        content.appendChild(renderOperation(o.path, o.method, o.op, o.index));
      });
    });
    if (location.hash) { var target = document.getElementById(location.hash.slice(1)); if (target) target.scrollIntoView(); }
  }

  fetch('/openapi.json').then(function (res) { return res.json(); }).then(function (d) { doc = d; render(); }, function (err) {
    $('content').textContent = 'Could not load /openapi.json: ' + err;
  });
})();
`;
