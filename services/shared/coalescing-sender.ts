// Group commit for a kafkajs producer with one request in flight, per partition: the records of a partition asked for
// while a send to it is in flight wait, and go together in its next send, each answered with its own offset (a
// partition stuck on a broker that is away holds only its own records, as kafkajs' one request per broker would).
// The partition is chosen here, by the partitioner the producer would use, so that the offset of each record is known:
// a partition's records of one send are appended in the order given, from the base offset the broker answers.
// A partition's records are sent in the order they were asked for, so one key's records keep their order.
// A failed send fails every record of it; the next send is the next batch. A record whose deadline passed while it
// waited is dropped, never sent.
import { Partitioners, type ICustomPartitioner, type Message, type PartitionMetadata, type Producer } from 'kafkajs';
import { AppError } from './app-error.js';

export interface SentRecord {
  partition: number;
  offset: string;
}

export interface CoalescingSenderOptions {
  producer: Pick<Producer, 'send'>;
  topic: string;
  acks: number;
  /** the broker's ack timeout of each send */
  timeoutMs: number;
  /** the topic's partitions (leader < 0: unavailable), asked at each send; empty: the topic is not known yet */
  partitions: () => readonly PartitionMetadata[];
  /** records per send at most (default 500) */
  maxBatch?: number;
  /** defaults to kafkajs' DefaultPartitioner (murmur2 of the key, as the Java client) */
  createPartitioner?: ICustomPartitioner;
}

export interface CoalescingSender {
  /**
   * `deadline` (epoch ms): a record still waiting then is never sent and fails with a TIMEOUT (its caller has answered
   * that it was not taken, so it must not land later); one already in a send goes with it
   */
  send(message: Message, deadline?: number): Promise<SentRecord>;
  /** sends in flight and waiting */
  readonly pending: number;
}

interface Waiting {
  message: Message;
  deadline: number;
  resolve: (sent: SentRecord) => void;
  reject: (err: unknown) => void;
}

/**
 * Each record's offset in a send whose records went, in `order`, to the partitions given: the partition's base offset
 * plus the record's place among that partition's records.
 */
export function offsetsOf(
  order: readonly number[],
  baseOffsets: ReadonlyMap<number, string>,
): { partition: number; offset: string }[] {
  const seen = new Map<number, bigint>();
  return order.map((partition) => {
    const base = baseOffsets.get(partition);
    if (base === undefined) throw new Error(`the broker returned no offset for partition ${partition}`);
    const index = seen.get(partition) ?? 0n;
    seen.set(partition, index + 1n);
    return { partition, offset: String(BigInt(base) + index) };
  });
}

export function createCoalescingSender(options: CoalescingSenderOptions): CoalescingSender {
  const partitioner = (options.createPartitioner ?? Partitioners.DefaultPartitioner)();
  const maxBatch = Math.max(1, options.maxBatch ?? 500);
  /** per partition: the records waiting, and whether a send to it is in flight */
  const queues = new Map<number, { waiting: Waiting[]; inFlight: number }>();

  async function flush(partition: number): Promise<void> {
    const q = queues.get(partition);
    if (q === undefined || q.inFlight > 0) return;
    const now = Date.now();
    for (let i = q.waiting.length - 1; i >= 0; i--) {
      const waiting = q.waiting[i] as Waiting;
      if (waiting.deadline > now) continue;
      q.waiting.splice(i, 1);
      waiting.reject(new AppError('TIMEOUT', `not sent within its deadline: ${options.topic} was not reached in time`));
    }
    if (q.waiting.length === 0) return;
    const batch = q.waiting.splice(0, maxBatch);
    q.inFlight = batch.length;
    try {
      const answer = await options.producer.send({
        topic: options.topic,
        acks: options.acks,
        timeout: options.timeoutMs,
        messages: batch.map(({ message }) => ({ ...message, partition })),
      });
      const bases = new Map(answer.map((m) => [m.partition, m.baseOffset ?? m.offset ?? '-1']));
      const sent = offsetsOf(
        batch.map(() => partition),
        bases,
      );
      batch.forEach((waiting, i) => waiting.resolve(sent[i] as SentRecord));
    } catch (err) {
      for (const waiting of batch) waiting.reject(err);
    } finally {
      q.inFlight = 0;
      void flush(partition);
    }
  }

  return {
    send(message, deadline = Number.POSITIVE_INFINITY) {
      return new Promise<SentRecord>((resolve, reject) => {
        const partitionMetadata = [...options.partitions()];
        if (partitionMetadata.length === 0) {
          reject(new Error(`topic ${options.topic}: no partitions known`));
          return;
        }
        const partition = partitioner({ topic: options.topic, partitionMetadata, message });
        let q = queues.get(partition);
        if (q === undefined) queues.set(partition, (q = { waiting: [], inFlight: 0 }));
        q.waiting.push({ message, deadline, resolve, reject });
        void flush(partition);
      });
    },
    get pending() {
      let n = 0;
      for (const q of queues.values()) n += q.inFlight + q.waiting.length;
      return n;
    },
  };
}
