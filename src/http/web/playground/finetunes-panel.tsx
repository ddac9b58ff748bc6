// The Fine-tunes tab: the API key form, the key's jobs (client/playground/jobs.ts) and one job's facts, chart and
// events (client/playground/job-view.ts, chart.ts).

function KeyForm() {
  return (
    <div class="panel">
      <form id="jobs-form" class="row">
        <label style="flex: 1">
          API key{' '}
          <input
            type="password"
            id="jobs-key"
            placeholder="ec_... (kept in this tab's session storage)"
            autocomplete="off"
          />
        </label>
        <button type="submit" class="primary" id="jobs-load">
          Load jobs
        </button>
      </form>
      <div id="jobs-error" class="error" role="alert" />
    </div>
  );
}

/** A table whose body the script fills: a head of column titles and an empty tbody. */
function DataTable(p: { id: string; class?: string; columns: string[] }) {
  return (
    <table class={p.class ? `data ${p.class}` : 'data'} id={p.id}>
      <thead>
        <tr>
          {p.columns.map((title) => (
            <th>{title}</th>
          ))}
        </tr>
      </thead>
      <tbody />
    </table>
  );
}

function JobList() {
  return (
    <div class="panel" id="jobs-panel" hidden>
      <h2>
        Jobs <span id="jobs-count" class="muted" />
      </h2>
      <DataTable
        id="jobs-table"
        class="jobs"
        columns={['id', 'status', 'base model', 'fine-tuned model', 'progress', 'created']}
      />
      <div class="row" style="margin-top: 8px">
        <button type="button" class="secondary" id="jobs-more" hidden>
          More
        </button>
      </div>
    </div>
  );
}

function JobView() {
  return (
    <div class="panel" id="job-panel" hidden>
      <div class="row">
        {/* biome-ignore lint/a11y/useHeadingContent: the job id, written by client/playground/job-view.ts */}
        <h2 id="job-title" style="margin: 0" />
        <span id="job-status" />
        <button type="button" class="secondary" id="job-refresh">
          Refresh
        </button>
        <button type="button" class="secondary" id="job-pause" hidden>
          Pause
        </button>
        <button type="button" class="secondary" id="job-resume" hidden>
          Resume
        </button>
        <button type="button" class="secondary" id="job-cancel" hidden>
          Cancel job
        </button>
      </div>
      <dl class="kv" id="job-info" />
      <div id="job-error" class="error" role="alert" />
      <h2>Loss and accuracy</h2>
      <div id="job-chart" />
      <h2>Events</h2>
      <div class="events">
        <DataTable id="job-events" columns={['time', 'level', 'type', 'message']} />
      </div>
    </div>
  );
}

export function FinetunesPanel() {
  return (
    <section id="panel-finetunes" role="tabpanel" aria-labelledby="tab-finetunes" hidden>
      <KeyForm />
      <JobList />
      <JobView />
    </section>
  );
}
