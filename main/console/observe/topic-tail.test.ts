import { describe, expect, it } from 'vitest';
import { createTailBuffer, plainDecimal } from './topic-tail.js';
import { createTimelineStore } from '../timeline/timeline-store.js';
import { createLabD } from '../labs/lab-d/index.js';
import { timelineLabOf } from '../labs/timeline-lab.js';
import type { TailRecord } from '../contract/console-api.js';

const T = 'loms.order-events';
const msg = (offset: number, key: string | null, value: string) => ({
  offset: String(offset),
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from(value),
  timestamp: String(1000 + offset),
});
const ev = (id: number, status: string) => JSON.stringify({ order_id: id, status, moment: '2026-11-22T03:00:00Z' });

describe('tail buffer', () => {
  it('keeps the newest records, pages them newest first across partitions, and filters', () => {
    const tail = createTailBuffer({ capacity: 5 });
    tail.ingest(T, 0, [msg(0, '1', ev(1, 'new')), msg(1, '1', ev(1, 'awaiting payment'))] as never);
    tail.ingest(T, 1, [msg(0, '2', ev(2, 'new')), msg(1, '2', ev(2, 'awaiting payment'))] as never);
    tail.ingest('other', 0, [msg(7, null, 'x'), msg(8, 'k', 'y')] as never);
    expect(tail.ingested).toBe(6);
    const page = tail.page({ limit: 3 });
    expect(page.records.map((r) => `${r.topic}/${r.partition}@${r.offset}`)).toEqual([
      'other/0@8',
      'other/0@7',
      `${T}/1@1`,
    ]);
    expect(page.nextBefore).toBe(3);
    const rest = tail.page({ before: page.nextBefore!, limit: 10 });
    expect(rest.records.map((r) => r.idx)).toEqual([2, 1]); // idx 0 fell out of the ring of 5
    expect(rest.nextBefore).toBeNull();
    expect(tail.page({ topic: T, partition: 1 }).records.map((r) => r.offset)).toEqual(['1', '0']);
    expect(tail.page({ key: '2' }).records).toHaveLength(2);
    expect(tail.page({ topic: 'other' }).records[0]).toMatchObject({ key: 'k', value: 'y', timestamp: 1008 });
    tail.stop();
  });

  it('finds the newest keyed record of a topic, or one by partition/offset (the duplicate fault)', () => {
    const tail = createTailBuffer({});
    tail.ingest(T, 0, [msg(0, '1', ev(1, 'new')), msg(1, null, 'poison')] as never);
    expect(tail.find(T)?.offset).toBe('0');
    expect(tail.find(T, { partition: 0, offset: '1' })?.value?.toString()).toBe('poison');
    expect(tail.find('nope')).toBeUndefined();
    tail.stop();
  });

  it('feeds order events to the timeline and counts distinct keys per partition', () => {
    const timeline = createTimelineStore({ lab: timelineLabOf(createLabD({ EVENTSCOPE_ORDER_TOPIC: T })) });
    const tail = createTailBuffer({ timeline: () => timeline });
    tail.ingest(T, 0, [
      msg(0, '1', ev(1, 'new')),
      msg(1, '1', ev(1, 'awaiting payment')),
      msg(2, '3', ev(3, 'new')),
    ] as never);
    tail.ingest(T, 1, [msg(0, '2', ev(2, 'new')), msg(1, 'p', '{broken')] as never);
    expect(timeline.get('1')!.statuses).toEqual(['new', 'awaiting payment']);
    expect(tail.keysSeen(T, 0)).toBe(2);
    expect(tail.keysSeen(T, 1)).toBe(2); // order 2, and the poison record's key
    timeline.stop();
    tail.stop();
  });

  it('pushes new records in batches with a sequence number, the newest 500 at most', async () => {
    const pushes: { seq: number; records: TailRecord[]; dropped: number }[] = [];
    const tail = createTailBuffer({
      batchMs: 16,
      onBatch: (seq, records, dropped) => pushes.push({ seq, records, dropped }),
    });
    tail.ingest('x', 0, Array.from({ length: 600 }, (_, i) => msg(i, 'k', 'v')) as never);
    await new Promise<void>((resolve) => {
      const deadline = Date.now() + 2000;
      const check = () => (pushes.length > 0 || Date.now() > deadline ? resolve() : setTimeout(check, 5));
      check();
    });
    expect(pushes[0]!.seq).toBe(1);
    expect(pushes[0]!.records).toHaveLength(500);
    expect(pushes[0]!.dropped).toBe(100);
    expect(pushes[0]!.records[0]!.offset).toBe('100');
    tail.stop();
  });

  it('keeps offsets and timestamps as numbers and gives back the strings kafkajs delivered', () => {
    const timeline = createTimelineStore({ lab: timelineLabOf(createLabD({ EVENTSCOPE_ORDER_TOPIC: T })) });
    const tail = createTailBuffer({ timeline: () => timeline, capacity: 4 });
    const big = {
      offset: '1234567890123456789',
      key: Buffer.from('9'),
      value: Buffer.from(ev(9, 'new')),
      timestamp: '1795000000123',
    };
    tail.ingest(T, 0, [msg(0, '8', ev(8, 'new')), big, { ...msg(7, null, 'x'), timestamp: '-1' }] as never);
    expect(tail.page({}).records.map((r) => [r.offset, r.timestamp])).toEqual([
      ['7', -1],
      ['1234567890123456789', 1795000000123],
      ['0', 1000],
    ]);
    expect(tail.find(T, { partition: 0, offset: '1234567890123456789' })?.key?.toString()).toBe('9');
    expect(tail.find(T)?.offset).toBe('1234567890123456789');
    expect(timeline.get('9')!.firstAt).toBe(1795000000123);
    tail.ingest(T, 0, [msg(8, 'a', 'v'), msg(9, 'a', 'v'), msg(10, 'a', 'v'), msg(11, 'a', 'v')] as never); // the ring wraps
    expect(tail.page({}).records.map((r) => r.offset)).toEqual(['11', '10', '9', '8']);
    expect(tail.find(T, { partition: 0, offset: '1234567890123456789' })).toBeUndefined();
    timeline.stop();
    tail.stop();
  });
  it('gives each record its own offset in a batch without gaps and in one with gaps (compaction, transaction markers)', () => {
    const timeline = createTimelineStore({ lab: timelineLabOf(createLabD({ EVENTSCOPE_ORDER_TOPIC: T })) });
    const tail = createTailBuffer({ timeline: () => timeline, capacity: 20 });
    tail.ingest(T, 0, [40, 41, 42, 43].map((o) => msg(o, String(o), ev(o, 'new'))) as never);
    // first and last 4 apart in 4 records: not dense; and one whose span matches but only by its length
    tail.ingest(T, 1, [10, 11, 13, 14].map((o) => msg(o, String(o), ev(o + 100, 'new'))) as never);
    tail.ingest(T, 2, [msg(5, 'x', ev(200, 'new'))] as never);
    const offsets = tail
      .page({})
      .records.reverse()
      .map((r) => `${r.partition}@${r.offset}`);
    expect(offsets).toEqual(['0@40', '0@41', '0@42', '0@43', '1@10', '1@11', '1@13', '1@14', '2@5']);
    const published = timeline.get('113')!.steps.find((f) => f.step === 'published')!;
    expect(published.where).toMatchObject({ partition: 1, offset: '13' });
    expect(timeline.get('42')!.steps[0]!.where).toMatchObject({ partition: 0, offset: '42' });
    timeline.stop();
    tail.stop();
  });
  it('keeps whole batches while one of their records is among the newest: single-record batches and one bigger than the ring', () => {
    const tail = createTailBuffer({ capacity: 3 });
    for (let o = 0; o < 7; o++) tail.ingest('x', o % 2, [msg(o, `k${o}`, `v${o}`)] as never); // 7 batches through a ring of 3
    expect(tail.page({}).records.map((r) => `${r.partition}@${r.offset}`)).toEqual(['0@6', '1@5', '0@4']);
    expect(tail.page({ partition: 1 }).records.map((r) => r.offset)).toEqual(['5']);
    expect(tail.find('x', { partition: 0, offset: '6' })?.value?.toString()).toBe('v6');
    expect(tail.find('x', { partition: 1, offset: '3' })).toBeUndefined(); // out of the ring
    tail.ingest('y', 0, [10, 11, 12, 13, 14].map((o) => msg(o, 'k', `{"n":${o}}`)) as never); // 5 records > 3
    expect(tail.ingested).toBe(12);
    expect(tail.page({}).records.map((r) => r.offset)).toEqual(['14', '13', '12']);
    expect(tail.page({ before: 10 }).records.map((r) => r.idx)).toEqual([9]);
    expect(tail.find('y')?.offset).toBe('14');
    expect(tail.find('y', { partition: 0, offset: '11' })).toBeUndefined();
    expect(tail.find('x')).toBeUndefined(); // every x record has left
    tail.ingest('x', 0, [msg(20, 'a', '{}'), msg(21, 'b', 'not json')] as never);
    expect(tail.page({}).records.map((r) => `${r.topic}@${r.offset}`)).toEqual(['x@21', 'x@20', 'y@14']);
    expect(tail.find('x')?.offset).toBe('20'); // the newest keyed record whose value is a JSON object
    tail.stop();
  });
});

describe('plainDecimal', () => {
  it('reads plain decimals of up to 15 digits exactly and refuses anything else', () => {
    for (const s of ['0', '7', '10', '999999999', '1000000000', '1795000000123', '123456789012345', '999999999999999'])
      expect(plainDecimal(s), s).toBe(Number(s));
    for (let i = 0; i < 2000; i++) {
      const n = Math.floor(Math.random() * 10 ** (1 + (i % 15)));
      expect(plainDecimal(String(n))).toBe(n);
    }
    for (const s of ['', '01', '-1', '+1', '1a', ' 1', '1 ', '1234567890123456', '1e3', '1.5'])
      expect(plainDecimal(s), s).toBe(-1);
  });
});
