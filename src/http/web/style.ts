// The stylesheet the playground (/) and the API reference (/docs) share, served at /static/edgeclass.css.
export const STYLE_CSS = `
:root {
  --bg: #f7f7f8; --panel: #fff; --ink: #1d1d22; --muted: #686873; --line: #dcdce2; --accent: #3b5bdb;
  --seq0: #dbe4ff; --seq0-ink: #233e9e; --seq1: #ffe3c4; --seq1-ink: #8a4a00; --special: #ececf0; --special-ink: #55555f;
  --good: #2b8a3e; --bad: #c92a2a; --warn: #e67700; --mark: #ffd43b;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #1d1d22; color: #fff; }
header.top h1 { font-size: 17px; margin: 0; letter-spacing: .3px; }
header.top h1 small { font-weight: 400; color: #a5a5b0; margin-left: 6px; }
header.top nav { display: flex; gap: 4px; }
header.top nav button { background: transparent; color: #c9c9d2; border: 0; padding: 6px 12px; border-radius: 6px; font: inherit; cursor: pointer; }
header.top nav button[aria-selected="true"] { background: #3a3a44; color: #fff; }
header.top .links { margin-left: auto; }
header.top a { color: #c9d4ff; text-decoration: none; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 60px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin-bottom: 16px; }
.panel h2 { font-size: 15px; margin: 0 0 12px; }
form.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 12px 16px; align-items: end; }
form.grid .wide { grid-column: 1 / -1; }
label { display: flex; flex-direction: column; gap: 4px; font-weight: 600; font-size: 12.5px; color: var(--muted); }
label.inline { flex-direction: row; align-items: center; gap: 6px; font-weight: 500; }
input, select, textarea { font: inherit; font-weight: 400; color: var(--ink); padding: 7px 9px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
textarea { resize: vertical; min-height: 56px; }
textarea.code, pre, code, .mono { font-family: var(--mono); font-size: 12.5px; }
button.primary, button.secondary { font: inherit; font-weight: 600; padding: 8px 16px; border-radius: 6px; cursor: pointer; border: 1px solid var(--accent); }
button.primary { background: var(--accent); color: #fff; }
button.secondary { background: #fff; color: var(--accent); }
button:disabled { opacity: .55; cursor: progress; }
.row { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.muted { color: var(--muted); }
.error { color: var(--bad); background: #fff5f5; border: 1px solid #ffc9c9; border-radius: 6px; padding: 8px 10px; margin: 10px 0 0; white-space: pre-wrap; }
.error:empty { display: none; }
.hidden { display: none !important; }
[hidden] { display: none !important; }

/* Tokenize */
.mirror { font-family: var(--mono); font-size: 13px; padding: 8px 10px; border-radius: 6px; white-space: pre-wrap; word-break: break-word; margin: 6px 0; border-left: 4px solid; }
.mirror.seq0 { background: #f3f6ff; border-color: var(--seq0-ink); }
.mirror.seq1 { background: #fff7ee; border-color: var(--seq1-ink); }
.mirror mark { background: var(--mark); border-radius: 2px; padding: 0 1px; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12.5px; color: var(--muted); margin: 8px 0; }
.legend .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -2px; margin-right: 5px; }
.tokens { display: flex; flex-wrap: wrap; gap: 6px; margin: 10px 0; }
.token { display: inline-flex; flex-direction: column; align-items: center; min-width: 46px; padding: 4px 7px 3px; border-radius: 7px; border: 1px solid transparent; cursor: default; }
.token .t { font-family: var(--mono); font-size: 13.5px; font-weight: 600; white-space: pre; }
.token .i { font-family: var(--mono); font-size: 11px; }
.token .m { font-size: 10px; color: var(--muted); letter-spacing: .2px; }
.token.seq0 { background: var(--seq0); color: var(--seq0-ink); }
.token.seq1 { background: var(--seq1); color: var(--seq1-ink); }
.token.special { background: var(--special); color: var(--special-ink); border: 1px dashed #9a9aa6; }
.token.special .t::after { content: "special"; display: block; font: 600 8.5px/1 system-ui, sans-serif; text-transform: uppercase; letter-spacing: .6px; text-align: center; margin-top: 1px; }
.token.padding { opacity: .45; }
.token.hover { outline: 2px solid var(--ink); }
table.data { border-collapse: collapse; width: 100%; font-size: 12.5px; }
table.data th, table.data td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); }
table.data th { color: var(--muted); font-weight: 600; }
table.data td.num, table.data th.num { text-align: right; font-family: var(--mono); }
table.data tr.seq0 td:first-child { box-shadow: inset 3px 0 var(--seq0-ink); }
table.data tr.seq1 td:first-child { box-shadow: inset 3px 0 var(--seq1-ink); }
table.data tr.special td:first-child { box-shadow: inset 3px 0 #9a9aa6; }
table.data tr.hover td { background: #fff9db; }
details > summary { cursor: pointer; color: var(--muted); margin: 6px 0; }

/* Classify */
.result { margin: 12px 0 18px; }
.result .text { font-weight: 600; margin-bottom: 6px; }
.bar-row { display: grid; grid-template-columns: 180px 1fr 64px; gap: 10px; align-items: center; margin: 3px 0; }
.bar-row .label { text-align: right; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar-track { background: #eef0f6; border-radius: 4px; height: 18px; overflow: hidden; }
.bar { height: 100%; background: linear-gradient(90deg, #4c6ef5, #748ffc); border-radius: 4px; min-width: 2px; }
.bar-row.best .bar { background: linear-gradient(90deg, #2f9e44, #69db7c); }
.bar-row .score { font-family: var(--mono); font-size: 12px; }

/* Fine-tunes */
table.jobs tr { cursor: pointer; }
table.jobs td.mono, td.time { white-space: nowrap; }
table.jobs tr:hover td, table.jobs tr.selected td { background: #f3f6ff; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 11.5px; font-weight: 600; background: var(--special); }
.status.succeeded { background: #d3f9d8; color: var(--good); }
.status.failed { background: #ffe3e3; color: var(--bad); }
.status.running { background: #dbe4ff; color: var(--seq0-ink); }
.status.queued, .status.validating_files { background: #fff3bf; color: #8a6d00; }
.status.cancelled { background: #e9ecef; color: #495057; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; font-size: 12.5px; margin: 8px 0 12px; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; font-family: var(--mono); word-break: break-all; }
svg.chart { width: 100%; height: auto; background: #fff; }
svg.chart text { font: 11px system-ui, sans-serif; fill: var(--muted); }
svg.chart .grid { stroke: #eceef3; }
svg.chart .axis { stroke: #9a9aa6; }
.events { max-height: 320px; overflow: auto; }
.events td.level-warn { color: var(--warn); }
.events td.level-error { color: var(--bad); }

/* API reference */
.docs { display: grid; grid-template-columns: 250px 1fr; gap: 20px; }
.docs nav.toc { position: sticky; top: 12px; align-self: start; max-height: calc(100vh - 24px); overflow: auto; font-size: 12.5px; }
.docs nav.toc h3 { font-size: 11.5px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); margin: 14px 0 4px; }
.docs nav.toc a { display: block; padding: 2px 0 2px 1.2em; text-indent: -1.2em; color: var(--ink); text-decoration: none; overflow-wrap: anywhere; }
.method { display: inline-block; min-width: 52px; text-align: center; font: 700 11px/1.7 var(--mono); border-radius: 4px; color: #fff; margin-right: 6px; }
.method.get { background: #2f9e44; } .method.post { background: #3b5bdb; } .method.put { background: #e67700; } .method.delete { background: #c92a2a; } .method.patch { background: #862e9c; }
.op h3 { font: 600 14px/1.4 var(--mono); margin: 0 0 4px; }
.op .summary { margin: 0 0 8px; }
.schema { font-family: var(--mono); font-size: 12px; margin: 4px 0 4px 0; }
.schema .prop { padding: 1px 0; }
.schema .name { font-weight: 600; }
.schema .type { color: #5c7cfa; }
.schema .req { color: var(--bad); font-size: 10.5px; }
.schema .desc { color: var(--muted); font-family: system-ui, sans-serif; }
.schema .nested { margin-left: 16px; border-left: 1px solid var(--line); padding-left: 8px; }
pre.block { background: #f6f7fb; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow: auto; max-height: 360px; margin: 4px 0 8px; }
.resp-code { font-family: var(--mono); font-weight: 700; }
.resp-code.ok { color: var(--good); } .resp-code.err { color: var(--bad); }
.try { border-top: 1px dashed var(--line); margin-top: 10px; padding-top: 10px; }
`;
