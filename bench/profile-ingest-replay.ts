// Profiling harness (not a bench): the console's own ingest path on real kafkajs batches. Reads the console bench's
// 200 000 records once with a kafkajs consumer (the tail's settings) and keeps the batches, then replays them through a
// fresh tail buffer + timeline store per round, without the network, the broker or kafkajs' decoding in the figure:
// prints CPU ns per record (median of the rounds after three warm-ups). MODE=ring (the ring alone, a timeline that takes
// every record without work), MODE=scan (the ring and the lab's scanner), else the whole path.
//   node --expose-gc --import tsx bench/profile-ingest-replay.ts [rounds]
import { Kafka, logLevel, type EachBatchPayload } from 'kafkajs';
import { createTailBuffer } from '../main/console/observe/topic-tail.js';
import { createLabD } from '../main/console/labs/lab-d/index.js';
import { scanOrderRecord } from '../main/console/labs/lab-d/scan.js';
import { timelineLabOf } from '../main/console/labs/timeline-lab.js';
import { createTimelineStore, type TimelineStore } from '../main/console/timeline/timeline-store.js';
import { prefillIngestTopic } from './console-ingest.js';

const ROUNDS = Math.max(4, Number(process.argv[2] ?? 15));
const MODE = process.env.MODE ?? 'full';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'profile-replay', brokers, logLevel: logLevel.NOTHING });
const topic = `bench-replay-${Date.now().toString(36)}`;
const records = await prefillIngestTopic(kafka, topic, (l) => process.stderr.write(`${l}\n`));
const batches: { partition: number; messages: EachBatchPayload['batch']['messages'] }[] = [];
let read = 0;
const consumer = kafka.consumer({
  groupId: `profile-replay-${Math.random().toString(36).slice(2)}`,
  maxBytesPerPartition: 4 * 1024 * 1024,
  maxWaitTimeInMs: 200,
});
try {
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: ({ batch }) => {
      batches.push({ partition: batch.partition, messages: batch.messages });
      read += batch.messages.length;
      if (read >= records) done();
      return Promise.resolve();
    },
  });
  await all;
} finally {
  await consumer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}
process.stderr.write(`${batches.length} batches, ${read} records; mode ${MODE}\n`);

const lab = timelineLabOf(createLabD({ EVENTSCOPE_ORDER_TOPIC: topic }));
const out = { entity: '', num: -1, status: -1 };
/** a timeline that takes every record (MODE=ring: without work; MODE=scan: after the lab's scanner) */
const stand = {
  follows: () => true,
  ingestRecord: (_t: string, _p: number, _o: number, value: Buffer | null) =>
    MODE === 'scan' && value !== null ? scanOrderRecord(value, out) : true,
  beginBatch: () => undefined,
  endBatch: () => undefined,
  keysFirstPublished: () => 0,
} as unknown as TimelineStore;
const perRecord: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  (globalThis as { gc?: () => void }).gc?.();
  const timeline = createTimelineStore({ lab, cap: 100_000, batchMs: 50, onBatch: () => undefined });
  const tail = createTailBuffer({ timeline: () => (MODE === 'full' ? timeline : stand), onBatch: () => undefined });
  const cpu0 = process.cpuUsage();
  for (const b of batches) tail.ingest(topic, b.partition, b.messages);
  timeline.flush();
  const cpu = process.cpuUsage(cpu0);
  tail.stop();
  timeline.stop();
  if (round >= 3) perRecord.push(((cpu.user + cpu.system) * 1000) / read);
}
perRecord.sort((a, b) => a - b);
process.stdout.write(
  `own path (${MODE}): median ${perRecord[perRecord.length >> 1]!.toFixed(0)} ns/record of CPU (min ${perRecord[0]!.toFixed(0)}, max ${perRecord.at(-1)!.toFixed(0)})\n`,
);
