// The timestamps of the records at given offsets, for the real lag in seconds of the groups a view shows (the time
// since the oldest record a group has not consumed: the one at its committed offset). One consumer of its own reads
// them (group `<groupPrefix><uuid>`, never committing, made again when it must read a topic it was not subscribed to):
// each partition asked is sought to the offset and resumed, its first record read, and paused again; every other
// partition stays paused. Bounded: at most `max` partitions read per call (64 KB a partition), within `deadlineMs`;
// a timestamp once read is kept while the same offset is asked (a group that does not move costs nothing).
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../../../services/shared/logger.js';

export interface RecordAt {
  topic: string;
  partition: number;
  /** the record's offset; a record at it that is gone (compacted, a transaction marker) gives the next one's */
  offset: string;
}

export interface RecordTimestamps {
  /**
   * The timestamp (ms) of the record at each offset, by `topic/partition`: those kept from earlier calls and those read
   * now. Missing: not read within the deadline, or over the `max` of this call.
   */
  at(wants: readonly RecordAt[]): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export interface RecordTimestampsDeps {
  kafka: Kafka;
  /** the reading consumer's group is this prefix and a uuid (the console hides it from the groups it shows) */
  groupPrefix: string;
  logger: Logger;
  /** how long a call waits for its records; default 1 000 ms */
  deadlineMs?: number;
  /** partitions read per call at most; default 50 */
  max?: number;
}

/** calls with nothing to read before the consumer is closed */
const IDLE_CALLS = 60;

interface Reader {
  topics: Set<string>;
  groupId: string;
  consumer: Consumer;
  /** the partitions being read: the offset asked and who waits */
  pending: Map<string, { offset: bigint; resolve: (timestamp: number) => void }>;
  broken: boolean;
}

export function createRecordTimestamps(deps: RecordTimestampsDeps): RecordTimestamps {
  const deadlineMs = deps.deadlineMs ?? 1000;
  const max = deps.max ?? 50;
  /** per `topic/partition`: the last offset read and its record's timestamp */
  let kept = new Map<string, { offset: string; timestamp: number }>();
  let reader: Reader | undefined;
  let idle = 0;
  let chain: Promise<unknown> = Promise.resolve();

  const close = async (r: Reader | undefined) => {
    if (r === undefined) return;
    await r.consumer.disconnect().catch(() => undefined);
    const admin = deps.kafka.admin({ retry: { retries: 1 } });
    await admin
      .connect()
      .then(() => admin.deleteGroups([r.groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  };

  /** a reader of the topics `needed`, else a new one of `topics` (every topic asked in this call) */
  const open = async (needed: readonly string[], topics: Set<string>): Promise<Reader> => {
    if (reader !== undefined && !reader.broken && needed.every((t) => reader!.topics.has(t))) return reader;
    const before = reader;
    reader = undefined;
    await close(before);
    const groupId = `${deps.groupPrefix}${randomUUID()}`;
    const consumer = deps.kafka.consumer({
      groupId,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 64 * 1024,
      sessionTimeout: 10_000,
      allowAutoTopicCreation: false,
      retry: { retries: 1 },
    });
    const r: Reader = { topics: new Set(topics), groupId, consumer, pending: new Map(), broken: false };
    consumer.on(consumer.events.CRASH, () => {
      r.broken = true;
    });
    await consumer.connect();
    // from the beginning: an offset that is gone (retention) reads the oldest record there is
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: ({ batch }) => {
        const id = `${batch.topic}/${batch.partition}`;
        const want = r.pending.get(id);
        const first = batch.messages[0];
        // kafkajs drops the batches fetched before a seek, and the records before the offset fetched from
        if (want !== undefined && first !== undefined && BigInt(first.offset) >= want.offset) {
          r.pending.delete(id);
          want.resolve(Number(first.timestamp));
        }
        if (!r.pending.has(id)) consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
        return Promise.resolve();
      },
    });
    reader = r;
    return r;
  };

  const read = async (wants: readonly RecordAt[]): Promise<Map<string, number>> => {
    const out = new Map<string, number>();
    const next = new Map<string, { offset: string; timestamp: number }>();
    const toRead: RecordAt[] = [];
    for (const w of wants) {
      const id = `${w.topic}/${w.partition}`;
      const k = kept.get(id);
      if (k !== undefined && k.offset === w.offset) {
        out.set(id, k.timestamp);
        next.set(id, k);
      } else if (toRead.length < max) toRead.push(w);
    }
    kept = next;
    if (toRead.length === 0) {
      idle += 1;
      if (idle >= IDLE_CALLS && reader !== undefined) {
        const r = reader;
        reader = undefined;
        await close(r);
      }
      return out;
    }
    idle = 0;
    const r = await open(
      toRead.map((w) => w.topic),
      new Set(wants.map((w) => w.topic)),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    const reads = toRead.map(
      (w) =>
        new Promise<void>((resolve) => {
          const id = `${w.topic}/${w.partition}`;
          r.pending.set(id, {
            offset: BigInt(w.offset),
            resolve: (timestamp) => {
              out.set(id, timestamp);
              kept.set(id, { offset: w.offset, timestamp });
              resolve();
            },
          });
          r.consumer.seek({ topic: w.topic, partition: w.partition, offset: w.offset });
          r.consumer.resume([{ topic: w.topic, partitions: [w.partition] }]);
        }),
    );
    await Promise.race([Promise.all(reads), deadline]);
    clearTimeout(timer);
    // not read in time: asked again at the next call
    for (const w of toRead) r.pending.delete(`${w.topic}/${w.partition}`);
    return out;
  };

  return {
    at(wants) {
      const run = chain.then(() => read(wants));
      chain = run.catch((err: unknown) => {
        deps.logger.warn({ err: String(err) }, 'record timestamps: read failed');
        if (reader !== undefined) reader.broken = true;
      });
      return run.catch(() => new Map<string, number>());
    },
    async stop() {
      await chain;
      const r = reader;
      reader = undefined;
      await close(r);
    },
  };
}
