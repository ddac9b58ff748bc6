// The playground at /: one page, three tabs, plain DOM code (no framework: three forms and a chart do not need
// one). Everything it shows comes from the public API (/v1/models, /v1/tokenize, /v1/classify,
// /v1/fine_tuning/jobs...), so it works against the Worker and the Node server alike. The script is a string served
// at /static/playground.js: it is written without backquotes or dollar-brace so it can live in String.raw, and
// the browser tests (test/playground-e2e.test.ts, headless Chromium) run it.
import { DOM_HELPERS_JS, pageHtml } from './page.ts';

export const PLAYGROUND_HTML = pageHtml({
  name: 'playground',
  headerExtra: `  <nav role="tablist">
    <button role="tab" id="tab-tokenize" aria-selected="true" aria-controls="panel-tokenize">Tokenize</button>
    <button role="tab" id="tab-classify" aria-selected="false" aria-controls="panel-classify">Classify</button>
    <button role="tab" id="tab-finetunes" aria-selected="false" aria-controls="panel-finetunes">Fine-tunes</button>
  </nav>
`,
  other: { href: '/docs', label: 'API reference' },
  main: `
<section id="panel-tokenize" role="tabpanel" aria-labelledby="tab-tokenize">
  <div class="panel">
    <form id="tokenize-form" class="grid">
      <label>Model <select id="tok-model" name="model" required></select></label>
      <div class="row">
        <label class="inline"><input type="checkbox" id="tok-special" checked> add special tokens</label>
        <label class="inline">max_length <input type="number" id="tok-max-length" min="1" placeholder="model's" style="width: 90px"></label>
      </div>
      <label class="wide">Text <textarea id="tok-text" rows="2">Here is some text to encode</textarea></label>
      <label class="wide">Text pair (optional) <textarea id="tok-pair" rows="2">Here is some more text to encode</textarea></label>
      <div class="wide row"><button type="submit" class="primary" id="tok-submit">Tokenize</button><span id="tok-status" class="muted"></span></div>
    </form>
    <div id="tok-error" class="error" role="alert"></div>
  </div>
  <div class="panel" id="tok-result" hidden>
    <h2 id="tok-summary"></h2>
    <div class="legend">
      <span><span class="swatch" style="background: var(--seq0)"></span><span id="tok-legend-a">sequence A</span></span>
      <span><span class="swatch" style="background: var(--seq1)"></span><span id="tok-legend-b">sequence B</span></span>
      <span><span class="swatch" style="background: var(--special); border: 1px dashed #9a9aa6"></span>special token</span>
      <span>hover a token to see its characters in the input</span>
    </div>
    <div id="tok-mirror-0" class="mirror seq0"></div>
    <div id="tok-mirror-1" class="mirror seq1" hidden></div>
    <div id="tok-tokens" class="tokens"></div>
    <details open>
      <summary>Token by token</summary>
      <table class="data" id="tok-table">
        <thead><tr><th class="num">#</th><th>token</th><th class="num">id</th><th class="num">token_type_id</th><th class="num">attention_mask</th><th class="num">offsets</th><th>seed line</th></tr></thead>
        <tbody></tbody>
      </table>
    </details>
  </div>
</section>

<section id="panel-classify" role="tabpanel" aria-labelledby="tab-classify" hidden>
  <div class="panel">
    <form id="classify-form" class="grid">
      <label>Model <select id="cls-model" name="model" required></select></label>
      <label>Strategy
        <select id="cls-strategy">
          <option value="">default (model, nli or embedding)</option>
          <option value="embedding">embedding</option>
          <option value="nli">nli</option>
          <option value="model">model (the model's own labels)</option>
          <option value="llm">llm</option>
        </select>
      </label>
      <label class="wide">Inputs, one per line
        <textarea id="cls-inputs" rows="3">The team won the final in overtime.
The stock market rallied after the earnings reports.</textarea>
      </label>
      <label>Labels, comma-separated (none for strategy model) <input id="cls-labels" value="sports, business, science, politics"></label>
      <label>Hypothesis template (optional) <input id="cls-template" placeholder="This example is {}."></label>
      <div class="wide row">
        <label class="inline"><input type="checkbox" id="cls-multi"> multi-label</label>
        <button type="submit" class="primary" id="cls-submit">Classify</button><span id="cls-status" class="muted"></span>
      </div>
    </form>
    <div id="cls-error" class="error" role="alert"></div>
  </div>
  <div class="panel" id="cls-result" hidden>
    <h2 id="cls-summary"></h2>
    <div id="cls-results"></div>
  </div>
</section>

<section id="panel-finetunes" role="tabpanel" aria-labelledby="tab-finetunes" hidden>
  <div class="panel">
    <form id="jobs-form" class="row">
      <label style="flex: 1">API key <input type="password" id="jobs-key" placeholder="ec_... (kept in this tab's session storage)" autocomplete="off"></label>
      <button type="submit" class="primary" id="jobs-load">Load jobs</button>
    </form>
    <div id="jobs-error" class="error" role="alert"></div>
  </div>
  <div class="panel" id="jobs-panel" hidden>
    <h2>Jobs <span id="jobs-count" class="muted"></span></h2>
    <table class="data jobs" id="jobs-table">
      <thead><tr><th>id</th><th>status</th><th>base model</th><th>fine-tuned model</th><th>progress</th><th>created</th></tr></thead>
      <tbody></tbody>
    </table>
    <div class="row" style="margin-top: 8px"><button type="button" class="secondary" id="jobs-more" hidden>More</button></div>
  </div>
  <div class="panel" id="job-panel" hidden>
    <div class="row"><h2 id="job-title" style="margin: 0"></h2><span id="job-status"></span>
      <button type="button" class="secondary" id="job-refresh">Refresh</button>
      <button type="button" class="secondary" id="job-cancel" hidden>Cancel job</button></div>
    <dl class="kv" id="job-info"></dl>
    <div id="job-error" class="error" role="alert"></div>
    <h2>Loss and accuracy</h2>
    <div id="job-chart"></div>
    <h2>Events</h2>
    <div class="events"><table class="data" id="job-events"><thead><tr><th>time</th><th>level</th><th>type</th><th>message</th></tr></thead><tbody></tbody></table></div>
  </div>
</section>
`,
  script: '/static/playground.js',
});

export const PLAYGROUND_JS = String.raw`
'use strict';
(function () {
${DOM_HELPERS_JS}
  // ---- API calls: the error shape is {"error": {"type", "message", "param"}} --------------------------------
  function api(method, path, body, headers) {
    var init = { method: method, headers: Object.assign({}, headers || {}) };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!res.ok) {
          var err = new Error(data && data.error ? data.error.type + ': ' + data.error.message : 'HTTP ' + res.status + ' ' + text.slice(0, 200));
          err.status = res.status;
          err.requestId = res.headers.get('x-request-id');
          throw err;
        }
        return data;
      });
    });
  }

  function showError(box, err) {
    box.textContent = err ? String(err.message || err) + (err.requestId ? '  (request id ' + err.requestId + ')' : '') : '';
  }

  function busy(button, status, on, text) {
    button.disabled = on;
    status.textContent = on ? text : '';
  }

  // ---- Tabs ---------------------------------------------------------------------------------------------------
  var TABS = ['tokenize', 'classify', 'finetunes'];
  function selectTab(name) {
    TABS.forEach(function (t) {
      $('tab-' + t).setAttribute('aria-selected', String(t === name));
      $('panel-' + t).hidden = t !== name;
    });
    if (location.hash !== '#' + name) history.replaceState(null, '', '#' + name);
  }
  TABS.forEach(function (t) { $('tab-' + t).addEventListener('click', function () { selectTab(t); }); });
  if (TABS.indexOf(location.hash.slice(1)) >= 0) selectTab(location.hash.slice(1));

  // ---- Models -------------------------------------------------------------------------------------------------
  function fillModels(models) {
    var fill = function (select, want, preferred) {
      var usable = models.filter(function (m) { return m.capabilities && m.capabilities[want]; });
      select.textContent = '';
      usable.forEach(function (m) { select.appendChild(el('option', { value: m.id, text: m.id })); });
      if (!usable.length) select.appendChild(el('option', { value: '', text: 'no model can ' + want + ' here' }));
      preferred.some(function (id) {
        if (usable.some(function (m) { return m.id === id; })) { select.value = id; return true; }
        return false;
      });
    };
    var keep = { tok: $('tok-model').value, cls: $('cls-model').value };
    fill($('tok-model'), 'tokenize', [keep.tok, 'bert-base-uncased']);
    // The prefilled labels need a model that takes candidate labels: one that gives embeddings takes any.
    var withEmbeddings = models.filter(function (m) { return m.capabilities && m.capabilities.embeddings; });
    fill($('cls-model'), 'classify', [keep.cls].concat(withEmbeddings.map(function (m) { return m.id; })));
  }
  // With an API key (the Fine-tunes tab), the list also holds the key's fine-tuned ft: models.
  function loadModels() {
    return api('GET', '/v1/models', undefined, authHeaders()).then(function (list) { fillModels(list.data); }, function (err) { showError($('tok-error'), err); });
  }

  // ---- Tokenize -----------------------------------------------------------------------------------------------
  var lastTokenize = null;

  function renderMirror(index, text, range) {
    var box = $('tok-mirror-' + index);
    box.textContent = '';
    var chars = Array.from(text);
    if (!range) { box.textContent = text; return; }
    box.appendChild(document.createTextNode(chars.slice(0, range[0]).join('')));
    box.appendChild(el('mark', { text: chars.slice(range[0], range[1]).join('') }));
    box.appendChild(document.createTextNode(chars.slice(range[1]).join('')));
  }

  function hoverToken(i, on) {
    var r = lastTokenize;
    if (!r) return;
    var chip = $('tok-tokens').children[i];
    var row = $('tok-table').tBodies[0].rows[i];
    if (chip) chip.classList.toggle('hover', on);
    if (row) row.classList.toggle('hover', on);
    var seq = r.enc.sequence_ids[i];
    var off = r.enc.offset_mapping[i];
    renderMirror(0, r.text, on && seq === 0 && off[1] > off[0] ? off : null);
    if (r.pair !== null) renderMirror(1, r.pair, on && seq === 1 && off[1] > off[0] ? off : null);
  }

  function tokenClass(enc, i) {
    if (enc.attention_mask && enc.attention_mask[i] === 0) return 'padding special';
    if (enc.special_tokens_mask && enc.special_tokens_mask[i] === 1) return 'special';
    var type = enc.token_type_ids ? enc.token_type_ids[i] : enc.sequence_ids[i];
    return type === 1 || enc.sequence_ids[i] === 1 ? 'seq1' : 'seq0';
  }

  function renderTokens(model, text, pair, enc) {
    lastTokenize = { text: text, pair: pair, enc: enc };
    var n = enc.input_ids.length;
    var specials = enc.special_tokens_mask.filter(function (s) { return s === 1; }).length;
    var inA = enc.sequence_ids.filter(function (s) { return s === 0; }).length;
    var inB = enc.sequence_ids.filter(function (s) { return s === 1; }).length;
    $('tok-summary').textContent = n + ' tokens from ' + model + ': ' + inA + ' of sequence A' + (pair !== null ? ', ' + inB + ' of sequence B' : '') + ', ' + specials + ' special';
    // The legend says the type ids the chips show: RoBERTa gives a pair's second sequence type 0 (or none at all).
    var bTypes = enc.token_type_ids ? enc.token_type_ids.filter(function (t, k) { return enc.sequence_ids[k] === 1; }) : [];
    var bType = bTypes.length && bTypes.every(function (t) { return t === 1; }) ? 1 : 0;
    $('tok-legend-a').textContent = 'sequence A' + (enc.token_type_ids ? ' (token_type_id 0)' : '');
    $('tok-legend-b').textContent = 'sequence B' + (!enc.token_type_ids ? ' (this model has no token types)' : bType === 1 ? ' (token_type_id 1)' : ' (token_type_id 0: this model does not type the pair)');
    $('tok-mirror-1').hidden = pair === null;
    renderMirror(0, text, null);
    if (pair !== null) renderMirror(1, pair, null);
    var chips = $('tok-tokens');
    var body = $('tok-table').tBodies[0];
    chips.textContent = '';
    body.textContent = '';
    for (var i = 0; i < n; i++) {
      var cls = tokenClass(enc, i);
      var type = enc.token_type_ids ? enc.token_type_ids[i] : 0;
      var mask = enc.attention_mask ? enc.attention_mask[i] : 1;
      var token = enc.tokens[i];
      var chip = el('div', {
        class: 'token ' + cls, 'data-index': String(i), 'data-id': String(enc.input_ids[i]), 'data-type-id': String(type), 'data-mask': String(mask),
        title: 'id ' + enc.input_ids[i] + ', token_type_id ' + type + ', attention_mask ' + mask + (cls.indexOf('special') < 0 ? ', characters ' + enc.offset_mapping[i][0] + '-' + enc.offset_mapping[i][1] : ''),
      }, [el('span', { class: 't', text: token }), el('span', { class: 'i', text: String(enc.input_ids[i]) }), el('span', { class: 'm', text: 'type ' + type + ' \u00b7 mask ' + mask })]);
      chips.appendChild(chip);
      var off = enc.offset_mapping[i];
      var row = el('tr', { class: cls }, [
        el('td', { class: 'num', text: String(i) }), el('td', { class: 'mono', text: token }), el('td', { class: 'num', text: String(enc.input_ids[i]) }),
        el('td', { class: 'num', text: String(type) }), el('td', { class: 'num', text: String(mask) }),
        el('td', { class: 'num', text: cls.indexOf('special') < 0 ? off[0] + '\u2013' + off[1] : '' }),
        el('td', { class: 'mono muted', text: 'Token with ID ' + enc.input_ids[i] + ", corresponding to '" + token + "' - attention_mask=" + mask + ', token_type_id=' + type }),
      ]);
      body.appendChild(row);
      (function (index) {
        [chip, row].forEach(function (node) {
          node.addEventListener('mouseenter', function () { hoverToken(index, true); });
          node.addEventListener('mouseleave', function () { hoverToken(index, false); });
        });
      })(i);
    }
    $('tok-result').hidden = false;
  }

  $('tokenize-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var model = $('tok-model').value;
    var text = $('tok-text').value;
    var pair = $('tok-pair').value.trim() === '' ? null : $('tok-pair').value;
    var body = {
      model: model, inputs: pair === null ? text : [text, pair], add_special_tokens: $('tok-special').checked,
      return_tokens: true, return_offsets_mapping: true, return_special_tokens_mask: true, return_sequence_ids: true,
    };
    var maxLength = parseInt($('tok-max-length').value, 10);
    if (maxLength > 0) { body.max_length = maxLength; body.truncation = true; }
    showError($('tok-error'), null);
    busy($('tok-submit'), $('tok-status'), true, 'tokenizing...');
    api('POST', '/v1/tokenize', body).then(function (res) {
      renderTokens(res.model, text, pair, res.encodings[0]);
    }, function (err) {
      showError($('tok-error'), err);
    }).then(function () { busy($('tok-submit'), $('tok-status'), false); });
  });

  // ---- Classify -----------------------------------------------------------------------------------------------
  function renderClassification(res, inputs) {
    $('cls-summary').textContent = res.results.length + (res.results.length === 1 ? ' input' : ' inputs') + ' classified by ' + res.model + ' (strategy ' + res.strategy + ', ' + res.usage.tokens + ' tokens)';
    var box = $('cls-results');
    box.textContent = '';
    res.results.forEach(function (result, i) {
      var block = el('div', { class: 'result', 'data-index': String(i) }, [el('div', { class: 'text', text: inputs[i] })]);
      result.labels.forEach(function (label, j) {
        var score = result.scores[j];
        block.appendChild(el('div', { class: j === 0 ? 'bar-row best' : 'bar-row', 'data-label': label, 'data-score': String(score) }, [
          el('span', { class: 'label', text: label, title: label }),
          el('div', { class: 'bar-track' }, [el('div', { class: 'bar', style: 'width: ' + (Math.max(0, Math.min(1, score)) * 100).toFixed(1) + '%' })]),
          el('span', { class: 'score', text: (score * 100).toFixed(1) + '%' }),
        ]));
      });
      box.appendChild(block);
    });
    $('cls-result').hidden = false;
  }

  $('classify-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var inputs = $('cls-inputs').value.split('\n').map(function (s) { return s.trim(); }).filter(Boolean);
    var labels = $('cls-labels').value.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
    var body = { model: $('cls-model').value, inputs: inputs };
    if (labels.length) body.labels = labels;
    if ($('cls-strategy').value) body.strategy = $('cls-strategy').value;
    if ($('cls-template').value.trim()) body.hypothesis_template = $('cls-template').value.trim();
    if ($('cls-multi').checked) body.multi_label = true;
    showError($('cls-error'), null);
    busy($('cls-submit'), $('cls-status'), true, 'classifying...');
    api('POST', '/v1/classify', body, authHeaders()).then(function (res) {
      renderClassification(res, inputs);
    }, function (err) {
      showError($('cls-error'), err);
    }).then(function () { busy($('cls-submit'), $('cls-status'), false); });
  });

  // ---- Fine-tunes ---------------------------------------------------------------------------------------------
  var KEY_STORAGE = 'edgeclass.apiKey';
  try { $('jobs-key').value = sessionStorage.getItem(KEY_STORAGE) || ''; } catch (e) { /* storage off */ }
  var jobsAfter = null;
  var currentJob = null;

  function authHeaders() {
    var key = $('jobs-key').value.trim();
    return key ? { authorization: 'Bearer ' + key } : {};
  }
  loadModels();
  $('jobs-key').addEventListener('change', function () {
    try { sessionStorage.setItem(KEY_STORAGE, $('jobs-key').value.trim()); } catch (e) { /* storage off */ }
    loadModels();
  });

  function when(seconds) {
    return seconds ? new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19) : '';
  }

  function statusBadge(status) {
    return el('span', { class: 'status ' + status, text: status });
  }

  function loadJobs(append) {
    var query = '?limit=20' + (append && jobsAfter ? '&after=' + encodeURIComponent(jobsAfter) : '');
    showError($('jobs-error'), null);
    $('jobs-load').disabled = true;
    try { sessionStorage.setItem(KEY_STORAGE, $('jobs-key').value.trim()); } catch (e) { /* storage off */ }
    if (!append) loadModels(); // the key's ft: models join the classify list
    return api('GET', '/v1/fine_tuning/jobs' + query, undefined, authHeaders()).then(function (list) {
      var body = $('jobs-table').tBodies[0];
      if (!append) body.textContent = '';
      list.data.forEach(function (job) {
        var progress = job.status === 'succeeded' ? '100%' : job.progress && job.progress.total_steps ? Math.round((100 * job.progress.step) / job.progress.total_steps) + '%' : '';
        var row = el('tr', { 'data-job-id': job.id }, [
          el('td', { class: 'mono', text: job.id }), el('td', {}, [statusBadge(job.status)]), el('td', { text: job.model }),
          el('td', { class: 'mono', text: job.fine_tuned_model || '' }), el('td', { text: progress }), el('td', { class: 'time', text: when(job.created_at) }),
        ]);
        row.addEventListener('click', function () { openJob(job.id); });
        body.appendChild(row);
      });
      jobsAfter = list.last_id;
      $('jobs-more').hidden = !list.has_more;
      $('jobs-count').textContent = '(' + body.rows.length + (list.has_more ? '+' : '') + ')';
      $('jobs-panel').hidden = false;
    }, function (err) {
      // 501 from a Node server (fine-tuning needs D1, R2 and a Queue), 404 from one built without the jobs routes.
      var edgeOnly = err.status === 501 || err.status === 404;
      showError($('jobs-error'), edgeOnly ? new Error(err.message + '\nFine-tuning runs at the edge: open this page on the Worker (npm start).') : err);
    }).then(function () { $('jobs-load').disabled = false; });
  }

  $('jobs-form').addEventListener('submit', function (event) { event.preventDefault(); loadJobs(false); });
  $('jobs-more').addEventListener('click', function () { loadJobs(true); });

  /** Every event of a job (pages of 100, newest first from the API), oldest first: the API's order, reversed. */
  function allEvents(id) {
    var events = [];
    function page(after, left) {
      var query = '?limit=100' + (after ? '&after=' + encodeURIComponent(after) : '');
      return api('GET', '/v1/fine_tuning/jobs/' + encodeURIComponent(id) + '/events' + query, undefined, authHeaders()).then(function (list) {
        events = events.concat(list.data);
        return list.has_more && left > 1 ? page(list.last_id, left - 1) : events;
      });
    }
    return page(null, 50).then(function (all) { return all.slice().reverse(); });
  }

  function openJob(id) {
    currentJob = id;
    Array.prototype.forEach.call($('jobs-table').tBodies[0].rows, function (row) { row.classList.toggle('selected', row.getAttribute('data-job-id') === id); });
    showError($('job-error'), null);
    $('job-panel').hidden = false;
    $('job-title').textContent = id;
    return Promise.all([api('GET', '/v1/fine_tuning/jobs/' + encodeURIComponent(id), undefined, authHeaders()), allEvents(id)]).then(function (both) {
      if (currentJob !== id) return;
      renderJob(both[0], both[1]);
    }, function (err) { showError($('job-error'), err); });
  }

  function renderJob(job, events) {
    $('job-status').textContent = '';
    $('job-status').appendChild(statusBadge(job.status));
    $('job-cancel').hidden = ['validating_files', 'queued', 'running'].indexOf(job.status) < 0 || job.cancel_requested;
    var hp = job.hyperparameters || {};
    var info = [
      ['base model', job.model], ['fine-tuned model', job.fine_tuned_model || '-'], ['training file', job.training_file],
      ['validation file', job.validation_file || '-'], ['created', when(job.created_at)], ['finished', when(job.finished_at) || '-'],
      ['hyperparameters', 'epochs ' + hp.n_epochs + ', batch ' + hp.batch_size + ', lr ' + hp.learning_rate + ', max_length ' + hp.max_length +
        ', frozen layers ' + hp.num_frozen_layers + (hp.freeze_embeddings ? ' + embeddings' : '') + ', pooling ' + (hp.pooling || 'model head')],
      ['trained tokens', job.trained_tokens == null ? '-' : String(job.trained_tokens)],
    ];
    if (job.error) info.push(['error', job.error.code + ': ' + job.error.message]);
    var dl = $('job-info');
    dl.textContent = '';
    info.forEach(function (kv) { dl.appendChild(el('dt', { text: kv[0] })); dl.appendChild(el('dd', { text: kv[1] })); });
    renderChart(events);
    var body = $('job-events').tBodies[0];
    body.textContent = '';
    events.slice().reverse().forEach(function (e) {
      body.appendChild(el('tr', {}, [el('td', { class: 'time', text: when(e.created_at) }), el('td', { class: 'level-' + e.level, text: e.level }), el('td', { text: e.type }), el('td', { text: e.message })]));
    });
  }

  $('job-refresh').addEventListener('click', function () { if (currentJob) openJob(currentJob); });
  $('job-cancel').addEventListener('click', function () {
    if (!currentJob) return;
    api('POST', '/v1/fine_tuning/jobs/' + encodeURIComponent(currentJob) + '/cancel', undefined, authHeaders()).then(function () {
      return openJob(currentJob);
    }, function (err) { showError($('job-error'), err); });
  });

  // ---- The chart: training loss, validation loss and accuracy by step, drawn as SVG ----------------------------
  var SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** Round tick values between lo and hi, about count of them; whole numbers only when integer is set (steps). */
  function niceTicks(lo, hi, count, integer) {
    if (!(hi > lo)) { hi = lo + 1; }
    var raw = (hi - lo) / count;
    var mag = Math.pow(10, Math.floor(Math.log10(raw)));
    if (integer && mag < 1) mag = 1;
    var step = (integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]).map(function (m) { return m * mag; }).find(function (s) { return s >= raw; }) || 10 * mag;
    var ticks = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
    return ticks;
  }

  /** Points by step; a step reported twice (its evaluation, then its checkpoint) counts once, the later value. */
  function seriesOf(events) {
    var byStep = { train_loss: {}, eval_loss: {}, eval_accuracy: {} };
    events.forEach(function (e) {
      if (e.type !== 'metrics' || !e.data || typeof e.data.step !== 'number') return;
      Object.keys(byStep).forEach(function (k) {
        if (typeof e.data[k] === 'number' && isFinite(e.data[k])) byStep[k][e.data.step] = e.data[k];
      });
    });
    var series = {};
    Object.keys(byStep).forEach(function (k) {
      series[k] = Object.keys(byStep[k]).map(function (step) { return [Number(step), byStep[k][step]]; }).sort(function (a, b) { return a[0] - b[0]; });
    });
    return series;
  }

  function renderChart(events) {
    var box = $('job-chart');
    box.textContent = '';
    var s = seriesOf(events);
    var points = s.train_loss.concat(s.eval_loss);
    if (!points.length && !s.eval_accuracy.length) {
      box.appendChild(el('p', { class: 'muted', text: 'No metrics yet: the worker reports them as training goes.' }));
      return;
    }
    var W = 820, H = 300, L = 56, R = 56, T = 16, B = 58;
    var all = points.concat(s.eval_accuracy);
    var xMin = Math.min.apply(null, all.map(function (p) { return p[0]; }));
    var xMax = Math.max.apply(null, all.map(function (p) { return p[0]; }));
    if (xMax === xMin) xMax = xMin + 1;
    var losses = points.map(function (p) { return p[1]; });
    var lo = losses.length ? Math.min.apply(null, losses) : 0;
    var hi = losses.length ? Math.max.apply(null, losses) : 1;
    var pad = (hi - lo || Math.abs(hi) * 0.05 || 0.5) * 0.15;
    var yMax = hi + pad;
    // From zero while the losses span much of it; zoomed in on a flat stretch (a run that barely moves).
    var yMin = lo - pad < (hi - lo) * 2 ? 0 : lo - pad;
    var x = function (v) { return L + ((v - xMin) / (xMax - xMin)) * (W - L - R); };
    var y = function (v) { return T + (1 - (v - yMin) / (yMax - yMin)) * (H - T - B); };
    var yAcc = function (v) { return T + (1 - v) * (H - T - B); };
    var chart = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'loss and accuracy by step' });
    niceTicks(yMin, yMax, 5, false).forEach(function (t) {
      chart.appendChild(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(t), y2: y(t) }));
      chart.appendChild(svg('text', { x: L - 6, y: y(t) + 4, 'text-anchor': 'end' }, String(t)));
    });
    niceTicks(xMin, xMax, 8, true).forEach(function (t) {
      chart.appendChild(svg('line', { class: 'grid', x1: x(t), x2: x(t), y1: T, y2: H - B }));
      chart.appendChild(svg('text', { x: x(t), y: H - B + 15, 'text-anchor': 'middle' }, String(t)));
    });
    if (s.eval_accuracy.length) {
      [0, 0.25, 0.5, 0.75, 1].forEach(function (t) {
        chart.appendChild(svg('text', { x: W - R + 6, y: yAcc(t) + 4 }, (t * 100) + '%'));
      });
      chart.appendChild(svg('text', { x: W - 12, y: T + (H - T - B) / 2, 'text-anchor': 'middle', transform: 'rotate(90 ' + (W - 12) + ' ' + (T + (H - T - B) / 2) + ')' }, 'accuracy'));
    }
    chart.appendChild(svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }));
    chart.appendChild(svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }));
    chart.appendChild(svg('text', { x: L + (W - L - R) / 2, y: H - B + 32, 'text-anchor': 'middle' }, 'step'));
    chart.appendChild(svg('text', { x: 14, y: T + (H - T - B) / 2, 'text-anchor': 'middle', transform: 'rotate(-90 14 ' + (T + (H - T - B) / 2) + ')' }, 'loss'));
    var draw = function (name, data, color, scale, dots) {
      if (!data.length) return;
      var d = data.map(function (p, i) { return (i ? 'L' : 'M') + x(p[0]).toFixed(1) + ' ' + scale(p[1]).toFixed(1); }).join(' ');
      chart.appendChild(svg('path', { d: d, fill: 'none', stroke: color, 'stroke-width': 2, 'data-series': name, 'data-points': data.length }));
      if (dots) data.forEach(function (p) { chart.appendChild(svg('circle', { cx: x(p[0]), cy: scale(p[1]), r: 3.5, fill: color })); });
    };
    draw('train_loss', s.train_loss, '#3b5bdb', y, s.train_loss.length < 3);
    draw('eval_loss', s.eval_loss, '#e67700', y, true);
    draw('eval_accuracy', s.eval_accuracy, '#2f9e44', yAcc, true);
    var legend = [['training loss', '#3b5bdb', s.train_loss.length], ['validation loss', '#e67700', s.eval_loss.length], ['validation accuracy (right axis)', '#2f9e44', s.eval_accuracy.length]];
    var lx = L;
    legend.forEach(function (item) {
      if (!item[2]) return;
      chart.appendChild(svg('rect', { x: lx, y: H - 14, width: 14, height: 4, fill: item[1] }));
      chart.appendChild(svg('text', { x: lx + 20, y: H - 9 }, item[0]));
      lx += 40 + item[0].length * 6;
    });
    box.appendChild(chart);
  }
})();
`;
