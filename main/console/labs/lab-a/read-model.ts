// Lab A's read model, judged and shown: MongoDB against Redis per presentation (the newest document against the
// write-through copy, differences named field by field), the consistency windows of the projected facts (a bounded
// buffer the line parser fills: p50/p99/max and a histogram), and Replay: the projector stopped, its group reset to the
// earliest offset, the read model rebuilt and its digest compared before and after.
import type { Kafka } from 'kafkajs';
import type { MongoClient } from 'mongodb';
import type { ServiceInstance } from '../../contract/console-api.js';
import { behind, endOffsets, plural, readMongo, until, type MongoSide, type ReadDoc } from './checks/support.js';

// --- MongoDB against Redis

export type DiffKind = 'only-redis' | 'only-mongo' | 'redis-newer' | 'mongo-newer' | 'fields' | 'unreadable';

export interface ReadModelRow {
  id: string;
  mongo: ReadDoc | null;
  /** how many documents MongoDB holds for it (a correct projector keeps one) */
  mongoDocs: number;
  redis: ReadDoc | string | null;
  same: boolean;
  kind: DiffKind | null;
  /** the fields whose values differ (versions aside) */
  fields: string[];
  detail: string;
}

const FIELDS_IGNORED = new Set<string>();

export function compareRow(
  id: string,
  mongo: { docs: number; newest: ReadDoc } | undefined,
  redis: ReadDoc | string | undefined,
): ReadModelRow {
  const base = { id, mongo: mongo?.newest ?? null, mongoDocs: mongo?.docs ?? 0, redis: redis ?? null };
  const row = (kind: DiffKind | null, detail: string, fields: string[] = []): ReadModelRow => ({
    ...base,
    same: kind === null,
    kind,
    fields,
    detail,
  });
  if (typeof redis === 'string') return row('unreadable', `the Redis copy is not JSON: ${redis.slice(0, 80)}`);
  if (mongo === undefined && redis !== undefined)
    return row('only-redis', `in Redis at version ${redis.version}, never projected into MongoDB`);
  if (mongo !== undefined && redis === undefined)
    return row('only-mongo', `in MongoDB at version ${mongo.newest.version}, no copy in Redis`);
  if (mongo === undefined || redis === undefined) return row(null, 'in neither');
  const m = mongo.newest;
  if (redis.version > m.version)
    return row('redis-newer', `Redis has version ${redis.version}, MongoDB ${m.version}: a change Kafka never had`);
  if (redis.version < m.version)
    return row('mongo-newer', `MongoDB has version ${m.version}, Redis ${redis.version}: the copy is stale`);
  const names = [...new Set([...Object.keys(m), ...Object.keys(redis)])].filter((k) => !FIELDS_IGNORED.has(k));
  const fields = names.filter((k) => JSON.stringify(m[k]) !== JSON.stringify(redis[k])).sort();
  if (fields.length > 0) return row('fields', `version ${m.version} differs in ${fields.join(', ')}`, fields);
  return row(null, `version ${m.version} in both`);
}

/** Every presentation in either store, the differences first. */
export function compareStores(mongo: MongoSide, redis: Map<string, ReadDoc | string>): ReadModelRow[] {
  const ids = new Set([...mongo.byId.keys(), ...redis.keys()]);
  const rows = [...ids].map((id) => compareRow(id, mongo.byId.get(id), redis.get(id)));
  return rows.sort((a, b) => Number(a.same) - Number(b.same) || a.id.localeCompare(b.id));
}

// --- consistency windows

export interface WindowStats {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  /** bucket upper bounds (ms) and how many windows fell in each (the last bucket: above the last bound) */
  buckets: { le: number | null; count: number }[];
}

export const WINDOW_BUCKETS_MS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function windowStats(windows: readonly number[]): WindowStats {
  const sorted = [...windows].sort((a, b) => a - b);
  const buckets = [...WINDOW_BUCKETS_MS, null].map((le) => ({ le, count: 0 }));
  for (const w of sorted) {
    const i = WINDOW_BUCKETS_MS.findIndex((le) => w <= le);
    buckets[i === -1 ? buckets.length - 1 : i]!.count++;
  }
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.length === 0 ? null : sorted[sorted.length - 1]!,
    buckets,
  };
}

/** The newest `cap` windows (ms), oldest dropped first. */
export function createWindowBuffer(cap = 10_000) {
  const ring: number[] = [];
  let next = 0;
  return {
    add(ms: number) {
      if (ring.length < cap) ring.push(ms);
      else ring[next] = ms;
      next = (next + 1) % cap;
    },
    values: (): readonly number[] => ring,
    clear() {
      ring.length = 0;
      next = 0;
    },
  };
}

// --- replay

export interface ReplayResult {
  before: { count: number; digest: string };
  after: { count: number; digest: string };
  same: boolean;
  /** records read again (the topic's end offsets summed) */
  replayed: number;
  ms: number;
  /** the projector instances stopped and started again */
  instances: string[];
  /** presentations whose documents changed, the first of them */
  changed: { id: string; before: string; after: string }[];
  changedCount: number;
  summary: string;
}

export interface ReplayDeps {
  kafka: Kafka;
  services: {
    list(): ServiceInstance[];
    stop(instance: string): Promise<ServiceInstance>;
    start(instance: string, brokenMode?: string | null): Promise<ServiceInstance>;
  };
  mongo: MongoClient;
  db: string;
  topic: string;
  group: string;
  projectorKind: string;
  deadline: number;
  signal: AbortSignal;
  progress?: (message: string) => void;
}

const docsText = (e: { docs: number; versions: number[] } | undefined) =>
  e === undefined ? 'no document' : `${plural(e.docs, 'document')} (version ${e.versions.join(', ')})`;

/** Waits until the group committed every record up to `ends`; the partitions still behind when the time is up. */
async function caughtUp(d: ReplayDeps, ends: Map<number, number>, timeoutMs: number) {
  let last: Awaited<ReturnType<typeof behind>> = [];
  const ok = await until(
    d,
    async () => {
      last = await behind(d.kafka, d.group, d.topic, ends);
      return last.length === 0 ? true : undefined;
    },
    timeoutMs,
    250,
  );
  return ok === true ? [] : last;
}

export async function replay(d: ReplayDeps): Promise<ReplayResult> {
  const started = Date.now();
  const say = d.progress ?? (() => undefined);
  const running = d.services
    .list()
    .filter((i) => i.kind === d.projectorKind && (i.state === 'running' || i.state === 'starting'));
  if (running.length === 0) throw new ReplayRefused(`no ${d.projectorKind} instance runs: start one first`);
  say('waiting until the projector has handled every record');
  const settled = await caughtUp(d, await endOffsets(d.kafka, d.topic), 20_000);
  if (settled.length > 0)
    throw new ReplayRefused(
      `the projector is behind (${settled.map((p) => `p${p.partition} ${p.committed}/${p.end}`).join(', ')}): replay once it is quiet`,
    );
  const before = await readMongo(d.mongo, d.db);
  say(`stopping ${running.map((i) => i.instance).join(', ')}`);
  for (const i of running) await d.services.stop(i.instance);
  const admin = d.kafka.admin();
  await admin.connect();
  try {
    say(`resetting ${d.group} to the earliest offsets`);
    const reset = await until(
      d,
      () => admin.resetOffsets({ groupId: d.group, topic: d.topic, earliest: true }).then(() => true),
      15_000,
      300,
    );
    if (reset !== true) throw new Error(`could not reset ${d.group}: it still has members`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const ends = await endOffsets(d.kafka, d.topic);
  const replayed = [...ends.values()].reduce((a, b) => a + b, 0);
  say(`rebuilding: ${replayed} record(s) read again`);
  for (const i of running) await d.services.start(i.instance, i.brokenMode ?? null);
  const left = await caughtUp(d, ends, Math.max(1000, d.deadline - Date.now() - 3000));
  if (left.length > 0)
    throw new Error(
      `the rebuild did not finish: ${left.map((p) => `p${p.partition} ${p.committed}/${p.end}`).join(', ')}`,
    );
  const after = await readMongo(d.mongo, d.db);
  const changed: ReplayResult['changed'] = [];
  let changedCount = 0;
  for (const id of new Set([...before.byId.keys(), ...after.byId.keys()])) {
    const b = before.byId.get(id);
    const a = after.byId.get(id);
    if (b?.hash === a?.hash) continue;
    changedCount++;
    if (changed.length < 40) changed.push({ id, before: docsText(b), after: docsText(a) });
  }
  const same = before.digest === after.digest;
  const summary = same
    ? `replayed ${replayed} record(s): ${plural(after.count, 'document')}, digest ${after.digest.slice(0, 12)} before and after`
    : `replayed ${replayed} record(s): ${before.count} → ${after.count} document(s), digest ${before.digest.slice(0, 12)} → ${after.digest.slice(0, 12)}; ${plural(changedCount, 'presentation')} changed`;
  return {
    before: { count: before.count, digest: before.digest },
    after: { count: after.count, digest: after.digest },
    same,
    replayed,
    ms: Date.now() - started,
    instances: running.map((i) => i.instance),
    changed,
    changedCount,
    summary,
  };
}

/** Replay could not start (nothing to replay with, or not quiet): a SKIP for the check, INVALID_INPUT for the panel. */
export class ReplayRefused extends Error {}
