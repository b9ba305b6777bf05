// The console requests of the System view and the exports: `system:graph` (the graph now), `system:architecture`
// (Structurizr DSL + Mermaid) and `report:export` (the lab report written into the app's data folder, with progress
// pushed as `report:progress`). The console core hands in getters over its parts (create-console.ts); this module only
// reads them. It also keeps the session's log of broken modes tried and of the checks that finished meanwhile.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../services/shared/app-error.js';
import type {
  CheckInfo,
  CheckResult,
  ComponentHealth,
  EntityTimeline,
  LabManifest,
  ParsedRequestOf,
  ResponseOf,
  ServiceInstance,
  TimelineSummary,
} from '../contract/console-api.js';
import type { ReportProgress, SystemGraph } from '../contract/system.js';
import { architectureModel, toMermaid, toStructurizr } from '../export/architecture.js';
import { containerViewSvg } from '../export/diagram-svg.js';
import { renderReport, type BrokenModeTried } from '../export/report.js';
import { buildSystemGraph, type SystemInput } from './system-graph.js';

/** What the console lends: each getter reads its part as it is now. */
export interface SystemSource {
  /** everything the graph is built from but the time */
  graphInput(): Omit<SystemInput, 'at'>;
  timeline: {
    get(entity: string): EntityTimeline | null;
    recent(limit: number): TimelineSummary[];
    flagged(limit: number): TimelineSummary[];
    readonly size: number;
    readonly cap: number;
  };
  checks(): CheckInfo[];
  health(): Promise<ComponentHealth[]>;
  versions(): Record<string, string>;
  console(): { version: string; mode: string; provider: string | null };
  /** the folder reports are written into (the app's data folder) */
  reportsDir: string;
  progress(p: ReportProgress): void;
  now?: () => number;
}

/** The session's log: which broken modes instances ran in, and the checks that finished while each ran. */
export interface SessionLog {
  onState(instance: ServiceInstance): void;
  onCheck(result: CheckResult): void;
  brokenModes(lab: string): BrokenModeTried[];
  /** when the log began (the console's start) */
  readonly since: number;
  reset(): void;
}

export function createSessionLog(now: () => number = Date.now): SessionLog {
  let since = now();
  const tried: (BrokenModeTried & { lab: string })[] = [];
  const open = new Map<string, BrokenModeTried & { lab: string }>();
  return {
    get since() {
      return since;
    },
    onState(i) {
      const running = i.state === 'running' || i.state === 'starting';
      const had = open.get(i.instance);
      if (had !== undefined && (!running || i.brokenMode !== had.mode)) {
        had.endedAt = now();
        open.delete(i.instance);
      }
      if (running && i.brokenMode !== null && !open.has(i.instance)) {
        const t = {
          lab: i.lab,
          instance: i.instance,
          mode: i.brokenMode,
          startedAt: now(),
          endedAt: null,
          results: [],
        };
        tried.push(t);
        open.set(i.instance, t);
      }
    },
    onCheck(r) {
      for (const t of tried) {
        const during = r.finishedAt >= t.startedAt && (t.endedAt === null || r.startedAt <= t.endedAt);
        if (t.lab === r.lab && during) t.results.push({ check: r.check, status: r.status, summary: r.summary });
      }
    },
    brokenModes: (lab) =>
      tried.filter((t) => t.lab === lab).map(({ lab: _lab, ...t }) => ({ ...t, results: [...t.results] })),
    reset() {
      tried.length = 0;
      open.clear();
      since = now();
    },
  };
}

/** How many timelines a report takes when none are chosen: the flagged ones first, then the most recent. */
export const DEFAULT_REPORT_TIMELINES = 5;

export function createSystemHandlers(source: SystemSource, session: SessionLog) {
  const now = source.now ?? Date.now;
  const graph = (): SystemGraph => buildSystemGraph({ ...source.graphInput(), at: now() });
  const manifest = (): LabManifest => source.graphInput().manifest;

  /** the entity of the dynamic view: the one asked for, else the most recent with the most steps of a few */
  const pathEntity = (entity: string | undefined): EntityTimeline | null => {
    if (entity !== undefined) {
      const m = manifest();
      if (!new RegExp(m.entity.idPattern).test(entity))
        throw new AppError('INVALID_INPUT', `entity: ${m.entity.noun} ids look like ${m.entity.idExample}`, {
          field: 'entity',
        });
      const t = source.timeline.get(entity);
      if (t === null)
        throw new AppError('NOT_FOUND', `entity: the console has no timeline of ${m.entity.noun} ${entity}`, {
          field: 'entity',
        });
      return t;
    }
    let best: EntityTimeline | null = null;
    for (const s of source.timeline.recent(20)) {
      const t = source.timeline.get(s.entity);
      if (t !== null && (best === null || t.steps.length > best.steps.length)) best = t;
    }
    return best;
  };

  const architecture = (entity: string | undefined) => {
    const m = manifest();
    const model = architectureModel(m, graph(), pathEntity(entity));
    return {
      model,
      architecture: {
        lab: m.id,
        structurizr: toStructurizr(model),
        mermaid: toMermaid(model),
        entity: model.entity?.id ?? null,
      },
    };
  };

  /** a synchronous answer as a promise: what it throws becomes the rejection */
  const answer = <T>(f: () => T): Promise<T> => new Promise((resolve) => resolve(f()));

  const handlers = {
    'system:graph': (_req: ParsedRequestOf<'system:graph'>): Promise<ResponseOf<'system:graph'>> => answer(graph),
    'system:architecture': (req: ParsedRequestOf<'system:architecture'>): Promise<ResponseOf<'system:architecture'>> =>
      answer(() => architecture(req.entity).architecture),
    'report:export': async (req: ParsedRequestOf<'report:export'>): Promise<ResponseOf<'report:export'>> => {
      const started = now();
      const runId = randomUUID();
      const say = (step: string, fraction: number, done = false) => source.progress({ runId, step, fraction, done });
      const m = manifest();
      say('reading the system and the checks', 0.05);
      const g = graph();
      const checks = source.checks();
      const health = await source.health();
      say('choosing timelines', 0.2);
      const ids =
        req.entities ??
        [
          ...new Set([
            ...source.timeline.flagged(DEFAULT_REPORT_TIMELINES).map((s) => s.entity),
            ...source.timeline.recent(DEFAULT_REPORT_TIMELINES).map((s) => s.entity),
          ]),
        ].slice(0, DEFAULT_REPORT_TIMELINES);
      const pattern = new RegExp(m.entity.idPattern);
      const bad = ids.find((id) => !pattern.test(id));
      if (bad !== undefined)
        throw new AppError(
          'INVALID_INPUT',
          `entities: ${bad} is not a ${m.entity.noun} id (like ${m.entity.idExample})`,
          {
            field: 'entities',
          },
        );
      const timelines: EntityTimeline[] = [];
      for (const [i, id] of ids.entries()) {
        const t = source.timeline.get(id);
        if (t !== null) timelines.push(t);
        say(`timelines ${i + 1}/${ids.length}`, 0.2 + (0.3 * (i + 1)) / Math.max(1, ids.length));
      }
      say('drawing the architecture', 0.55);
      const model = architectureModel(m, g, timelines[0] ?? pathEntity(undefined));
      const arch = {
        lab: m.id,
        structurizr: toStructurizr(model),
        mermaid: toMermaid(model),
        entity: model.entity?.id ?? null,
      };
      const svg = await containerViewSvg(model);
      say('writing HTML and Markdown', 0.8);
      const at = now();
      const firstFact = Math.min(...timelines.map((t) => t.firstAt), session.since);
      const report = renderReport({
        manifest: m,
        at,
        console: source.console(),
        health,
        versions: source.versions(),
        graph: g,
        architecture: arch,
        svg,
        checks,
        brokenModes: session.brokenModes(m.id),
        timelines,
        entities: { size: source.timeline.size, cap: source.timeline.cap },
        range: { from: Math.min(firstFact, at), to: at },
      });
      await mkdir(source.reportsDir, { recursive: true });
      const stamp = new Date(at).toISOString().replace(/[:.]/g, '-');
      const base = path.join(source.reportsDir, `${m.id}-report-${stamp}`);
      await writeFile(`${base}.html`, report.html);
      await writeFile(`${base}.md`, report.markdown);
      say('written', 1, true);
      return {
        runId,
        html: `${base}.html`,
        markdown: `${base}.md`,
        bytes: Buffer.byteLength(report.html) + Buffer.byteLength(report.markdown),
        millis: now() - started,
      };
    },
  };
  return handlers;
}
