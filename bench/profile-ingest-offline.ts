// Profiling harness (not a bench): the console's ingest path without Kafka. The console bench's 200 000 records, decoded
// once like kafkajs gives them (key and value as views into one buffer per fetch, offsets and timestamps as strings),
// go through a fresh tail buffer + timeline store per round; prints ns per record (wall and CPU).
//   tsx bench/profile-ingest-offline.ts [rounds] [records]
import { createTailBuffer } from '../main/console/observe/topic-tail.js';
import { createLabD } from '../main/console/labs/lab-d/index.js';
import { timelineLabOf } from '../main/console/labs/timeline-lab.js';
import { createTimelineStore } from '../main/console/timeline/timeline-store.js';
import { scanOrderRecord } from '../main/console/labs/lab-d/scan.js';

const ROUNDS = Number(process.argv[2] ?? 8);
const RECORDS = Number(process.argv[3] ?? 200_000);
const TOPIC = 'bench-offline';
const STATUSES = ['new', 'awaiting payment', 'paid', 'paid'] as const;
const PER_FETCH = 2000;

type Msg = { key: Buffer; value: Buffer; offset: string; timestamp: string };
const batches: { partition: number; messages: Msg[] }[] = [];
const base = Date.now();
const perPartition: Msg[][] = [[], []];
for (let i = 0; i < RECORDS; i++) {
  const orderId = 1 + Math.floor(i / 4);
  const partition = orderId % 2;
  const value = JSON.stringify({
    order_id: orderId,
    status: STATUSES[i % 4],
    moment: new Date(base + i).toISOString(),
    user_id: '1000',
    event_id: `e${i}`,
    source: 'loms',
  });
  const list = perPartition[partition]!;
  list.push({
    key: Buffer.from(String(orderId)),
    value: Buffer.from(value),
    offset: String(list.length),
    timestamp: String(base + i),
  });
}
for (const [partition, list] of perPartition.entries())
  for (let i = 0; i < list.length; i += PER_FETCH) batches.push({ partition, messages: list.slice(i, i + PER_FETCH) });
batches.sort((a, b) => Number(a.messages[0]!.offset) - Number(b.messages[0]!.offset));

const lab = timelineLabOf(createLabD({ EVENTSCOPE_ORDER_TOPIC: TOPIC }));
const results: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const timeline = createTimelineStore({ lab, cap: 100_000, batchMs: 50, onBatch: () => undefined });
  const tail = createTailBuffer({ timeline: () => timeline, onBatch: () => undefined });
  const tailOnly = createTailBuffer({ onBatch: () => undefined });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const mode = process.env.OFFLINE_MODE ?? 'all';
  if (mode === 'all') for (const b of batches) tail.ingest(TOPIC, b.partition, b.messages as never);
  else if (mode === 'tail') for (const b of batches) tailOnly.ingest(TOPIC, b.partition, b.messages as never);
  else if (mode === 'scan') {
    const out = { entity: '', status: 0, num: -1 };
    for (const b of batches) for (const m of b.messages) scanOrderRecord(m.value, out);
  } else if (mode === 'timeline')
    for (const b of batches) {
      timeline.beginBatch();
      for (const m of b.messages) timeline.ingestRecord(TOPIC, b.partition, +m.offset, m.value, +m.timestamp);
      timeline.endBatch();
    }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  timeline.flush();
  tail.stop();
  timeline.stop();
  results.push((ms * 1e6) / RECORDS);
  process.stderr.write(
    `round ${r}: ${((ms * 1e6) / RECORDS).toFixed(0)} ns/record wall, ${(((cpu.user + cpu.system) * 1e3) / RECORDS).toFixed(0)} ns cpu, entities ${timeline.size}\n`,
  );
}
const sorted = results.slice(1).sort((a, b) => a - b);
process.stdout.write(
  `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ns/record, best ${sorted[0]!.toFixed(0)} (rounds after the first)\n`,
);
