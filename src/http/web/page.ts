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
