import { afterEach, describe, expect, it } from 'vitest';
import { createSlotTable, createTimelineStore, type TimelineLab, type TimelineStore } from './timeline-store.js';
import { scanOrderEvent, scanOrderRecord } from '../labs/lab-d/scan.js';
import { LAB_D_MANIFEST } from '../labs/lab-d/manifest.js';
import type { TimelineSummary } from '../contract/console-api.js';

const T = 'loms.order-events';
/** Lab D as the example lab: its statuses and graph, its steps, its scanner on T */
const LAB: TimelineLab = {
  id: 'lab-d',
  statuses: LAB_D_MANIFEST.entity.statuses,
  next: LAB_D_MANIFEST.entity.next,
  steps: LAB_D_MANIFEST.entity.steps.map((s) => s.id),
  scanners: { [T]: scanOrderRecord },
  handledStep: 'processed',
};
const committed = (s: TimelineStore, id: string, status: string, at: number, rowId: string, sentAt: number | null) =>
  s.addFact({
    entity: id,
    step: 'committed',
    status,
    at,
    actor: null,
    where: { kind: 'row', table: 'outbox', id: rowId, sentAt },
    latencyMs: null,
  });
const processed = (
  s: TimelineStore,
  id: string,
  status: string,
  at: number,
  actor: string,
  partition: number,
  offset: number,
  latencyMs: number | null,
) =>
  s.addFact({
    entity: id,
    step: 'processed',
    status,
    at,
    actor,
    where: { kind: 'record', topic: T, partition, offset: String(offset) },
    latencyMs,
  });
let store: TimelineStore | undefined;
afterEach(() => store?.stop());

function rec(orderId: number, status: string) {
  return JSON.stringify({ order_id: orderId, status, moment: '2026-11-22T03:00:00Z' });
}

describe('timeline store', () => {
  it('orders the facts of one order and raises no flag on a valid path', () => {
    store = createTimelineStore({ lab: LAB });
    committed(store, '7', 'new', 1000, '1', 1005);
    committed(store, '7', 'awaiting payment', 1000, '2', 1005);
    expect(store.ingestRecord(T, 1, 10, rec(7, 'new'), 1010)).toBe(true);
    expect(store.ingestRecord(T, 1, 11, rec(7, 'awaiting payment'), 1011)).toBe(true);
    processed(store, '7', 'new', 1020, 'notifier-2', 1, 10, 20);
    processed(store, '7', 'awaiting payment', 1021, 'notifier-2', 1, 11, 21);
    committed(store, '7', 'paid', 2000, '3', null);
    store.ingestRecord(T, 1, 12, rec(7, 'paid'), 2010);
    processed(store, '7', 'paid', 2020, 'notifier-2', 1, 12, 20);
    const t = store.get('7')!;
    expect(t.flags).toEqual([]);
    expect(t.statuses).toEqual(['new', 'awaiting payment', 'paid']);
    expect(t.partition).toBe(1);
    expect(t.actors).toEqual(['notifier-2']);
    expect(t.steps.map((s) => `${s.status}:${s.step}`)).toEqual([
      'new:committed',
      'new:published',
      'new:processed',
      'awaiting payment:committed',
      'awaiting payment:published',
      'awaiting payment:processed',
      'paid:committed',
      'paid:published',
      'paid:processed',
    ]);
    expect(store.flagged().total).toBe(0);
  });

  it('flags a status path out of order and a gap', () => {
    store = createTimelineStore({ lab: LAB });
    store.ingestRecord(T, 0, 1, rec(1, 'new'), 1);
    store.ingestRecord(T, 0, 2, rec(1, 'paid'), 2); // new → paid skips awaiting payment: a gap
    expect(store.get('1')!.flags).toEqual(['gap']);
    store.ingestRecord(T, 0, 3, rec(1, 'awaiting payment'), 3); // paid → awaiting payment: out of order
    expect(store.get('1')!.flags).toEqual(['out-of-order', 'gap']);
    store.ingestRecord(T, 0, 4, rec(2, 'awaiting payment'), 4);
    store.ingestRecord(T, 0, 5, rec(2, 'new'), 5);
    expect(store.get('2')!.flags).toContain('out-of-order');
    expect(store.flagged('out-of-order').total).toBe(2);
    expect(store.flagged('gap').items.map((i) => i.entity)).toEqual(['2', '1']); // newest first; 2 starts without `new`
    expect(store.get('1')!.flagReasons.map((r) => r.flag)).toEqual(['out-of-order', 'gap']);
  });

  it('flags duplicates: a status published twice, an offset processed twice; a re-read of the same offset is not one', () => {
    store = createTimelineStore({ lab: LAB });
    store.ingestRecord(T, 0, 1, rec(3, 'new'), 1);
    store.ingestRecord(T, 0, 1, rec(3, 'new'), 1); // the same record read again
    expect(store.get('3')!.flags).toEqual([]);
    store.ingestRecord(T, 0, 9, rec(3, 'new'), 9); // a raw duplicate
    expect(store.get('3')!.flags).toEqual(['duplicate']);

    store.ingestRecord(T, 1, 1, rec(4, 'new'), 1);
    processed(store, '4', 'new', 2, 'notifier-1', 1, 1, 1);
    expect(store.get('4')!.flags).toEqual([]);
    processed(store, '4', 'new', 3, 'notifier-3', 1, 1, 1); // redelivered after a rebalance
    expect(store.get('4')!.flags).toEqual(['duplicate']);
    expect(store.get('4')!.actors).toEqual(['notifier-1', 'notifier-3']);
  });

  it('flags a missing step only once the group committed past it with lag 0, and clears it when processing shows up', () => {
    store = createTimelineStore({ lab: LAB });
    store.ingestRecord(T, 0, 5, rec(5, 'new'), 1);
    store.ingestRecord(T, 0, 6, rec(6, 'new'), 1);
    processed(store, '6', 'new', 2, 'notifier-1', 0, 6, 1);
    store.setGroupProgress(T, 0, 7, false); // still lagging
    expect(store.get('5')!.flags).toEqual([]);
    store.setGroupProgress(T, 0, 7, true);
    expect(store.get('5')!.flags).toEqual(['missing-step']);
    expect(store.get('6')!.flags).toEqual([]);
    processed(store, '5', 'new', 3, 'notifier-2', 0, 5, 1);
    expect(store.get('5')!.flags).toEqual([]);
  });

  it('keeps the newest entities up to the cap and evicts the oldest', () => {
    store = createTimelineStore({ lab: LAB, cap: 1000 });
    for (let i = 1; i <= 5000; i++) store.ingestRecord(T, i % 2, i, rec(i, 'new'), i);
    expect(store.size).toBe(1000);
    expect(store.evictedTotal).toBe(4000);
    expect(store.get('4000')).toBeNull();
    expect(store.get('4001')).not.toBeNull();
    expect(store.get('5000')).not.toBeNull();
    expect(store.recent(undefined, 3).map((s) => s.entity)).toEqual(['5000', '4999', '4998']);
  });

  it('ignores records that are not order events (poison)', () => {
    store = createTimelineStore({ lab: LAB });
    expect(store.ingestRecord(T, 0, 1, '{not json', 1)).toBe(false);
    expect(store.ingestRecord(T, 0, 2, JSON.stringify({ order_id: 1, status: 'lost' }), 1)).toBe(false);
    expect(store.ingestRecord(T, 0, 3, null, 1)).toBe(false);
    expect(store.size).toBe(0);
  });

  it('pushes changed orders in batches with an increasing sequence number', async () => {
    const batches: { seq: number; updated: TimelineSummary[]; evicted: number }[] = [];
    store = createTimelineStore({
      lab: LAB,
      cap: 10,
      batchMs: 16,
      onBatch: (seq, updated, evicted) => batches.push({ seq, updated, evicted }),
    });
    for (let i = 1; i <= 15; i++) store.ingestRecord(T, 0, i, rec(i, 'new'), i);
    await new Promise<void>((resolve) => {
      const deadline = Date.now() + 2000;
      const check = () => (batches.length > 0 || Date.now() > deadline ? resolve() : setTimeout(check, 5));
      check();
    });
    store.ingestRecord(T, 0, 16, rec(16, 'new'), 16);
    store.flush();
    expect(batches.map((b) => b.seq)).toEqual([1, 2]);
    expect(batches[0]!.updated).toHaveLength(10);
    expect(batches[0]!.evicted).toBe(5);
    expect(batches[1]!.updated.map((u) => u.entity)).toEqual(['16']);
  });
});

describe('timeline store: ingest batches', () => {
  it('ends in the same state with and without batches (flags, evictions within a batch, pushes)', () => {
    const statuses = ['new', 'awaiting payment', 'paid', 'cancelled', 'failed'];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const records: { partition: number; offset: number; value: Buffer; at: number }[] = [];
    const offsets = [0, 0];
    for (let i = 0; i < 3000; i++) {
      const id = 1 + rand(400) + Math.floor(i / 10);
      const partition = id % 2;
      records.push({
        partition,
        offset: offsets[partition]!++,
        value: Buffer.from(rec(id, statuses[rand(statuses.length)]!)),
        at: 1000 + i,
      });
      if (rand(10) === 0) records.push({ ...records.at(-1)! }); // a re-read
    }
    const pushed = (into: string[]) => (_seq: number, updated: TimelineSummary[], evicted: number, size: number) =>
      into.push(`${updated.map((u) => `${u.entity}:${u.flags.join('+')}`).join(',')}|${evicted}|${size}`);
    const onePushes: string[] = [];
    const batchPushes: string[] = [];
    const one = createTimelineStore({ lab: LAB, cap: 150, onBatch: pushed(onePushes) });
    const batched = createTimelineStore({ lab: LAB, cap: 150, onBatch: pushed(batchPushes) });
    for (let from = 0; from < records.length; from += 97) {
      batched.beginBatch();
      for (const r of records.slice(from, from + 97)) {
        one.ingestRecord(T, r.partition, r.offset, r.value, r.at);
        batched.ingestRecord(T, r.partition, r.offset, r.value, r.at);
      }
      batched.endBatch();
      if (from % 5 === 0) {
        one.flush();
        batched.flush();
      }
    }
    one.flush();
    batched.flush();
    expect(batched.size).toBe(one.size);
    expect(batched.evictedTotal).toBe(one.evictedTotal);
    expect(batched.evictedTotal).toBeGreaterThan(0);
    expect(batched.flagged(undefined, 1000)).toEqual(one.flagged(undefined, 1000));
    expect(one.flagged().total).toBeGreaterThan(0);
    expect(batched.recent(undefined, 1000)).toEqual(one.recent(undefined, 1000));
    for (const s of one.recent(undefined, 1000)) expect(batched.get(s.entity)).toEqual(one.get(s.entity));
    expect(batchPushes).toEqual(onePushes);
    one.stop();
    batched.stop();
  });

  it('lists flagged orders in the order they got a flag, one that lost it and got one again last', () => {
    store = createTimelineStore({ lab: LAB });
    store.ingestRecord(T, 0, 1, rec(1, 'new'), 5);
    store.ingestRecord(T, 0, 2, rec(2, 'new'), 5);
    processed(store, '9', 'new', 5, 'notifier-1', 1, 1, 1); // processing is observed
    store.setGroupProgress(T, 0, 10, true); // the group is past 1 and 2: both are missing a step
    expect(store.flagged().items.map((i) => i.entity)).toEqual(['1', '2']); // the same lastAt: in flagging order
    processed(store, '1', 'new', 5, 'notifier-1', 0, 1, 1);
    expect(store.flagged().items.map((i) => i.entity)).toEqual(['2']);
    store.ingestRecord(T, 0, 3, rec(1, 'new'), 5); // 1 again: a duplicate
    expect(store.flagged().items.map((i) => i.entity)).toEqual(['2', '1']);
    expect(store.flagged('duplicate').items.map((i) => i.entity)).toEqual(['1']);
  });
});

describe('timeline store ids', () => {
  it('keys a canonical decimal id by number and any other id by string: one entity per id whoever reports it', () => {
    const stringScanner = (value: Buffer, out: { entity: string; status: number }) => {
      const v = JSON.parse(value.toString('utf8')) as { id: string; status: string };
      out.entity = v.id;
      out.status = LAB.statuses.indexOf(v.status);
      return out.status >= 0;
    };
    store = createTimelineStore({ lab: { ...LAB, scanners: { [T]: scanOrderRecord, other: stringScanner } }, cap: 4 });
    committed(store, '42', 'new', 1000, '1', null);
    expect(store.ingestRecord(T, 0, 5, rec(42, 'new'), 1001)).toBe(true); // the scanner's number 42
    const viaString = (id: string, status: string, offset: number, at: number) =>
      store!.ingestRecord('other', 0, offset, JSON.stringify({ id, status }), at);
    expect(viaString('42', 'awaiting payment', 6, 1002)).toBe(true); // a string scanner's "42": the same entity
    expect(viaString('042', 'new', 7, 1003)).toBe(true); // not canonical: an id of its own
    expect(viaString('order-a', 'new', 8, 1004)).toBe(true);
    expect(store.size).toBe(3);
    expect(store.get('42')).toMatchObject({ entity: '42', statuses: ['new', 'awaiting payment'], firstAt: 1000 });
    expect(store.get('042')).toMatchObject({ entity: '042', statuses: ['new'] });
    expect(store.get('order-a')?.entity).toBe('order-a');
    expect(store.get('43')).toBeNull();
    expect(store.recent('04').map((e) => e.entity)).toEqual(['042']);
    expect(store.recent('').map((e) => e.entity)).toEqual(['order-a', '042', '42']);
    // the cap counts both kinds; the oldest goes first (42, then 042, then order-a)
    expect(store.ingestRecord(T, 0, 9, rec(7, 'new'), 1005)).toBe(true);
    expect(viaString('order-b', 'new', 10, 1006)).toBe(true);
    expect(store.size).toBe(4);
    expect(store.get('42')).toBeNull();
    expect(store.evictedTotal).toBe(1);
    expect(store.ingestRecord(T, 0, 11, rec(8, 'new'), 1007)).toBe(true);
    expect(store.size).toBe(4);
    expect(store.get('042')).toBeNull();
    expect(store.evictedTotal).toBe(2);
    expect(store.ingestRecord(T, 0, 12, rec(42, 'paid'), 1008)).toBe(true); // seen again after its eviction: new
    expect(store.get('order-a')).toBeNull();
    expect(store.get('42')).toMatchObject({ statuses: ['paid'] });
    expect(store.recent().map((e) => e.entity)).toEqual(['42', '8', 'order-b', '7']);
  });
});

describe('timeline store slots', () => {
  it('keeps more published facts than fit inline, in offset order, whatever order they arrive in', () => {
    store = createTimelineStore({ lab: LAB });
    // six facts of one order (two re-reads among them), offsets arriving out of order
    const facts: [string, number][] = [
      ['awaiting payment', 20],
      ['new', 10],
      ['paid', 40],
      ['new', 10],
      ['paid', 30],
      ['cancelled', 50],
      ['awaiting payment', 20],
      ['new', 5],
    ];
    for (const [status, offset] of facts) store.ingestRecord(T, 0, offset, rec(7, status), 1000 + offset);
    const t = store.get('7')!;
    const published = t.steps.filter((f) => f.step === 'published');
    expect(published.map((f) => (f.where as { offset: string }).offset)).toEqual(['5', '10', '20', '30', '40', '50']);
    expect(t.statuses).toEqual(['new', 'new', 'awaiting payment', 'paid', 'paid', 'cancelled']);
    expect(t.flags).toEqual(expect.arrayContaining(['duplicate', 'out-of-order']));
  });

  it('gives a slot taken over by a newer entity to that one only (evicted ids, string and numeric, are gone)', () => {
    store = createTimelineStore({ lab: LAB, cap: 3 });
    store.addPublished('a-1', 'new', 1, T, 0, 1);
    store.addPublished('2', 'new', 2, T, 0, 2);
    store.addPublished('b-3', 'new', 3, T, 0, 3);
    store.addPublished('2', 'awaiting payment', 4, T, 0, 4);
    store.addPublished('5', 'paid', 5, T, 0, 5); // takes a-1's slot
    store.addPublished('c-6', 'new', 6, T, 0, 6); // takes 2's slot
    expect(store.get('a-1')).toBeNull();
    expect(store.get('2')).toBeNull();
    expect(store.get('5')!.statuses).toEqual(['paid']);
    expect(store.get('c-6')!.statuses).toEqual(['new']);
    expect(store.get('b-3')!.statuses).toEqual(['new']);
    expect(store.flagged('gap').items.map((x) => x.entity)).toEqual(['5']); // paid without new and awaiting payment
    expect(store.size).toBe(3);
    expect(store.evictedTotal).toBe(2);
  });

  it('slot table: the same answers as a Map under inserts and deletes of sequential, strided, random and big ids', () => {
    let seed = 42;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    for (const idOf of [
      (i: number) => i + 1,
      (i: number) => (i + 1) * 1024,
      (i: number) => (i + 1) * 4096 + 7,
      () => 1 + Math.floor(random() * 1e9),
      (i: number) => 2 ** 40 + i * 3,
      () => 1 + Math.floor(random() * 1e15),
    ]) {
      const table = createSlotTable(500);
      const map = new Map<number, number>();
      const live: number[] = [];
      for (let i = 0; i < 5000; i++) {
        const id = idOf(i);
        if (!map.has(id)) {
          table.set(id, i);
          map.set(id, i);
          live.push(id);
        }
        // at most 500 live (the store's cap), the oldest or a random one leaving
        if (live.length > 500) {
          const gone = live.splice(random() < 0.5 ? 0 : Math.floor(random() * live.length), 1)[0]!;
          table.delete(gone);
          map.delete(gone);
        }
        if (i % 97 === 0) for (const [k, v] of map) expect(table.get(k)).toBe(v);
        expect(table.get(1e15 + 1 + i)).toBe(-1); // above every id used
      }
      for (const [k, v] of map) expect(table.get(k)).toBe(v);
    }
  });
});

describe('scanOrderEvent (the byte fast path)', () => {
  it('reads order_id and status from compact and spaced JSON (the relay writes jsonb text with spaces)', () => {
    expect(
      scanOrderEvent(Buffer.from('{"order_id":42,"status":"awaiting payment","moment":"2026-11-22T03:00:00Z"}')),
    ).toEqual({ orderId: 42, status: 1 });
    expect(
      scanOrderEvent(
        Buffer.from('{"moment": "2026-11-22T03:00:00Z", "status": "paid", "order_id": 7, "user_id": "1000"} '),
      ),
    ).toEqual({ orderId: 7, status: 3 });
    // the first of each field counts, and the scan stops once both are read
    expect(
      scanOrderEvent(Buffer.from('{"status":"cancelled","order_id":12,"status":"new","order_id":"x", oops}')),
    ).toEqual({ orderId: 12, status: 4 });
    expect(scanOrderEvent(Buffer.from('{"order_id":3,"status":"failed"}'))).toEqual({ orderId: 3, status: 2 });
  });
  it('reads the leading compact shape in one go with the same answers as the token scan', () => {
    const compact = (rest: string) => scanOrderEvent(Buffer.from(`{"order_id":${rest}`));
    expect(compact('12,"status":"paid","moment":"2026-11-22T03:00:00Z","user_id":"1000"}')).toEqual({
      orderId: 12,
      status: 3,
    });
    expect(compact('123456789012345,"status":"cancelled","event_id":"e1"}  \n')).toEqual({
      orderId: 123456789012345,
      status: 4,
    });
    // not the leading shape: the token scan answers (a space, a status key later)
    expect(compact(' 12,"status":"paid","moment":"2026-11-22T03:00:00Z"}')).toEqual({ orderId: 12, status: 3 });
    expect(compact('12,"moment":"2026-11-22T03:00:00Z","status":"new"}')).toEqual({ orderId: 12, status: 0 });
    // refused by both
    for (const rest of [
      '012,"status":"paid","moment":"2026-11-22T03:00:00Z"}',
      '1234567890123456,"status":"new","moment":"2026-11-22"}',
      '12,"status":"pai","moment":"2026-11-22T03:00:00Z"}',
      '12,"status":"paid","moment":"2026-11-22T03:00:00Z"',
      '-12,"status":"paid","moment":"2026-11-22T03:00:00Z"}',
      '12.5,"status":"paid","moment":"2026-11-22T03:00:00Z"}x',
    ])
      expect(compact(rest), rest).toBeUndefined();
  });
  it('reads the status value exactly: the name, then its closing quote', () => {
    expect(scanOrderEvent(Buffer.from('{"order_id": 1, "status": "news"}'))).toBeUndefined();
    expect(scanOrderEvent(Buffer.from('{"order_id": 1, "status": "ne"}'))).toBeUndefined();
    expect(scanOrderEvent(Buffer.from('{"order_id": 1, "status": ""}'))).toBeUndefined();
    expect(scanOrderEvent(Buffer.from('{"order_id": 1, "status": "awaiting paymen"}'))).toBeUndefined();
    expect(scanOrderEvent(Buffer.from('{"order_id": 1, "status": "Paid"}'))).toBeUndefined();
    expect(scanOrderEvent(Buffer.from('{"order_id": 1, "status": "awaiting payment"}'))).toEqual({
      orderId: 1,
      status: 1,
    });
  });
  it('refuses poison and values of the wrong shape', () => {
    for (const v of [
      '{"order_id": 1, "status": "new", this is not JSON',
      'not json',
      '{"order_id": "1", "status": "new"}',
      '{"order_id": 1, "status": "lost"}',
      '{"order_id": 1, "status": "nex"}',
      '{"order_id": 01, "status": "new"}',
      '{"status": "new"}',
      '{"order_id": 1}',
      '{"note": "\\"order_id\\": 5, \\"status\\": \\"new\\"", "x": 1}',
      '{"nested": {"order_id": 5, "status": "new"}}',
    ])
      expect(scanOrderEvent(Buffer.from(v)), v).toBeUndefined();
  });
  it('feeds the store from bytes like from strings', () => {
    const s = createTimelineStore({ lab: LAB });
    expect(s.ingestRecord(T, 0, 1, Buffer.from(rec(9, 'new')), 1)).toBe(true);
    expect(s.ingestRecord(T, 0, 2, Buffer.from('{"order_id": 9, "status": "new", oops'), 2)).toBe(false);
    expect(s.get('9')!.statuses).toEqual(['new']);
    s.stop();
  });
});
