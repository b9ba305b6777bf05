// The message browser against the real broker: newest N merged across partitions in time order, from an offset, from
// a timestamp, filters by key, text and JSON path, headers and bytes, the scan budget and its cost, and produce.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { BrowseQuery } from '../../main/console/contract/browse.js';
import { createMessageBrowser, type MessageBrowser } from '../../main/console/observe/message-browser.js';
import { endpoints, uniqueName } from './support/index.js';
import { testKafka } from './lab-d/harness.js';

let kafka: Kafka;
let admin: Admin;
let browser: MessageBrowser;
const topic = uniqueName('browse');
/** record i is at T0 + i*1000 ms, on partition i % 3, keyed `k<i % 5>` */
const T0 = Date.now() - 3_600_000; // an hour ago: well inside retention
const N = 60;

const valueOf = (i: number) =>
  JSON.stringify({ n: i, status: i % 4 === 0 ? 'paid' : 'new', note: `Record number ${i}` });
const text = (r: { value: { base64: string } | null }) =>
  r.value === null ? null : Buffer.from(r.value.base64, 'base64').toString('utf8');
const ns = (rs: { value: { base64: string } | null }[]) => rs.map((r) => (JSON.parse(text(r)!) as { n: number }).n);
const browse = (q: BrowseQuery) => browser.browse(BrowseQuery.parse(q));

beforeAll(async () => {
  kafka = testKafka(endpoints().kafka.brokers, 'browse-test');
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: N }, (_, i) => ({
      partition: i % 3,
      key: `k${i % 5}`,
      value: valueOf(i),
      timestamp: String(T0 + i * 1000),
      headers: { source: 'test', seq: String(i) },
    })),
  });
  await producer.send({ topic, messages: [{ partition: 0, key: 'bin', value: Buffer.from([0, 255, 1, 254]) }] });
  await producer.disconnect();
  browser = createMessageBrowser({ kafka, scanMax: 30 });
});

afterAll(async () => {
  await browser?.stop();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
});

describe('message browser', () => {
  it('newest N over every partition, merged in time order, with headers, bytes and cost', async () => {
    const { records, cost } = await browse({ topic, from: { kind: 'newest' }, limit: 4 });
    // the binary record was produced last (now), the rest at T0 + i s
    expect(ns(records.slice(0, 3))).toEqual([57, 58, 59]);
    const last = records[3]!;
    expect(last.key).toBe('bin');
    expect([...Buffer.from(last.value!.base64, 'base64')]).toEqual([0, 255, 1, 254]);
    expect(records[0]!.headers).toEqual({ source: 'test', seq: '57' });
    expect(records[0]!.timestamp).toBe(T0 + 57_000);
    expect(cost.scanned).toBe(12); // 4 of each of the 3 partitions
    expect(cost.bytes).toBeGreaterThan(0);
    expect(cost.complete).toBe(true);
    expect(cost.ranges.map((r) => r.partition)).toEqual([0, 1, 2]);
  });

  it('one partition from an offset reads forward; from a timestamp starts at the first record at or after it', async () => {
    const fromOffset = await browse({ topic, partition: 1, from: { kind: 'offset', offset: '3' }, limit: 3 });
    expect(ns(fromOffset.records)).toEqual([10, 13, 16]);
    expect(fromOffset.records.every((r) => r.partition === 1)).toBe(true);
    const fromTime = await browse({ topic, from: { kind: 'timestamp', timestamp: T0 + 20_500 }, limit: 4 });
    expect(ns(fromTime.records)).toEqual([21, 22, 23, 24]);
  });

  it('filters by key, by text and by a JSON path, within the scan budget, and says when the budget cut it', async () => {
    const byKey = await browse({ topic, from: { kind: 'newest' }, limit: 50, filter: { key: 'k3' } });
    // budget 30 over 3 partitions: the newest 10 of each (records 30..59 and the binary one)
    expect(ns(byKey.records)).toEqual([33, 38, 43, 48, 53, 58]);
    expect(byKey.cost.scanned).toBe(30);
    expect(byKey.cost.complete).toBe(false);
    expect(byKey.cost.note).toMatch(/at most 30 records/);
    const byText = await browse({ topic, from: { kind: 'newest' }, limit: 2, filter: { text: 'NUMBER 4' } });
    expect(ns(byText.records)).toEqual([48, 49]);
    const byPath = await browse({
      topic,
      partition: 0,
      from: { kind: 'offset', offset: '0' },
      limit: 3,
      filter: { jsonPath: '$.status', equals: 'paid' },
    });
    expect(ns(byPath.records)).toEqual([0, 12, 24]);
  });

  it('names the field of a bad query: an unknown topic, a partition out of range', async () => {
    const unknown = await browse({ topic: uniqueName('no-such'), from: { kind: 'newest' } }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'NOT_FOUND' });
    expect((unknown as Error).message).toMatch(/^topic: /);
    const outside = await browse({ topic, partition: 7, from: { kind: 'newest' } }).catch((e: unknown) => e);
    expect(outside).toMatchObject({ code: 'INVALID_INPUT' });
    expect((outside as Error).message).toMatch(/^partition: .*0–2, not 7/);
  });

  it('keeps working after a topic it had read is deleted (a long-lived client would fail every metadata refresh)', async () => {
    const doomed = uniqueName('browse-doomed');
    await admin.createTopics({
      topics: [{ topic: doomed, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await browser.produce({ topic: doomed, value: 'soon gone' });
    expect((await browse({ topic: doomed, from: { kind: 'newest' } })).records).toHaveLength(1);
    await admin.deleteTopics({ topics: [doomed] });
    expect((await browse({ topic, from: { kind: 'newest' }, limit: 1 })).records).toHaveLength(1);
    const gone = await browse({ topic: doomed, from: { kind: 'newest' } }).catch((e: unknown) => e);
    expect(gone).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('produces a record (by key, or to a partition) and finds it again', async () => {
    const made = await browser.produce({ topic, partition: 2, key: 'mine', value: '{"n":1000}', headers: { a: 'b' } });
    expect(made.partition).toBe(2);
    const found = await browse({ topic, partition: 2, from: { kind: 'offset', offset: made.offset }, limit: 1 });
    expect(found.records[0]).toMatchObject({ key: 'mine', offset: made.offset, headers: { a: 'b' } });
    await expect(browser.produce({ topic, partition: 3, value: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
