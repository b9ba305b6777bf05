// Memory of the console's ingest path: 1 000 000 order events through the tail buffer into the timeline store with
// its 100 000-entity cap (the same code path the Kafka tail drives), then RSS after a GC. Run in its own process:
// `node --expose-gc --import tsx bench/console-memory.ts [events] [cap]` prints one JSON line.
import { createTailBuffer } from '../main/console/observe/topic-tail.js';
import { createLabD } from '../main/console/labs/lab-d/index.js';
import { timelineLabOf } from '../main/console/labs/timeline-lab.js';
import { createTimelineStore } from '../main/console/timeline/timeline-store.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const CAP = Number(process.argv[3] ?? 100_000);
const TOPIC = 'loms.order-events';
const PATHS = [
  ['new', 'awaiting payment', 'paid'],
  ['new', 'awaiting payment', 'cancelled'],
  ['new', 'failed'],
  ['new', 'awaiting payment'],
] as const;

async function main() {
  const rssBefore = process.memoryUsage().rss;
  let batches = 0;
  const timeline = createTimelineStore({
    lab: timelineLabOf(createLabD({ EVENTSCOPE_ORDER_TOPIC: TOPIC })),
    cap: CAP,
    batchMs: 50,
    onBatch: () => void (batches += 1),
  });
  const tail = createTailBuffer({ timeline: () => timeline, capacity: 10_000, onBatch: () => undefined });
  const offsets = [0, 0];
  let produced = 0;
  let order = 1;
  const t0 = performance.now();
  let rssPeak = 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
  // Like kafkajs: the records of one fetch are views into one response buffer (here 500 records per buffer).
  const FETCH_BYTES = 500 * 256;
  const chunk: {
    partition: number;
    fetch: Buffer;
    used: number;
    messages: { key: Buffer; value: Buffer; offset: string; timestamp: string }[];
  }[] = [
    { partition: 0, fetch: Buffer.allocUnsafeSlow(FETCH_BYTES), used: 0, messages: [] },
    { partition: 1, fetch: Buffer.allocUnsafeSlow(FETCH_BYTES), used: 0, messages: [] },
  ];
  const view = (c: (typeof chunk)[number], text: string): Buffer => {
    const n = c.fetch.write(text, c.used, 'utf8');
    const b = c.fetch.subarray(c.used, c.used + n);
    c.used += n;
    return b;
  };
  while (produced < EVENTS) {
    const path = PATHS[order % PATHS.length]!;
    const partition = order % 2;
    const c = chunk[partition]!;
    const key = view(c, String(order));
    for (const status of path) {
      if (produced >= EVENTS) break;
      const value = view(
        c,
        JSON.stringify({
          order_id: order,
          status,
          moment: '2026-11-22T03:00:00.000Z',
          user_id: '1000',
          event_id: `e-${produced}`,
          source: 'loms',
        }),
      );
      c.messages.push({
        key,
        value,
        offset: String(offsets[partition]!++),
        timestamp: String(1_795_000_000_000 + produced),
      });
      produced += 1;
    }
    // processed facts for most orders, as the notifiers would log them
    if (order % 5 !== 0)
      timeline.addFact({
        entity: String(order),
        step: 'processed',
        status: path[0],
        at: Date.now(),
        actor: `notifier-${1 + partition}`,
        where: { kind: 'record', topic: TOPIC, partition, offset: String(offsets[partition]! - path.length) },
        latencyMs: 3,
      });
    order += 1;
    for (const c of chunk) {
      if (c.messages.length >= 500) {
        tail.ingest(TOPIC, c.partition, c.messages as never);
        c.messages = [];
        c.fetch = Buffer.allocUnsafeSlow(FETCH_BYTES);
        c.used = 0;
        // like the consumer, which awaits between batches: timers (the batched pushes) get to run
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }
  clearInterval(sampler);
  for (const c of chunk) if (c.messages.length > 0) tail.ingest(TOPIC, c.partition, c.messages as never);
  timeline.flush();
  const seconds = (performance.now() - t0) / 1000;
  const rssRightAfterMb = Math.round(process.memoryUsage().rss / 1048576);
  // settle as an idle console would: collect, give V8's memory reducer a moment, collect again
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  gc?.();
  const mem = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({
      events: produced,
      orders: order - 1,
      cap: CAP,
      entitiesKept: timeline.size,
      evicted: timeline.evictedTotal,
      seconds: Math.round(seconds * 100) / 100,
      eventsPerSec: Math.round(produced / seconds),
      rssMb: Math.round(mem.rss / 1048576),
      rssRightAfterMb,
      rssPeakMb: Math.round(rssPeak / 1048576),
      heapUsedMb: Math.round(mem.heapUsed / 1048576),
      heapTotalMb: Math.round(mem.heapTotal / 1048576),
      externalMb: Math.round(mem.external / 1048576),
      arrayBuffersMb: Math.round(mem.arrayBuffers / 1048576),
      rssBeforeMb: Math.round(rssBefore / 1048576),
      gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    })}\n`,
  );
  timeline.stop();
  tail.stop();
}

void main();
