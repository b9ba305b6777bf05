// The lab report, pure: what a student attaches to the lab report their course asks for. One self-contained HTML file
// (inline CSS and SVG, no script, no external reference: it opens offline) and a Markdown file with the same content
// and the Mermaid source: the lab and its seed, the stack and versions, the architecture diagram (with its Structurizr
// DSL and Mermaid), every check's last result with its evidence, the broken modes tried and what they broke, the
// chosen timelines, the time range. Knows no lab: every name comes from the manifest and the console's state.
import type { CheckInfo, ComponentHealth, EntityTimeline, LabManifest, TimelineFact } from '../contract/console-api.js';
import type { Architecture, SystemGraph } from '../contract/system.js';

/** A broken mode an instance ran in during the session, and the checks that ran meanwhile. */
export interface BrokenModeTried {
  instance: string;
  mode: string;
  startedAt: number;
  /** when the instance left that mode (stopped, restarted correct), null: it still runs in it */
  endedAt: number | null;
  /** the checks that finished while it ran, with their status */
  results: { check: string; status: string; summary: string }[];
}

export interface ReportInput {
  manifest: LabManifest;
  at: number;
  /** the console: its version, mode and stack provider */
  console: { version: string; mode: string; provider: string | null };
  health: readonly ComponentHealth[];
  versions: Record<string, string>;
  graph: SystemGraph;
  architecture: Architecture;
  /** the container view, drawn (containerViewSvg) */
  svg: string;
  checks: readonly CheckInfo[];
  brokenModes: readonly BrokenModeTried[];
  timelines: readonly EntityTimeline[];
  /** the entity store's size and cap */
  entities: { size: number; cap: number };
  range: { from: number; to: number };
}

export interface Report {
  html: string;
  markdown: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** A Markdown table cell: no pipes or line breaks. */
const md = (s: string) => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
const iso = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
const duration = (ms: number) =>
  ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`;

function whereText(f: TimelineFact): string {
  const w = f.where;
  if (w === null) return '';
  if (w.kind === 'record') return `${w.topic} p${w.partition}@${w.offset}`;
  if (w.kind === 'amqp')
    return `${w.exchange === '' ? '(default)' : w.exchange} → ${w.queue ?? w.routingKey}${w.redelivered === true ? ' (redelivered)' : ''}`;
  if (w.kind === 'row') return `${w.table} #${w.id}`;
  return `${w.collection} v${w.version}`;
}

const countsText = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

const STATUS_TONE: Record<string, string> = { PASS: 'ok', FAIL: 'bad', ERROR: 'bad', SKIP: 'idle' };

/** What the report says about the checks, in the manifest's order: every check, run or not. */
function checkRows(input: ReportInput) {
  const byId = new Map(input.checks.map((c) => [c.id, c]));
  return input.manifest.checks.map((m) => ({ manifest: m, info: byId.get(m.id) ?? null }));
}

function brokenModeLabel(input: ReportInput, id: string) {
  const m = input.manifest.brokenModes.find((b) => b.id === id);
  return m === undefined ? { label: id, bug: '', breaks: [] as string[] } : m;
}

export function renderMarkdown(input: ReportInput): string {
  const { manifest: m } = input;
  const out: string[] = [];
  const p = (s = '') => out.push(s);
  p(`# ${m.title}: lab report`);
  p();
  p(`${m.summary}. Seed ${m.seed}. Exported by Eventscope ${input.console.version} on ${iso(input.at)}.`);
  p();
  p(`Time range: ${iso(input.range.from)} – ${iso(input.range.to)} (${duration(input.range.to - input.range.from)}).`);
  p();
  p('## Stack and versions');
  p();
  p(`Provider: ${input.console.provider ?? 'none'} (${input.console.mode} mode).`);
  p();
  p('| component | state | endpoint | detail |');
  p('|---|---|---|---|');
  for (const h of input.health) p(`| ${h.name} | ${h.state} | ${md(h.endpoint)} | ${md(h.detail)} |`);
  p();
  for (const [k, v] of Object.entries(input.versions)) p(`- ${k}: ${v}`);
  p();
  p('## Architecture');
  p();
  p('System context:');
  p();
  p('```mermaid');
  out.push(input.architecture.mermaid.context.trimEnd());
  p('```');
  p();
  p('Containers:');
  p();
  p('```mermaid');
  out.push(input.architecture.mermaid.container.trimEnd());
  p('```');
  p();
  if (input.architecture.mermaid.dynamic !== null) {
    p(`The path of ${m.entity.noun} ${input.architecture.entity ?? ''}:`);
    p();
    p('```mermaid');
    out.push(input.architecture.mermaid.dynamic.trimEnd());
    p('```');
    p();
  }
  p('<details><summary>Structurizr DSL</summary>');
  p();
  p('```');
  out.push(input.architecture.structurizr.trimEnd());
  p('```');
  p();
  p('</details>');
  p();
  p('## Checks');
  p();
  p('| check | invariant | status | summary | counts |');
  p('|---|---|---|---|---|');
  const rows = checkRows(input);
  for (const { manifest: c, info } of rows) {
    const last = info?.last ?? null;
    p(
      `| ${md(c.title)} (\`${c.id}\`) | ${md(c.invariant)} | ${last?.status ?? 'not run'} | ${md(last?.summary ?? '')} | ${md(last === null ? '' : countsText(last.counts))} |`,
    );
  }
  p();
  for (const { manifest: c, info } of rows) {
    const last = info?.last ?? null;
    if (last === null || last.evidence.length === 0) continue;
    p(`### ${c.title}: ${last.status}, evidence`);
    p();
    p(`Ran ${iso(last.startedAt)}, ${duration(last.finishedAt - last.startedAt)}.`);
    p();
    for (const e of last.evidence) p(`- ${e.source} \`${md(e.ref)}\`: ${md(e.detail)}`);
    p();
  }
  p('## Broken modes tried');
  p();
  if (input.brokenModes.length === 0) p('None in this session.');
  else {
    p('| mode | instance | bug | from – to | checks it must break | what the checks said |');
    p('|---|---|---|---|---|---|');
    for (const b of input.brokenModes) {
      const def = brokenModeLabel(input, b.mode);
      const said = b.results.map((r) => `${r.check} ${r.status}`).join(', ') || 'no check ran';
      p(
        `| ${md(def.label)} (\`${b.mode}\`) | ${b.instance} | ${md(def.bug)} | ${iso(b.startedAt)} – ${b.endedAt === null ? 'still running' : iso(b.endedAt)} | ${def.breaks.join(', ')} | ${md(said)} |`,
      );
    }
  }
  p();
  p('## Timelines');
  p();
  p(`The console followed ${input.entities.size} ${m.entity.noun}s (it keeps the newest ${input.entities.cap}).`);
  p();
  for (const t of input.timelines) {
    p(`### ${m.entity.noun} ${t.entity}`);
    p();
    p(`Statuses: ${t.statuses.join(' → ') || '(none)'}${t.flags.length > 0 ? `. Flags: ${t.flags.join(', ')}` : ''}.`);
    for (const r of t.flagReasons) p(`- ${r.flag}: ${md(r.reason)}`);
    p();
    p('| at | step | status | by | where | latency |');
    p('|---|---|---|---|---|---|');
    for (const f of t.steps)
      p(
        `| ${iso(f.at)} | ${f.step} | ${f.status ?? ''} | ${f.actor ?? ''} | ${md(whereText(f))} | ${f.latencyMs === null ? '' : `${f.latencyMs} ms`} |`,
      );
    p();
  }
  p('## The system at export');
  p();
  p('| kind | name | state | figures |');
  p('|---|---|---|---|');
  for (const n of input.graph.nodes)
    p(
      `| ${n.kind} | ${md(n.name)} | ${md([n.sub ?? '', ...n.marks].filter((x) => x !== '').join(', '))} | ${md(n.figures.map((f) => `${f.label} ${f.value}`).join(', '))} |`,
    );
  p();
  return `${out.join('\n')}\n`;
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
main { max-width: 1100px; margin: 0 auto; padding: 28px 32px 60px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 10px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #57606a; margin: 0 0 4px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: 10px; overflow: auto; max-height: 420px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; color: #fff; white-space: nowrap; }
.ok { background: #1a7f37; } .bad { background: #cf222e; } .idle { background: #6e7781; } .warn { background: #9a6700; }
.diagram { overflow: auto; border: 1px solid #d0d7de; padding: 8px; background: #fff; }
.summary { display: flex; gap: 10px; flex-wrap: wrap; margin: 12px 0; }
.summary div { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 12px; }
.summary b { font-size: 18px; display: block; }
ul.evidence { margin: 4px 0 10px; padding-left: 20px; font-size: 13px; }
@media print { body { background: #fff; } main { padding: 0; } pre { max-height: none; } }
`;

export function renderHtml(input: ReportInput): string {
  const { manifest: m } = input;
  const rows = checkRows(input);
  const count = (s: string) => rows.filter((r) => r.info?.last?.status === s).length;
  const h: string[] = [];
  const p = (s: string) => h.push(s);
  p('<!doctype html>');
  p('<html lang="en"><head><meta charset="utf-8">');
  p('<meta name="viewport" content="width=device-width, initial-scale=1">');
  p(`<title>${esc(`${m.title}: lab report`)}</title>`);
  p(`<style>${CSS}</style></head><body><main>`);
  p(`<h1>${esc(m.title)}: lab report</h1>`);
  p(
    `<p class="meta">${esc(m.summary)} · seed ${esc(m.seed)} · exported by Eventscope ${esc(input.console.version)} on ${esc(iso(input.at))}</p>`,
  );
  p(
    `<p class="meta" data-testid="report-range">Time range: ${esc(iso(input.range.from))} – ${esc(iso(input.range.to))} (${esc(duration(input.range.to - input.range.from))})</p>`,
  );
  p('<div class="summary">');
  p(`<div><b>${count('PASS')}</b>PASS</div><div><b>${count('FAIL')}</b>FAIL</div>`);
  p(
    `<div><b>${count('SKIP') + count('ERROR')}</b>SKIP / ERROR</div><div><b>${rows.filter((r) => r.info?.last == null).length}</b>not run</div>`,
  );
  p(
    `<div><b>${input.brokenModes.length}</b>broken modes tried</div><div><b>${input.entities.size}</b>${esc(m.entity.noun)}s followed</div>`,
  );
  p('</div>');

  p('<h2>Architecture</h2>');
  p(`<div class="diagram">${input.svg}</div>`);
  p('<details><summary>Structurizr DSL</summary>');
  p(`<pre>${esc(input.architecture.structurizr)}</pre></details>`);
  p('<details><summary>Mermaid</summary>');
  p(
    `<pre>${esc(input.architecture.mermaid.context)}\n${esc(input.architecture.mermaid.container)}${input.architecture.mermaid.dynamic === null ? '' : `\n${esc(input.architecture.mermaid.dynamic)}`}</pre></details>`,
  );

  p('<h2>Checks</h2>');
  p(
    '<table><thead><tr><th>check</th><th>invariant</th><th>status</th><th>summary</th><th>counts</th></tr></thead><tbody>',
  );
  for (const { manifest: c, info } of rows) {
    const last = info?.last ?? null;
    const badge =
      last === null
        ? '<span class="badge idle">not run</span>'
        : `<span class="badge ${STATUS_TONE[last.status] ?? 'idle'}">${last.status}</span>`;
    p(
      `<tr data-check="${esc(c.id)}"><td>${esc(c.title)}<br><code>${esc(c.id)}</code></td><td>${esc(c.invariant)}</td><td>${badge}</td><td>${esc(last?.summary ?? '')}</td><td>${esc(last === null ? '' : countsText(last.counts))}</td></tr>`,
    );
  }
  p('</tbody></table>');
  for (const { manifest: c, info } of rows) {
    const last = info?.last ?? null;
    if (last === null || last.evidence.length === 0) continue;
    p(`<h3>${esc(c.title)}: ${last.status}, evidence</h3>`);
    p(`<p class="meta">Ran ${esc(iso(last.startedAt))}, ${esc(duration(last.finishedAt - last.startedAt))}.</p>`);
    p('<ul class="evidence">');
    for (const e of last.evidence) p(`<li>${esc(e.source)} <code>${esc(e.ref)}</code>: ${esc(e.detail)}</li>`);
    p('</ul>');
  }

  p('<h2>Broken modes tried</h2>');
  if (input.brokenModes.length === 0) p('<p>None in this session.</p>');
  else {
    p(
      '<table><thead><tr><th>mode</th><th>instance</th><th>bug</th><th>from – to</th><th>checks it must break</th><th>what the checks said</th></tr></thead><tbody>',
    );
    for (const b of input.brokenModes) {
      const def = brokenModeLabel(input, b.mode);
      const said =
        b.results.length === 0
          ? 'no check ran'
          : b.results
              .map(
                (r) => `<span class="badge ${STATUS_TONE[r.status] ?? 'idle'}">${esc(r.status)}</span> ${esc(r.check)}`,
              )
              .join('<br>');
      p(
        `<tr><td>${esc(def.label)}<br><code>${esc(b.mode)}</code></td><td>${esc(b.instance)}</td><td>${esc(def.bug)}</td><td>${esc(iso(b.startedAt))} – ${b.endedAt === null ? 'still running' : esc(iso(b.endedAt))}</td><td>${esc(def.breaks.join(', '))}</td><td>${said}</td></tr>`,
      );
    }
    p('</tbody></table>');
  }

  p('<h2>Timelines</h2>');
  p(
    `<p>The console followed ${input.entities.size} ${esc(m.entity.noun)}s (it keeps the newest ${input.entities.cap}).</p>`,
  );
  for (const t of input.timelines) {
    p(`<h3>${esc(m.entity.noun)} ${esc(t.entity)}</h3>`);
    p(
      `<p>Statuses: ${esc(t.statuses.join(' → ') || '(none)')}${t.flags.length > 0 ? ` · flags: <b>${esc(t.flags.join(', '))}</b>` : ''}</p>`,
    );
    if (t.flagReasons.length > 0) {
      p('<ul class="evidence">');
      for (const r of t.flagReasons) p(`<li>${esc(r.flag)}: ${esc(r.reason)}</li>`);
      p('</ul>');
    }
    p(
      '<table><thead><tr><th>at</th><th>step</th><th>status</th><th>by</th><th>where</th><th>latency</th></tr></thead><tbody>',
    );
    for (const f of t.steps)
      p(
        `<tr><td>${esc(iso(f.at))}</td><td>${esc(f.step)}</td><td>${esc(f.status ?? '')}</td><td>${esc(f.actor ?? '')}</td><td>${esc(whereText(f))}</td><td>${f.latencyMs === null ? '' : `${f.latencyMs} ms`}</td></tr>`,
      );
    p('</tbody></table>');
  }

  p('<h2>Stack and versions</h2>');
  p(`<p>Provider: ${esc(input.console.provider ?? 'none')} (${esc(input.console.mode)} mode).</p>`);
  p('<table><thead><tr><th>component</th><th>state</th><th>endpoint</th><th>detail</th></tr></thead><tbody>');
  for (const x of input.health)
    p(
      `<tr><td>${esc(x.name)}</td><td>${esc(x.state)}</td><td><code>${esc(x.endpoint)}</code></td><td>${esc(x.detail)}</td></tr>`,
    );
  p('</tbody></table>');
  p(
    `<ul>${Object.entries(input.versions)
      .map(([k, v]) => `<li>${esc(k)}: ${esc(v)}</li>`)
      .join('')}</ul>`,
  );

  p('<h2>The system at export</h2>');
  p('<table><thead><tr><th>kind</th><th>name</th><th>state</th><th>figures</th></tr></thead><tbody>');
  for (const n of input.graph.nodes)
    p(
      `<tr><td>${esc(n.kind)}</td><td>${esc(n.name)}</td><td>${esc([n.sub ?? '', ...n.marks].filter((x) => x !== '').join(', '))}</td><td>${esc(n.figures.map((f) => `${f.label} ${f.value}`).join(', '))}</td></tr>`,
    );
  p('</tbody></table>');
  p('</main></body></html>');
  return `${h.join('\n')}\n`;
}

export function renderReport(input: ReportInput): Report {
  return { html: renderHtml(input), markdown: renderMarkdown(input) };
}
