// The shell both pages share (the playground at /, the API reference at /docs): head, stylesheet, the header with
// the page's name, its own header controls and the link to the other page, then the page's main and its script.
import type { Child } from 'hono/jsx';
import type { HtmlEscapedString } from 'hono/utils/html';

export interface PageProps {
  /** After "edgeclass": the title and the header's small text. */
  name: string;
  /** Placed in the header after the heading (the playground's tabs). */
  headerExtra?: Child;
  /** The other page, linked beside openapi.json. */
  other: { href: string; label: string };
  mainClass?: string;
  /** The page's script, under /static/. */
  script: string;
  children: Child;
}

function Header(p: Pick<PageProps, 'name' | 'headerExtra' | 'other'>) {
  return (
    <header class="top">
      <h1>
        edgeclass <small>{p.name}</small>
      </h1>
      {p.headerExtra}
      <span class="links">
        <a href={p.other.href}>{p.other.label}</a> &middot; <a href="/openapi.json">openapi.json</a>
      </span>
    </header>
  );
}

export function Page(p: PageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>edgeclass {p.name}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/static/edgeclass.css" />
      </head>
      <body>
        <Header name={p.name} headerExtra={p.headerExtra} other={p.other} />
        <main class={p.mainClass}>{p.children}</main>
        <script src={p.script} />
      </body>
    </html>
  );
}

/** A page as the HTML document served: rendered once, at load (the pages hold no per-request data). */
export function pageHtml(page: HtmlEscapedString | Promise<HtmlEscapedString>): string {
  if (page instanceof Promise) throw new Error('a page component is async: the pages render once, synchronously');
  return `<!doctype html>\n${page}`;
}
