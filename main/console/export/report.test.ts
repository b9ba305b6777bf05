import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckInfo, EntityTimeline, ServiceInstance, TimelineSummary } from '../contract/console-api.js';
import type { ReportProgress } from '../contract/system.js';
import { defaultLabs } from '../labs/registry.js';
import { timelineLabOf } from '../labs/timeline-lab.js';
import { createTimelineStore } from '../timeline/timeline-store.js';
import { createSessionLog, createSystemHandlers, type SystemSource } from '../system/system-requests.js';

const LAB_D_MODULE = defaultLabs({}).find((l) => l.manifest.id === 'lab-d')!;
const LAB_D = LAB_D_MODULE.manifest;
const dir = mkdtempSync(path.join(os.tmpdir(), 'eventscope-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 11, 2, 4, 0, 0);

const timelineOf = (id: string, flagged = false): EntityTimeline => ({
  lab: 'lab-d',
  entity: id,
  statuses: ['new', 'paid'],
  lastStatus: 'paid',
  firstAt: T0 + 1000,
  lastAt: T0 + 3000,
  partition: 0,
  actors: ['notifier-1'],
  flags: flagged ? ['out-of-order'] : [],
  flagReasons: flagged ? [{ flag: 'out-of-order', reason: 'paid came before awaiting payment' }] : [],
  steps: [
    {
      step: 'committed',
      status: 'new',
      at: T0 + 1000,
      actor: null,
      where: { kind: 'row', table: 'outbox', id: '1', sentAt: T0 + 1100 },
      latencyMs: null,
    },
    {
      step: 'published',
      status: 'new',
      at: T0 + 1100,
      actor: null,
      where: { kind: 'record', topic: 'loms.order-events', partition: 0, offset: '5' },
      latencyMs: 100,
    },
    {
      step: 'processed',
      status: 'paid',
      at: T0 + 3000,
      actor: 'notifier-1',
      where: { kind: 'record', topic: 'loms.order-events', partition: 0, offset: '6' },
      latencyMs: 2000,
    },
  ],
});
const summaryOf = (t: EntityTimeline): TimelineSummary => {
  const { steps: _s, flagReasons: _f, ...rest } = t;
  return rest;
};

const checkInfo = (id: string, status: 'PASS' | 'FAIL' | null): CheckInfo => {
  const c = LAB_D.checks.find((x) => x.id === id)!;
  return {
    id,
    title: c.title,
    invariant: c.invariant,
    active: c.active,
    additional: c.additional ?? false,
    running: false,
    last:
      status === null
        ? null
        : {
            lab: 'lab-d',
            check: id,
            runId: 'r1',
            status,
            summary: status === 'FAIL' ? '3 orders lost <b>between</b> commit and publish' : 'all good',
            counts: { lost: status === 'FAIL' ? 3 : 0, checked: 40 },
            evidence: [
              { source: 'record', ref: 'loms.order-events p1@73', detail: 'status cancelled before awaiting payment' },
            ],
            startedAt: T0 + 5000,
            finishedAt: T0 + 7000,
          },
  };
};

function source(entities: number, progress: ReportProgress[]): SystemSource {
  const flagged = timelineOf('7', true);
  const recent = [timelineOf('1042'), flagged];
  const [first, second] = LAB_D.checks;
  return {
    graphInput: () => ({
      manifest: LAB_D,
      instances: [],
      partitions: [],
      groups: [],
      rabbit: null,
      outboxes: [{ table: 'outbox', state: null }],
      readModels: null,
      links: [],
    }),
    timeline: {
      get: (id) => recent.find((t) => t.entity === id) ?? (/^\d+$/.test(id) ? timelineOf(id) : null),
      recent: (limit) => recent.map(summaryOf).slice(0, limit),
      flagged: (limit) => [summaryOf(flagged)].slice(0, limit),
      size: entities,
      cap: 100_000,
    },
    checks: () => [checkInfo(first!.id, 'FAIL'), checkInfo(second!.id, 'PASS')],
    health: () =>
      Promise.resolve([
        { name: 'kafka', state: 'healthy', endpoint: '127.0.0.1:9092', detail: 'KRaft, 1 node' },
        { name: 'postgres', state: 'healthy', endpoint: '127.0.0.1:5432', detail: 'reused' },
      ]),
    versions: () => ({ Eventscope: '0.1.0', 'Apache Kafka': '3.9.1' }),
    console: () => ({ version: '0.1.0', mode: 'web', provider: 'local' }),
    reportsDir: dir,
    progress: (p) => progress.push(p),
    now: () => T0 + 60_000,
  };
}

const instance = (patch: Partial<ServiceInstance>): ServiceInstance => ({
  instance: 'loms',
  lab: 'lab-d',
  kind: 'loms',
  state: 'running',
  pid: 1,
  startedAt: 1,
  exitedAt: null,
  exitCode: null,
  exitSignal: null,
  brokenMode: null,
  assignment: null,
  generationId: null,
  eventsProcessed: 0,
  errors: 0,
  port: null,
  ...patch,
});

describe('the lab report', () => {
  it(
    'writes one self-contained HTML file and a Markdown file with the lab, its checks, broken modes and timelines',
    { timeout: 30_000 },
    async () => {
      const progress: ReportProgress[] = [];
      let clock = T0;
      const session = createSessionLog(() => clock);
      const mode = LAB_D.brokenModes[0]!;
      clock = T0 + 4000;
      session.onState(instance({ instance: mode.services[0]!, kind: mode.services[0]!, brokenMode: mode.id }));
      session.onCheck(checkInfo(LAB_D.checks[0]!.id, 'FAIL').last!);
      clock = T0 + 8000;
      session.onState(
        instance({ instance: mode.services[0]!, kind: mode.services[0]!, state: 'stopped', brokenMode: mode.id }),
      );
      session.onCheck({ ...checkInfo(LAB_D.checks[1]!.id, 'PASS').last!, startedAt: T0 + 9000, finishedAt: T0 + 9500 });

      const handlers = createSystemHandlers(source(1234, progress), session);
      const out = await handlers['report:export']({});
      expect(path.dirname(out.html)).toBe(dir);
      expect(out.html).toMatch(/lab-d-report-.*\.html$/);
      const html = readFileSync(out.html, 'utf8');
      const mdText = readFileSync(out.markdown, 'utf8');
      expect(out.bytes).toBe(Buffer.byteLength(html) + Buffer.byteLength(mdText));

      // the lab and its seed, the stack and versions, the time range
      for (const text of [html, mdText]) {
        expect(text).toContain(LAB_D.title);
        expect(text).toContain(`seed ${LAB_D.seed}`);
        expect(text).toContain('Apache Kafka: 3.9.1');
        expect(text).toContain('2026-12-02 04:00:00 UTC – 2026-12-02 04:01:00 UTC (60.0 s)');
        expect(text).toContain('127.0.0.1:9092');
      }
      // every check of the manifest, the run ones with their status, summary and evidence
      for (const c of LAB_D.checks) expect(html).toContain(`data-check="${c.id}"`);
      expect(html).toContain('<span class="badge bad">FAIL</span>');
      expect(html).toContain('3 orders lost &lt;b&gt;between&lt;/b&gt; commit and publish');
      expect(html).toContain('<code>loms.order-events p1@73</code>: status cancelled before awaiting payment');
      expect(mdText).toContain('| FAIL | 3 orders lost <b>between</b> commit and publish | lost 3, checked 40 |');
      expect(mdText).toMatch(new RegExp(`${LAB_D.checks[2]!.id}\`\\) \\| .* \\| not run \\|`));
      // the broken mode tried, with what the checks said while it ran (not the one after it)
      expect(mdText).toContain(`| ${mode.label} (\`${mode.id}\`) | ${mode.services[0]} |`);
      expect(mdText).toContain(`${LAB_D.checks[0]!.id} FAIL |`);
      expect(mdText).not.toContain(`${LAB_D.checks[1]!.id} PASS |`);
      // chosen timelines: the flagged one first, with its reason
      expect(mdText.indexOf('### order 7')).toBeGreaterThan(0);
      expect(mdText.indexOf('### order 7')).toBeLessThan(mdText.indexOf('### order 1042'));
      expect(mdText).toContain('- out-of-order: paid came before awaiting payment');
      expect(html).toContain('<td>loms.order-events p0@6</td>');
      expect(html).toContain('The console followed 1234 orders');
      // the architecture: an inline SVG in the HTML, the Mermaid source in the Markdown, the DSL in both
      expect(html).toMatch(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*role="img"/);
      expect(html).toContain('>loms.order-events</text>');
      expect(mdText).toContain('```mermaid\nflowchart LR');
      expect(mdText).toContain('```mermaid\nsequenceDiagram');
      expect(html).toContain('workspace &quot;Lab D · LOMS&quot;');
      // self-contained: no script, no stylesheet or image from elsewhere
      expect(html).not.toMatch(/<script|<link|src=|url\(http|@import/i);
      expect(html.match(/https?:\/\/[^"\s<]+/g)?.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
      // progress while it was written, the last one done
      expect(progress.length).toBeGreaterThanOrEqual(4);
      expect(progress.map((p) => p.fraction)).toEqual([...progress.map((p) => p.fraction)].sort((a, b) => a - b));
      expect(progress.at(-1)).toMatchObject({ done: true, fraction: 1, runId: out.runId });
    },
  );

  it("takes the chosen timelines, refuses an id that is not the entity's, and is quick with a full store", async () => {
    const handlers = createSystemHandlers(source(100_000, []), createSessionLog());
    const t0 = performance.now();
    const out = await handlers['report:export']({ entities: ['555', '556'] });
    const ms = performance.now() - t0;
    const mdText = readFileSync(out.markdown, 'utf8');
    expect(mdText).toContain('### order 555');
    expect(mdText).toContain('### order 556');
    expect(mdText).not.toContain('### order 7');
    expect(mdText).toContain('None in this session.');
    expect(ms).toBeLessThan(5000);
    await expect(handlers['report:export']({ entities: ['not-an-order'] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'entities' },
    });
  });

  it('answers system:architecture for a chosen entity, and names the field of a bad one', async () => {
    const handlers = createSystemHandlers(source(2, []), createSessionLog());
    const a = await handlers['system:architecture']({ entity: '1042' });
    expect(a.entity).toBe('1042');
    expect(a.structurizr).toContain('dynamic lab "path"');
    await expect(handlers['system:architecture']({ entity: 'x' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'entity' },
    });
  });

  it(
    'writes the report of a lab with 100 000 entities in the entity store in under 5 s',
    { timeout: 60_000 },
    async () => {
      const store = createTimelineStore({ lab: timelineLabOf(LAB_D_MODULE), cap: 100_000 });
      const [first, second] = LAB_D.entity.statuses;
      for (let i = 1; i <= 100_000; i++) {
        const id = String(i);
        store.addFact({
          entity: id,
          step: 'committed',
          status: first!,
          at: T0 + i,
          actor: null,
          where: { kind: 'row', table: 'outbox', id, sentAt: T0 + i },
          latencyMs: null,
        });
        store.addPublished(id, first!, T0 + i + 1, 'loms.order-events', i % 2, i);
        store.addPublished(id, second!, T0 + i + 2, 'loms.order-events', i % 2, i + 1);
      }
      expect(store.size).toBe(100_000);
      const src = source(0, []);
      const handlers = createSystemHandlers(
        {
          ...src,
          timeline: {
            get: (id) => store.get(id),
            recent: (limit) => store.recent(undefined, limit),
            flagged: (limit) => store.flagged(undefined, limit).items,
            size: store.size,
            cap: store.cap,
          },
          now: Date.now,
        },
        createSessionLog(),
      );
      const t0 = performance.now();
      const out = await handlers['report:export']({});
      const ms = performance.now() - t0;
      console.log(`report for ${store.size} entities: ${ms.toFixed(0)} ms, ${out.bytes} bytes`);
      expect(readFileSync(out.markdown, 'utf8')).toContain('The console followed 100000 orders');
      expect(ms).toBeLessThan(5000);
      store.stop();
    },
  );
});
