// The message browser: a bounded search of one topic with a throwaway consumer (`eventscope-browse-<uuid>`, seeked to
// each partition's range, deleted afterwards), and producing one record. Every search reads at most BROWSE_SCAN_MAX
// records and says what it cost.
import { randomUUID } from 'node:crypto';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { AppError } from '../../../services/shared/app-error.js';
import {
  BROWSE_SCAN_MAX,
  BROWSE_VALUE_MAX,
  type BrowseCost,
  type BrowsedRecord,
  type BrowseQuery,
  type ProduceRequest,
} from '../contract/browse.js';
import { matcher, pick, rangesFor, type Candidate } from './browse-match.js';

export const BROWSE_GROUP_PREFIX = 'eventscope-browse-';

export interface MessageBrowserDeps {
  /** each search and each produce gets a client of its own: a long-lived client's metadata goes stale once a topic
   *  it had looked at is deleted (kafkajs then fails every refresh with UNKNOWN_TOPIC_OR_PARTITION) */
  kafka: Kafka;
  /** a search gives up (with what it has) after this long; default 15 s */
  deadlineMs?: number;
  scanMax?: number;
}

export interface MessageBrowser {
  browse(q: BrowseQuery): Promise<{ records: BrowsedRecord[]; cost: BrowseCost }>;
  produce(r: ProduceRequest): Promise<{ topic: string; partition: number; offset: string; timestamp: number }>;
  stop(): Promise<void>;
}

type Found = Candidate & { headers: Record<string, string> };

const headersOf = (h: Record<string, unknown> | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    const one: unknown = Array.isArray(v) ? (v as unknown[])[0] : v;
    out[k] = Buffer.isBuffer(one) ? one.toString('utf8') : typeof one === 'string' ? one : '';
  }
  return out;
};

const shown = (f: Found, topic: string): BrowsedRecord => ({
  topic,
  partition: f.partition,
  offset: String(f.offset),
  timestamp: f.timestamp,
  key: f.key === null ? null : f.key.toString('utf8'),
  value:
    f.value === null
      ? null
      : {
          base64: f.value.subarray(0, BROWSE_VALUE_MAX).toString('base64'),
          size: f.value.length,
          truncated: f.value.length > BROWSE_VALUE_MAX,
        },
  headers: f.headers,
});

async function partitionsOf(admin: Admin, topic: string): Promise<number[]> {
  const meta = await admin.fetchTopicMetadata({ topics: [topic] }).catch((err: unknown) => {
    throw new AppError('NOT_FOUND', `topic: no topic ${topic} on the cluster`, { field: 'topic' }, { cause: err });
  });
  return (meta.topics[0]?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
}

function checkPartition(topic: string, partitions: number[], partition: number | undefined) {
  if (partition !== undefined && !partitions.includes(partition))
    throw new AppError(
      'INVALID_INPUT',
      `partition: ${topic} has partitions 0–${partitions.length - 1}, not ${partition}`,
      { field: 'partition' },
    );
}

/** A topic deleted (or never there) while the cluster's metadata still named it: NOT_FOUND naming the field. */
function gone(topic: string) {
  return (err: unknown): never => {
    const type =
      (err as { type?: unknown; cause?: { type?: unknown } }).type ??
      (err as { cause?: { type?: unknown } }).cause?.type;
    if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || /does not host this topic-partition/.test(String(err)))
      throw new AppError(
        'NOT_FOUND',
        `topic: ${topic} is not on the cluster (deleted?)`,
        { field: 'topic' },
        { cause: err },
      );
    throw err;
  };
}

export function createMessageBrowser(deps: MessageBrowserDeps): MessageBrowser {
  const scanMax = deps.scanMax ?? BROWSE_SCAN_MAX;
  const deadlineMs = deps.deadlineMs ?? 15_000;
  async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = deps.kafka.admin({ retry: { retries: 1 } });
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  return {
    browse: (q) => withAdmin((admin) => browseWith(admin, q)),

    produce: (r) =>
      withAdmin(async (admin) => {
        const partitions = await partitionsOf(admin, r.topic);
        checkPartition(r.topic, partitions, r.partition);
        const p: Producer = deps.kafka.producer({
          allowAutoTopicCreation: false,
          createPartitioner: Partitioners.DefaultPartitioner,
          retry: { retries: 2 },
        });
        await p.connect();
        try {
          return await produceWith(p, r);
        } finally {
          await p.disconnect().catch(() => undefined);
        }
      }),

    stop: () => Promise.resolve(),
  };

  async function browseWith(admin: Admin, q: BrowseQuery) {
    const t0 = Date.now();
    const limit = q.limit ?? 100;
    const partitions = await partitionsOf(admin, q.topic);
    checkPartition(q.topic, partitions, q.partition);
    const wanted = q.partition === undefined ? partitions : [q.partition];
    const offsets = (await admin.fetchTopicOffsets(q.topic).catch(gone(q.topic)))
      .filter((o) => wanted.includes(o.partition))
      .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition);
    let starts: Map<number, number> | undefined;
    if (q.from.kind === 'timestamp') {
      const at = await admin.fetchTopicOffsetsByTimestamp(q.topic, q.from.timestamp).catch(gone(q.topic));
      // −1: no record at or after the time in that partition
      starts = new Map(at.map((o) => [o.partition, Number(o.offset) < 0 ? Number.MAX_SAFE_INTEGER : Number(o.offset)]));
    }
    const test = matcher(q.filter);
    const filtered = Object.values(q.filter ?? {}).some((v) => v !== undefined);
    const ranges = rangesFor(q.from, offsets, { limit, filtered, scanMax, starts });
    const forward = q.from.kind !== 'newest';
    const found: Found[] = [];
    const state = new Map(ranges.map((r) => [r.partition, { next: r.from, matches: 0 }]));
    let scanned = 0;
    let bytes = 0;
    const open = () =>
      ranges.filter((r) => {
        const s = state.get(r.partition)!;
        return s.next < r.to && !(forward && s.matches >= limit);
      });
    let timedOut = false;
    if (open().length > 0) {
      const groupId = `${BROWSE_GROUP_PREFIX}${randomUUID()}`;
      const consumer = deps.kafka.consumer({
        groupId,
        maxWaitTimeInMs: 100,
        sessionTimeout: 10_000,
        retry: { retries: 1 },
      });
      let settle: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (settle = resolve));
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [q.topic], fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatch: ({ batch }) => {
            const r = ranges.find((x) => x.partition === batch.partition);
            const s = state.get(batch.partition);
            if (r === undefined || s === undefined) return Promise.resolve();
            for (const m of batch.messages) {
              const offset = Number(m.offset);
              if (offset < s.next || offset >= r.to || (forward && s.matches >= limit)) continue;
              s.next = offset + 1;
              scanned++;
              bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
              const c = {
                partition: batch.partition,
                offset,
                timestamp: Number(m.timestamp),
                key: m.key ?? null,
                value: m.value ?? null,
              };
              if (test(c)) {
                s.matches++;
                found.push({ ...c, headers: headersOf(m.headers) });
              }
            }
            // compacted topics and transaction markers leave gaps: the batch's last offset says how far it went
            if (Number(batch.lastOffset()) + 1 >= r.to) s.next = Math.max(s.next, r.to);
            if (open().length === 0) settle();
            return Promise.resolve();
          },
        });
        for (const r of ranges) consumer.seek({ topic: q.topic, partition: r.partition, offset: String(r.from) });
        const others = partitions.filter((p) => !ranges.some((r) => r.partition === p && r.from < r.to));
        if (others.length > 0) consumer.pause([{ topic: q.topic, partitions: others }]);
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            timedOut = true;
            resolve();
          }, deadlineMs);
        });
        await Promise.race([done, deadline]);
        clearTimeout(timer);
      } finally {
        await consumer.disconnect().catch(() => undefined);
        await admin.deleteGroups([groupId]).catch(() => undefined);
      }
    }
    const left = open();
    const budgetCut = ranges.some((r) => {
      const o = offsets.find((x) => x.partition === r.partition)!;
      return q.from.kind === 'newest' ? r.from > o.low && filtered : r.to < o.high;
    });
    const picked = pick(found, q.from, limit);
    const note =
      left.length > 0 && timedOut
        ? `stopped after ${Math.round(deadlineMs / 1000)} s with ${left.map((r) => `p${r.partition}`).join(', ')} not read to the end of its range`
        : budgetCut && picked.length < limit
          ? `read at most ${scanMax.toLocaleString('en')} records (${Math.floor(scanMax / Math.max(1, ranges.length)).toLocaleString('en')} per partition); older or newer records were not searched`
          : null;
    return {
      records: picked.map((f) => shown(f, q.topic)),
      cost: {
        scanned,
        bytes,
        ms: Date.now() - t0,
        ranges: ranges.map((r) => ({ partition: r.partition, from: String(r.from), to: String(r.to) })),
        complete: note === null,
        note,
      },
    };
  }
}

async function produceWith(p: Producer, r: ProduceRequest) {
  const [meta] = await p
    .send({
      topic: r.topic,
      acks: -1,
      messages: [
        {
          ...(r.partition === undefined ? {} : { partition: r.partition }),
          key: r.key ?? null,
          value: r.value,
          ...(r.headers === undefined ? {} : { headers: r.headers }),
        },
      ],
    })
    .catch(gone(r.topic));
  if (meta === undefined) throw new AppError('KAFKA_UNAVAILABLE', `${r.topic}: the broker returned no offset`);
  return {
    topic: r.topic,
    partition: meta.partition,
    offset: meta.baseOffset ?? '-1',
    timestamp: meta.logAppendTime && meta.logAppendTime !== '-1' ? Number(meta.logAppendTime) : Date.now(),
  };
}
