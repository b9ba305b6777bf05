// Lab A's invariant 2 (LABS.md): per presentation, versions strictly increase in offset order. Judged on the topic's
// whole history, broker-side: every record is read from the beginning up to the log-end offsets at the start (a
// consumer of the check's own, a throwaway group), grouped by the envelope's aggregate_id (not the key, which a broken
// producer leaves out). A presentation fails when its events are not keyed by its id, are spread over partitions (their
// order is then lost), or when a version does not exceed the ones before it in its partition. The same event again (its
// event_id seen before: a replay, a retried send) is counted apart, not a violation: at least once allows it.
import { randomUUID } from 'node:crypto';
import type { Evidence } from '../../../contract/console-api.js';
import type { Check, CheckContext, CheckOutcome } from '../../types.js';

export const ORDER_CHECK_ID = 'per-entity-order';

export interface TopicRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
}

interface EventOf {
  id: string;
  version: number;
  eventId: string;
}

/** The envelope's fields this check reads, or undefined for a record that is not an event (poison, a fault's). */
function eventOf(value: string): EventOf | undefined {
  try {
    const v = JSON.parse(value) as { aggregate_id?: unknown; version?: unknown; event_id?: unknown };
    if (typeof v.aggregate_id !== 'string' || typeof v.version !== 'number') return undefined;
    return { id: v.aggregate_id, version: v.version, eventId: typeof v.event_id === 'string' ? v.event_id : '' };
  } catch {
    return undefined;
  }
}

/** The verdict on a topic's records (in any order). */
export function judgeOrder(topic: string, records: readonly TopicRecord[]): CheckOutcome {
  const sorted = [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  const ref = (r: TopicRecord) => `${topic} p${r.partition}@${r.offset}`;
  const evidence: Evidence[] = [];
  const add = (r: TopicRecord, entity: string, detail: string) => {
    if (evidence.length < 40)
      evidence.push({
        source: 'record',
        ref: ref(r),
        detail,
        entity,
        record: { topic, partition: r.partition, offset: String(r.offset) },
      });
  };
  const byId = new Map<string, { partitions: Set<number>; max: Map<number, number>; events: Set<string> }>();
  const bad = { unkeyed: new Set<string>(), spread: new Set<string>(), outOfOrder: new Set<string>() };
  let events = 0;
  let notEvents = 0;
  let duplicates = 0;
  for (const r of sorted) {
    const e = eventOf(r.value);
    if (e === undefined) {
      notEvents++;
      continue;
    }
    events++;
    let s = byId.get(e.id);
    if (s === undefined) {
      s = { partitions: new Set(), max: new Map(), events: new Set() };
      byId.set(e.id, s);
    }
    if (e.eventId !== '' && s.events.has(e.eventId)) {
      duplicates++;
      continue;
    }
    s.events.add(e.eventId);
    if (r.key !== e.id && !bad.unkeyed.has(e.id)) {
      bad.unkeyed.add(e.id);
      add(r, e.id, `version ${e.version} of ${e.id} has the key ${r.key === null ? 'null' : `"${r.key}"`}, not its id`);
    }
    s.partitions.add(r.partition);
    if (s.partitions.size === 2 && !bad.spread.has(e.id)) {
      bad.spread.add(e.id);
      add(r, e.id, `${e.id}'s events are on partitions ${[...s.partitions].join(' and ')}: their order is lost`);
    }
    const before = s.max.get(r.partition);
    if (before !== undefined && e.version <= before) {
      if (!bad.outOfOrder.has(e.id)) add(r, e.id, `version ${e.version} of ${e.id} after version ${before}`);
      bad.outOfOrder.add(e.id);
    } else s.max.set(r.partition, e.version);
  }
  const failing = new Set([...bad.unkeyed, ...bad.spread, ...bad.outOfOrder]);
  const counts = {
    presentations: byId.size,
    events,
    unkeyed: bad.unkeyed.size,
    spread: bad.spread.size,
    'out of order': bad.outOfOrder.size,
    duplicates,
    'not events': notEvents,
  };
  const extra = [
    duplicates > 0 ? `${duplicates} event(s) seen again (at least once, not counted)` : '',
    notEvents > 0 ? `${notEvents} record(s) that are not events left out` : '',
  ]
    .filter(Boolean)
    .join('; ');
  if (events === 0)
    return { status: 'SKIP', summary: `no presentation event on ${topic} yet: send a few commands`, counts };
  if (failing.size === 0)
    return {
      status: 'PASS',
      summary: `${byId.size} presentation(s), ${events} event(s): each keyed by its id, on one partition, versions strictly increasing${extra ? `; ${extra}` : ''}`,
      counts,
    };
  return {
    status: 'FAIL',
    summary: `${failing.size} of ${byId.size} presentation(s) out of order: ${bad.unkeyed.size} not keyed by their id, ${bad.spread.size} spread over partitions, ${bad.outOfOrder.size} with a version not above the one before`,
    counts,
    evidence,
  };
}

/** Every record of `topic` up to its log-end offsets now. */
export async function readTopic(ctx: CheckContext, topic: string, timeoutMs = 30_000): Promise<TopicRecord[]> {
  const admin = ctx.kafka().admin();
  await admin.connect();
  let ends: Map<number, number>;
  let starts: Map<number, number>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    starts = new Map(offsets.map((o) => [o.partition, Number(o.low)]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const wanted = [...ends].filter(([p, end]) => end > (starts.get(p) ?? 0));
  const records: TopicRecord[] = [];
  if (wanted.length === 0) return records;
  const groupId = `eventscope-check-${randomUUID()}`;
  const consumer = ctx.kafka().consumer({ groupId, maxWaitTimeInMs: 200, sessionTimeout: 10_000 });
  const seen = new Map<number, number>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: ({ batch }) => {
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          seen.set(batch.partition, offset);
          if (offset >= (ends.get(batch.partition) ?? 0)) continue;
          records.push({
            partition: batch.partition,
            offset,
            key: m.key?.toString('utf8') ?? null,
            value: m.value?.toString('utf8') ?? '',
          });
        }
        return Promise.resolve();
      },
    });
    const end = Math.min(Date.now() + timeoutMs, ctx.deadline - 1000);
    while (!wanted.every(([p, e]) => (seen.get(p) ?? -1) >= e - 1)) {
      ctx.signal.throwIfAborted();
      if (Date.now() > end) throw new Error(`could not read ${topic} up to its end offsets within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const a = ctx.kafka().admin();
    await a
      .connect()
      .then(() => a.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => a.disconnect().catch(() => undefined));
  }
  return records;
}

export function orderCheck(topic: string): Check {
  return {
    id: ORDER_CHECK_ID,
    timeoutMs: 60_000,
    async run(ctx) {
      ctx.progress(`reading ${topic} from the beginning`);
      return judgeOrder(topic, await readTopic(ctx, topic));
    },
  };
}
