// @vitest-environment jsdom
// The exported architecture, parsed by the official parsers: the Structurizr DSL by com.structurizr:structurizr-dsl
// (fetched by scripts/fetch-jars.sh, run with java through tools/structurizr/ParseDsl.java), the Mermaid by the
// `mermaid` package's own parser (mermaid.parse; jsdom because mermaid sanitises labels with DOMPurify).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mermaid from 'mermaid';
import { afterAll, describe, expect, it } from 'vitest';
import type { EntityTimeline } from '../contract/console-api.js';
import { defaultLabs } from '../labs/registry.js';
import { jarsDir, PROJECT_ROOT } from '../stack/paths.js';
import { buildSystemGraph } from '../system/system-graph.js';
import { architectureModel, exportArchitecture } from './architecture.js';

const run = promisify(execFile);
const fetchScript = readFileSync(path.join(PROJECT_ROOT, 'scripts/fetch-jars.sh'), 'utf8');
const VERSION = /STRUCTURIZR_DSL_VERSION:-([0-9.]+)/.exec(fetchScript)?.[1] ?? 'unknown';
const JARS = jarsDir(`structurizr-dsl-${VERSION}`);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'eventscope-dsl-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Parsed {
  ok: boolean;
  error?: string;
  people?: number;
  softwareSystems?: number;
  views?: string[];
  relationships?: string[];
}

/** Parses DSL texts with the official parser: one answer per text. */
async function parseDsl(texts: Record<string, string>): Promise<Record<string, Parsed>> {
  if (!existsSync(path.join(JARS, '.complete')))
    throw new Error(`the Structurizr DSL parser is not in ${JARS}: run npm run fetch-jars`);
  const files = Object.entries(texts).map(([name, text]) => {
    const f = path.join(tmp, `${name}.dsl`);
    writeFileSync(f, text);
    return [name, f] as const;
  });
  const out = await run(
    'java',
    ['-cp', `${JARS}/*`, path.join(PROJECT_ROOT, 'tools/structurizr/ParseDsl.java'), ...files.map((f) => f[1])],
    {
      timeout: 60_000,
    },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const lines = out.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Parsed & { file: string });
  return Object.fromEntries(files.map(([name, f]) => [name, lines.find((l) => l.file === f) ?? { ok: false }]));
}

const lab = (id: string) => {
  const m = defaultLabs({}).find((l) => l.manifest.id === id)?.manifest;
  if (m === undefined) throw new Error(id);
  return m;
};

const LAB_D = lab('lab-d');
const graphD = buildSystemGraph({
  manifest: LAB_D,
  instances: [],
  partitions: [],
  groups: [
    {
      groupId: 'someone-elses',
      state: 'Stable',
      protocol: 'x',
      members: [
        { memberId: 'm', clientId: 'student "app"', clientHost: '/10.0.0.2', assignment: { 'loms.order-events': [0] } },
      ],
      partitions: [],
      totalLag: 0,
    },
  ],
  rabbit: null,
  outboxes: [{ table: 'outbox', state: null }],
  readModels: null,
  links: [],
  at: 1,
});
const order: EntityTimeline = {
  lab: 'lab-d',
  entity: '1042',
  statuses: ['new', 'awaiting payment'],
  lastStatus: 'awaiting payment',
  firstAt: 1,
  lastAt: 9,
  partition: 1,
  actors: ['notifier-2'],
  flags: [],
  flagReasons: [],
  steps: [
    {
      step: 'committed',
      status: 'new',
      at: 1,
      actor: null,
      where: { kind: 'row', table: 'outbox', id: '7', sentAt: 2 },
      latencyMs: null,
    },
    {
      step: 'published',
      status: 'new',
      at: 2,
      actor: null,
      where: { kind: 'record', topic: 'loms.order-events', partition: 1, offset: '73' },
      latencyMs: 1,
    },
    {
      step: 'processed',
      status: 'new',
      at: 3,
      actor: 'notifier-2',
      where: { kind: 'record', topic: 'loms.order-events', partition: 1, offset: '73' },
      latencyMs: 2,
    },
    {
      step: 'committed',
      status: 'awaiting payment',
      at: 4,
      actor: null,
      where: { kind: 'row', table: 'outbox', id: '8', sentAt: 5 },
      latencyMs: null,
    },
    {
      step: 'published',
      status: 'awaiting payment',
      at: 5,
      actor: null,
      where: { kind: 'record', topic: 'loms.order-events', partition: 1, offset: '74' },
      latencyMs: 4,
    },
    {
      step: 'processed',
      status: 'awaiting payment',
      at: 9,
      actor: 'notifier-2',
      where: { kind: 'record', topic: 'loms.order-events', partition: 1, offset: '74' },
      latencyMs: 8,
    },
  ],
};

describe('the architecture exporter', () => {
  it('folds the graph into containers: services, brokers, databases, topics; a foreign client as it is', () => {
    const m = architectureModel(LAB_D, graphD, order);
    const names = m.containers.map((c) => `${c.tag}:${c.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'Service:loms',
        'Service:notifier',
        'Broker:Kafka',
        'Database:Postgres',
        'Topic:loms.order-events',
        'Unexpected:student "app"',
      ]),
    );
    const rel = (from: string, to: string) => {
      const a = m.containers.find((c) => c.name === from)?.id;
      const b = m.containers.find((c) => c.name === to)?.id;
      return m.relationships.find((r) => r.from === a && r.to === b)?.description;
    };
    expect(rel('loms', 'Postgres')).toContain('writes outbox');
    expect(rel('loms', 'loms.order-events')).toContain('produces to');
    expect(rel('loms.order-events', 'notifier')).toBe('delivers to group notifier');
    expect(rel('loms.order-events', 'student "app"')).toBe('delivers to group someone-elses');
    // the dynamic path: commit, publish, process, twice
    expect(m.entity).toEqual({ noun: 'order', id: '1042' });
    expect(m.steps.map((s) => s.description)).toEqual([
      'committed in Postgres (outbox row): new',
      'published to Kafka: new at p1@73',
      'processed by a notifier: new at p1@73',
      'committed in Postgres (outbox row): awaiting payment',
      'published to Kafka: awaiting payment at p1@74',
      'processed by a notifier: awaiting payment at p1@74',
    ]);
  });

  it('writes Structurizr DSL that the official parser reads: context, container and dynamic views', async () => {
    const withPath = exportArchitecture(LAB_D, graphD, order);
    const withoutPath = exportArchitecture(LAB_D, graphD, null);
    const others = Object.fromEntries(
      defaultLabs({}).map((l) => [
        l.manifest.id,
        exportArchitecture(
          l.manifest,
          buildSystemGraph({
            manifest: l.manifest,
            instances: [],
            partitions: [],
            groups: [],
            rabbit: null,
            outboxes: (l.outboxes ?? []).map((o) => ({ table: o.table, state: null })),
            readModels: null,
            links: [],
            at: 1,
          }),
          null,
        ).structurizr,
      ]),
    );
    const parsed = await parseDsl({
      path: withPath.structurizr,
      plain: withoutPath.structurizr,
      broken: withPath.structurizr.replace('student -> lab', 'student -> nobody'),
      ...others,
    });
    expect(parsed.path).toMatchObject({ ok: true, people: 1, softwareSystems: 1 });
    expect(parsed.path?.views).toEqual(
      expect.arrayContaining(['SystemContextView:context', 'ContainerView:containers', 'DynamicView:path']),
    );
    expect(parsed.path?.relationships).toEqual(
      expect.arrayContaining(['loms -> loms.order-events', 'Student -> Lab D · LOMS']),
    );
    expect(parsed.plain?.views).toEqual(['SystemContextView:context', 'ContainerView:containers']);
    // the parser does refuse what is not DSL (so the PASSes above mean something)
    expect(parsed.broken?.ok).toBe(false);
    // every registered lab exports a workspace the parser reads
    for (const id of Object.keys(others)) expect(parsed[id], id).toMatchObject({ ok: true });
  }, 90_000);

  it("writes Mermaid that mermaid's parser reads", async () => {
    const a = exportArchitecture(LAB_D, graphD, order);
    expect(a.entity).toBe('1042');
    for (const text of [a.mermaid.context, a.mermaid.container, a.mermaid.dynamic ?? '']) {
      await expect(mermaid.parse(text)).resolves.toBeTruthy();
    }
    expect(a.mermaid.container).toContain('flowchart LR');
    expect(a.mermaid.dynamic).toContain('sequenceDiagram');
    await expect(mermaid.parse(a.mermaid.container.replace('-->|', '-->|"'))).rejects.toThrow();
  });
});
