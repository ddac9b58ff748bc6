// The playground at /: one page, three tabs, plain DOM code (no framework: three forms and a chart do not need
// one). Everything it shows comes from the public API (/v1/models, /v1/tokenize, /v1/classify,
// /v1/fine_tuning/jobs...), so it works against the Worker and the Node server alike. The markup: playground/;
// the script (client/playground/, served at /static/playground.js) is run by the browser tests
// (test/playground-e2e.test.ts, headless Chromium).
import { Page, pageHtml } from './page.tsx';
import { ClassifyPanel } from './playground/classify-panel.tsx';
import { FinetunesPanel } from './playground/finetunes-panel.tsx';
import { TabBar } from './playground/tab-bar.tsx';
import { TokenizePanel } from './playground/tokenize-panel.tsx';

function PlaygroundPage() {
  return (
    <Page
      name="playground"
      headerExtra={<TabBar />}
      other={{ href: '/docs', label: 'API reference' }}
      script="/static/playground.js"
    >
      <TokenizePanel />
      <ClassifyPanel />
      <FinetunesPanel />
    </Page>
  );
}

export const PLAYGROUND_HTML = pageHtml(<PlaygroundPage />);
