// The shell both pages share (the playground at /, the API reference at /docs): head, stylesheet, the header with
// the page's name, its own header controls and the link to the other page, then the page's main and its script.

export interface PageParts {
  /** After "edgeclass": the title and the header's small text. */
  name: string;
  /** Lines placed in the header after the heading (the playground's tabs), each ending in a newline. */
  headerExtra?: string;
  /** The other page, linked beside openapi.json. */
  other: { href: string; label: string };
  mainClass?: string;
  /** What <main> holds, between the line of its opening tag and the line of its closing tag. */
  main: string;
  /** The page's script, under /static/. */
  script: string;
}

export function pageHtml(p: PageParts): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgeclass ${p.name}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/edgeclass.css">
</head>
<body>
<header class="top">
  <h1>edgeclass <small>${p.name}</small></h1>
${p.headerExtra ?? ''}  <span class="links"><a href="${p.other.href}">${p.other.label}</a> &middot; <a href="/openapi.json">openapi.json</a></span>
</header>
<main${p.mainClass ? ` class="${p.mainClass}"` : ''}>
${p.main}
</main>
<script src="${p.script}"></script>
</body>
</html>
`;
}

/**
 * What both page scripts start with, inside their IIFE: $ (an element by id) and el(tag, attrs, children), which
 * builds an element (class and text by property, data-*, href, id, for, title and style as attributes, anything
 * else as a property) and appends its children (strings as text).
 */
export const DOM_HELPERS_JS = `  var $ = function (id) { return document.getElementById(id); };
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'class') node.className = attrs[k];
      else if (k === 'text') node.textContent = attrs[k];
      else if (k.indexOf('data-') === 0 || ['href', 'id', 'for', 'title', 'style'].indexOf(k) >= 0) node.setAttribute(k, attrs[k]);
      else node[k] = attrs[k];
    });
    (children || []).forEach(function (c) { if (c != null) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
`;
