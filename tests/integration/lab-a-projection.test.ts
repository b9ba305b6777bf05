// Lab A's projection against real Kafka, the MongoDB-wire server and Redis: events are applied by version (create →
// update×3 → delete leaves the state of the last event), duplicates and a replay from the earliest offset change nothing,
// the write-through copy in Redis equals MongoDB, a poison record is skipped and counted (and committed past), and every
// broken mode of LABS.md makes its invariant visibly wrong.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderCheck } from '../../main/console/labs/lab-a/checks/order-check.js';
import { applyEvents } from '../../services/lab-a/projector.js';
import type { PresentationEvent } from '../../services/lab-a/schema.js';
import {
  cleanUp,
  connectStores,
  createTopic,
  deadPort,
  kafkaCheckContext,
  labANames,
  produce,
  startApi,
  startProjector,
  testKafka,
  waitFor,
  type LabANames,
  type Stores,
} from './lab-a/harness.js';

const talk = { title: 'Replay it', speaker: 'Grace', conference: 'KafkaConf', duration_min: 30 };

function eventOf(
  id: string,
  version: number,
  type: PresentationEvent['type'] = version === 1 ? 'PresentationCreated' : 'PresentationUpdated',
  data: PresentationEvent['data'] = { ...talk, title: `v${version}` },
): string {
  const event: PresentationEvent = {
    event_id: randomUUID(),
    type,
    occurred_at: new Date().toISOString(),
    aggregate_id: id,
    version,
    data: type === 'PresentationDeleted' ? {} : data,
  };
  return JSON.stringify(event);
}

describe('lab-a projection', () => {
  let stores: Stores;
  const used: LabANames[] = [];
  const stops: (() => Promise<void>)[] = [];
  const world = (prefix: string): LabANames => {
    const names = labANames(prefix);
    used.push(names);
    return names;
  };

  beforeAll(async () => {
    stores = await connectStores();
  });

  afterAll(async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
    if (stores) {
      await Promise.allSettled(used.map((names) => cleanUp(stores, names)));
      await stores.close();
    }
  });

  it('applies events by version, is idempotent under duplicates and a replay, keeps Redis equal to MongoDB, skips poison', async () => {
    const names = world('proj');
    const api = await startApi(names, { writeThrough: true });
    stops.push(() => api.api.stop());
    const first = await startProjector(names);
    stops.push(() => first.projector.stop());

    // A: create → update×3 → delete; B: create → update
    const a = ((await api.http('POST', '/presentations', talk)).body as { id: string }).id;
    for (const [i, change] of [{ title: 'one' }, { speaker: 'Ada' }, { duration_min: 45 }].entries()) {
      expect((await api.http('PUT', `/presentations/${a}`, change)).body).toEqual({ id: a, version: i + 2 });
    }
    expect((await api.http('DELETE', `/presentations/${a}`)).body).toEqual({ id: a, version: 5 });
    const b = ((await api.http('POST', '/presentations', talk)).body as { id: string }).id;
    await api.http('PUT', `/presentations/${b}`, { title: 'final', expected_version: 1 });

    const col = stores.collection(names.db);
    await waitFor(
      async () =>
        ((await col.findOne({ id: a }))?.version === 5 && (await col.findOne({ id: b }))?.version === 2) || undefined,
      { timeoutMs: 15_000, what: 'A at version 5 and B at version 2 in MongoDB' },
    );
    expect(await col.findOne({ id: a }, { projection: { _id: 0, updated_at: 0 } })).toEqual({
      id: a,
      version: 5,
      deleted: true,
    });
    expect(await col.findOne({ id: b }, { projection: { _id: 0, updated_at: 0 } })).toEqual({
      ...talk,
      title: 'final',
      id: b,
      version: 2,
      deleted: false,
    });
    expect(await col.countDocuments()).toBe(2);
    const projectedA = first.lines.filter((l) => l.type === 'projected' && l.id === a);
    expect(projectedA.map((l) => l.type === 'projected' && l.version)).toEqual([1, 2, 3, 4, 5]);
    expect(projectedA.every((l) => l.type === 'projected' && l.window_ms >= 0 && l.window_ms < 15_000)).toBe(true);

    // write-through: Redis holds what MongoDB holds, for every id
    for (const id of [a, b]) {
      const { _id, ...mongo } = (await col.findOne({ id }))!;
      expect(await stores.redisDoc(names, id), id).toEqual(mongo);
    }

    // duplicates (older versions sent again) are skipped and counted; the documents stay
    const before = await stores.digest(names.db);
    await produce(names.topic, [
      { key: a, value: eventOf(a, 2) },
      { key: b, value: eventOf(b, 1) },
      { key: b, value: eventOf(b, 2) },
    ]);
    await waitFor(() => first.lines.filter((l) => l.type === 'skipped').length >= 3 || undefined, {
      timeoutMs: 10_000,
      what: 'three skipped duplicates',
    });
    expect(first.lines.filter((l) => l.type === 'skipped').map((l) => l.type === 'skipped' && l.skipped_total)).toEqual(
      [1, 2, 3],
    );
    expect(await stores.digest(names.db)).toBe(before);

    // poison: not JSON, and JSON that is not an event; logged, counted, skipped; the event behind them is projected
    const c = randomUUID();
    await produce(names.topic, [
      { key: c, value: '{"not json' },
      { key: c, value: JSON.stringify({ type: 'PresentationCreated', aggregate_id: c }) },
      { key: c, value: eventOf(c, 1) },
    ]);
    await waitFor(async () => (await col.findOne({ id: c }))?.version === 1 || undefined, {
      timeoutMs: 10_000,
      what: 'the event behind the poison records',
    });
    const errors = first.lines.filter((l) => l.type === 'error');
    expect(errors.map((l) => l.type === 'error' && [l.code, l.errors_total, l.key])).toEqual([
      ['POISON_MESSAGE', 1, c],
      ['POISON_MESSAGE', 2, c],
    ]);
    expect(errors[0]?.type === 'error' && errors[0].message).toMatch(/malformed JSON/);
    expect(errors[1]?.type === 'error' && errors[1].message).toMatch(/not a presentation event/);
    expect(first.projector.stats.errors).toBe(2);
    // committed past the poison
    const poisonAt = errors.map((l) =>
      l.type === 'error' ? { partition: l.partition, offset: Number(l.offset) } : null,
    );
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await waitFor(
        async () => {
          const [t] = await admin.fetchOffsets({ groupId: names.group, topics: [names.topic] });
          return poisonAt.every(
            (p) => Number(t?.partitions.find((x) => x.partition === p?.partition)?.offset) > p!.offset,
          )
            ? true
            : undefined;
        },
        { timeoutMs: 10_000, what: 'the committed offset past the poison records' },
      );
    } finally {
      await admin.disconnect();
    }

    // replay: a fresh group from the earliest offset over the same collection changes nothing
    const digest = await stores.digest(names.db);
    const replay = await startProjector({ ...names, group: `${names.group}-replay` });
    stops.push(() => replay.projector.stop());
    const total = first.projector.stats.projected + first.projector.stats.skipped;
    await waitFor(() => replay.projector.stats.projected + replay.projector.stats.skipped >= total || undefined, {
      timeoutMs: 15_000,
      what: 'the replay to reach the end',
    });
    expect(replay.projector.stats.projected).toBe(0);
    expect(replay.projector.stats.errors).toBe(2);
    expect(await stores.digest(names.db)).toBe(digest);
  });

  it('writes a batch in bulk: an event that is not newer is stale, the others of its bulk write still go in, by version', async () => {
    const names = world('bulk');
    const col = stores.collection(names.db) as unknown as Parameters<typeof applyEvents>[0];
    const [a, b, d] = [randomUUID(), randomUUID(), randomUUID()];
    const ev = (id: string, v: number) => JSON.parse(eventOf(id, v)) as PresentationEvent;
    expect(await applyEvents(col, [ev(a, 1), ev(a, 2), ev(b, 1)])).toEqual(['applied', 'applied', 'applied']);
    // a stale event first in its bulk write does not stop the ones after it; one id's events go in order
    expect(await applyEvents(col, [ev(a, 1), ev(d, 1), ev(b, 1), ev(b, 3), ev(a, 2), ev(a, 4)])).toEqual([
      'stale',
      'applied',
      'stale',
      'applied',
      'stale',
      'applied',
    ]);
    const versions = Object.fromEntries((await col.find({}).toArray()).map((doc) => [doc.id, doc.version] as const));
    expect(versions).toEqual({ [a]: 4, [b]: 3, [d]: 1 });
  });

  it('projector-not-idempotent: a duplicate adds documents and an older version wins', async () => {
    const correct = world('idem-ok');
    const broken = { ...world('idem-broken'), topic: correct.topic };
    await createTopic(correct.topic);
    const id = randomUUID();
    await produce(correct.topic, [
      { key: id, value: eventOf(id, 1) },
      { key: id, value: eventOf(id, 2) },
      { key: id, value: eventOf(id, 1) },
    ]);
    const [ok, bad] = await Promise.all([
      startProjector(correct),
      startProjector(broken, { brokenMode: 'projector-not-idempotent' }),
    ]);
    stops.push(
      () => ok.projector.stop(),
      () => bad.projector.stop(),
    );
    await waitFor(() => ok.projector.stats.projected + ok.projector.stats.skipped >= 3 || undefined, {
      timeoutMs: 10_000,
      what: 'the correct projector to read the three events',
    });
    await waitFor(() => bad.projector.stats.projected >= 3 || undefined, {
      timeoutMs: 10_000,
      what: 'the broken projector to read the three events',
    });
    const okDocs = await stores.collection(correct.db).find({ id }).toArray();
    expect(okDocs.map((d) => d.version)).toEqual([2]);
    const badDocs = await stores.collection(broken.db).find({ id }).toArray();
    expect(badDocs.map((d) => d.version)).toEqual([1, 2, 1]);
    expect(await stores.digest(broken.db)).not.toBe(await stores.digest(correct.db));
  });

  it('write-through-before-ack: a command answered 503 is in Redis all the same', async () => {
    const names = world('wt');
    const port = await deadPort();
    const [ok, bad] = await Promise.all([
      startApi(names, { brokers: [`127.0.0.1:${port}`], writeThrough: true, ackTimeoutMs: 1000 }),
      startApi(names, { brokers: [`127.0.0.1:${port}`], ackTimeoutMs: 1000, brokenMode: 'write-through-before-ack' }),
    ]);
    stops.push(
      () => ok.api.stop(),
      () => bad.api.stop(),
    );
    const [okAnswer, badAnswer] = await Promise.all([
      ok.http('POST', '/presentations', talk),
      bad.http('POST', '/presentations', talk),
    ]);
    expect([okAnswer.status, badAnswer.status]).toEqual([503, 503]);
    const idOf = (r: { body: unknown }) => (r.body as { details: { id: string } }).details.id;
    expect(await stores.redisDoc(names, idOf(okAnswer))).toBeNull();
    expect(await stores.redisDoc(names, idOf(badAnswer))).toMatchObject({ id: idOf(badAnswer), version: 1 });
    expect(bad.lines.map((l) => l.type)).toEqual(['cached', 'refused']);
    expect(bad.lines[0]).toMatchObject({ after_ack: false });
  });

  it("null-key: one presentation's events are spread over partitions", async () => {
    const names = world('nullkey');
    const [ok, bad] = await Promise.all([
      startApi(names),
      startApi({ ...names, topic: `${names.topic}-null` }, { brokenMode: 'null-key' }),
    ]);
    stops.push(
      () => ok.api.stop(),
      () => bad.api.stop(),
    );
    for (const fixture of [ok, bad]) {
      const { id } = (await fixture.http('POST', '/presentations', talk)).body as { id: string };
      for (let i = 0; i < 5; i++) await fixture.http('PUT', `/presentations/${id}`, { duration_min: 31 + i });
    }
    const partitions = (lines: typeof ok.lines) =>
      new Set(lines.map((l) => (l.type === 'accepted' ? l.partition : -1)).filter((p) => p >= 0)).size;
    expect(ok.lines.filter((l) => l.type === 'accepted')).toHaveLength(6);
    expect(partitions(ok.lines)).toBe(1);
    expect(bad.lines.every((l) => l.type !== 'accepted' || l.key === null)).toBe(true);
    expect(partitions(bad.lines)).toBeGreaterThan(1);

    // the check of invariant 2 judges the topics: correct PASS (a replayed record is counted apart), null-key FAIL
    const first = ok.lines.find((l) => l.type === 'accepted');
    if (first?.type !== 'accepted') throw new Error('no accepted line');
    const replayed = { ...(JSON.parse(eventOf(first.id, 1)) as object), event_id: first.event_id };
    await produce(names.topic, [{ key: first.id, value: JSON.stringify(replayed) }]);
    const ctx = kafkaCheckContext();
    const [pass, fail] = await Promise.all([
      orderCheck(names.topic).run(ctx),
      orderCheck(`${names.topic}-null`).run(ctx),
    ]);
    expect(pass).toMatchObject({
      status: 'PASS',
      counts: { presentations: 1, events: 7, duplicates: 1, 'out of order': 0 },
    });
    expect(fail).toMatchObject({ status: 'FAIL', counts: { presentations: 1, unkeyed: 1, spread: 1 } });
    expect(fail.evidence?.[0]?.detail).toMatch(/has the key null, not its id/);
  });

  it('slow-projector: a change becomes readable long after its 202', async () => {
    const names = world('slow');
    const slowMs = 2500;
    const api = await startApi(names);
    stops.push(() => api.api.stop());
    const slow = await startProjector(names, { brokenMode: 'slow-projector', slowMs });
    stops.push(() => slow.projector.stop());
    const accepted = Date.now();
    const { id } = (await api.http('POST', '/presentations', talk)).body as { id: string };
    await waitFor(async () => (await stores.collection(names.db).findOne({ id })) ?? undefined, {
      timeoutMs: 15_000,
      what: 'the slow projection',
    });
    expect(Date.now() - accepted).toBeGreaterThanOrEqual(slowMs);
    const line = slow.lines.find((l) => l.type === 'projected' && l.id === id);
    expect(line?.type === 'projected' && line.window_ms).toBeGreaterThanOrEqual(slowMs);
  });
});
