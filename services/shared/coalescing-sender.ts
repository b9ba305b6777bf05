// Group commit for a kafkajs producer with one request in flight: the records asked for while a send is in flight wait,
// and go together in the next send (one Produce request per broker), each answered with its own partition and offset.
// The partition is chosen here, by the partitioner the producer would use, so that the offset of each record is known:
// a partition's records of one send are appended in the order given, from the base offset the broker answers.
// Records are sent in the order they were asked for, so one key's records keep their order (they share a partition).
// A failed send fails every record of it; the next send is the next batch.
import { Partitioners, type ICustomPartitioner, type Message, type PartitionMetadata, type Producer } from 'kafkajs';

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
  send(message: Message): Promise<SentRecord>;
  /** sends in flight and waiting */
  readonly pending: number;
}

interface Waiting {
  message: Message;
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
  const queue: Waiting[] = [];
  let inFlight = 0;

  async function flush(): Promise<void> {
    if (inFlight > 0 || queue.length === 0) return;
    const batch = queue.splice(0, maxBatch);
    inFlight = batch.length;
    try {
      const partitionMetadata = [...options.partitions()];
      if (partitionMetadata.length === 0) throw new Error(`topic ${options.topic}: no partitions known`);
      const messages = batch.map(({ message }) => ({
        ...message,
        partition: partitioner({ topic: options.topic, partitionMetadata, message }),
      }));
      const answer = await options.producer.send({
        topic: options.topic,
        acks: options.acks,
        timeout: options.timeoutMs,
        messages,
      });
      const bases = new Map(answer.map((m) => [m.partition, m.baseOffset ?? m.offset ?? '-1']));
      const sent = offsetsOf(
        messages.map((m) => m.partition),
        bases,
      );
      batch.forEach((waiting, i) => waiting.resolve(sent[i] as SentRecord));
    } catch (err) {
      for (const waiting of batch) waiting.reject(err);
    } finally {
      inFlight = 0;
      void flush();
    }
  }

  return {
    send(message) {
      return new Promise<SentRecord>((resolve, reject) => {
        queue.push({ message, resolve, reject });
        void flush();
      });
    },
    get pending() {
      return inFlight + queue.length;
    },
  };
}
