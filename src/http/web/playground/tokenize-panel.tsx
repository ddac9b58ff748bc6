// The Tokenize tab: the form (model, text, optional pair, special tokens, max_length) and where
// client/playground/tokenize.ts shows the result: a summary, a legend, the input mirrors, token chips and a table.

function TokenizeForm() {
  return (
    <div class="panel">
      <form id="tokenize-form" class="grid">
        <label>
          Model <select id="tok-model" name="model" required />
        </label>
        <div class="row">
          <label class="inline">
            <input type="checkbox" id="tok-special" checked /> add special tokens
          </label>
          <label class="inline">
            max_length <input type="number" id="tok-max-length" min="1" placeholder="model's" style="width: 90px" />
          </label>
        </div>
        <label class="wide">
          Text{' '}
          <textarea id="tok-text" rows={2}>
            {'Here is some text to encode'}
          </textarea>
        </label>
        <label class="wide">
          Text pair (optional){' '}
          <textarea id="tok-pair" rows={2}>
            {'Here is some more text to encode'}
          </textarea>
        </label>
        <div class="wide row">
          <button type="submit" class="primary" id="tok-submit">
            Tokenize
          </button>
          <span id="tok-status" class="muted" />
        </div>
      </form>
      <div id="tok-error" class="error" role="alert" />
    </div>
  );
}

function Legend() {
  return (
    <div class="legend">
      <span>
        <span class="swatch" style="background: var(--seq0)" />
        <span id="tok-legend-a">sequence A</span>
      </span>
      <span>
        <span class="swatch" style="background: var(--seq1)" />
        <span id="tok-legend-b">sequence B</span>
      </span>
      <span>
        <span class="swatch" style="background: var(--special); border: 1px dashed #9a9aa6" />
        special token
      </span>
      <span>hover a token to see its characters in the input</span>
    </div>
  );
}

const TABLE_COLUMNS = [
  ['#', 'num'],
  ['token', ''],
  ['id', 'num'],
  ['token_type_id', 'num'],
  ['attention_mask', 'num'],
  ['offsets', 'num'],
  ['seed line', ''],
];

function TokenTable() {
  return (
    <details open>
      <summary>Token by token</summary>
      <table class="data" id="tok-table">
        <thead>
          <tr>
            {TABLE_COLUMNS.map(([title, cls]) => (
              <th class={cls || undefined}>{title}</th>
            ))}
          </tr>
        </thead>
        <tbody />
      </table>
    </details>
  );
}

export function TokenizePanel() {
  return (
    <section id="panel-tokenize" role="tabpanel" aria-labelledby="tab-tokenize">
      <TokenizeForm />
      <div class="panel" id="tok-result" hidden>
        {/* biome-ignore lint/a11y/useHeadingContent: client/playground/tokenize.ts writes it with the result */}
        <h2 id="tok-summary" />
        <Legend />
        <div id="tok-mirror-0" class="mirror seq0" />
        <div id="tok-mirror-1" class="mirror seq1" hidden />
        <div id="tok-tokens" class="tokens" />
        <TokenTable />
      </div>
    </section>
  );
}
