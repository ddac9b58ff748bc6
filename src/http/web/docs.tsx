// The API reference at /docs: a small page that renders /openapi.json (operations by tag, parameters, request
// and response schemas with their examples) and sends requests from the page ("Try it"). Self-contained: no CDN,
// no framework, so it works offline and weighs a few KB in the Worker. Its script: client/docs/.
import { Page, pageHtml } from './page.tsx';

function DocsPage() {
  return (
    <Page name="API reference" other={{ href: '/', label: 'Playground' }} mainClass="docs" script="/static/docs.js">
      <nav class="toc" id="toc" aria-label="operations" />
      <div id="content">
        <p class="muted">Loading /openapi.json...</p>
      </div>
    </Page>
  );
}

export const DOCS_HTML = pageHtml(<DocsPage />);
