// The Classify tab: the form (model, strategy, inputs, labels, template, multi-label) and where
// client/playground/classify.ts draws each input's score bars.

const STRATEGIES = [
  ['', 'default (model, nli or embedding)'],
  ['embedding', 'embedding'],
  ['nli', 'nli'],
  ['model', "model (the model's own labels)"],
  ['llm', 'llm'],
];

const SAMPLE_INPUTS = 'The team won the final in overtime.\nThe stock market rallied after the earnings reports.';

function ClassifyForm() {
  return (
    <form id="classify-form" class="grid">
      <label>
        Model <select id="cls-model" name="model" required />
      </label>
      <label>
        Strategy
        <select id="cls-strategy">
          {STRATEGIES.map(([value, label]) => (
            <option value={value}>{label}</option>
          ))}
        </select>
      </label>
      <label class="wide">
        Inputs, one per line
        <textarea id="cls-inputs" rows={3}>
          {SAMPLE_INPUTS}
        </textarea>
      </label>
      <label>
        Labels, comma-separated (none for strategy model){' '}
        <input id="cls-labels" value="sports, business, science, politics" />
      </label>
      <label>
        Hypothesis template (optional) <input id="cls-template" placeholder="This example is {}." />
      </label>
      <div class="wide row">
        <label class="inline">
          <input type="checkbox" id="cls-multi" /> multi-label
        </label>
        <button type="submit" class="primary" id="cls-submit">
          Classify
        </button>
        <span id="cls-status" class="muted" />
      </div>
    </form>
  );
}

export function ClassifyPanel() {
  return (
    <section id="panel-classify" role="tabpanel" aria-labelledby="tab-classify" hidden>
      <div class="panel">
        <ClassifyForm />
        <div id="cls-error" class="error" role="alert" />
      </div>
      <div class="panel" id="cls-result" hidden>
        {/* biome-ignore lint/a11y/useHeadingContent: client/playground/classify.ts writes it with the result */}
        <h2 id="cls-summary" />
        <div id="cls-results" />
      </div>
    </section>
  );
}
