// Lab A's presentations API against real Kafka, the MongoDB-wire server and Redis: the LABS.md contract (202 with the
// version after Kafka's acknowledgement, reads from Redis or MongoDB), bad input (400 naming the field, 404, 409 on a
// stale expected_version) and a Kafka that does not take the event (503, never 202, and nothing in Redis).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanUp,
  connectStores,
  deadPort,
  labANames,
  startApi,
  startProjector,
  waitFor,
  type ApiFixture,
  type ProjectorFixture,
  type Stores,
} from './lab-a/harness.js';

const talk = (speaker: string) => ({
  title: 'Exactly once is a lie',
  speaker,
  conference: 'HighLoad',
  duration_min: 40,
  abstract: 'At least once plus idempotence.',
});

describe('lab-a presentations-api', () => {
  const names = labANames('api');
  let stores: Stores;
  let api: ApiFixture;
  let mongoOnly: ApiFixture;
  let projector: ProjectorFixture;

  beforeAll(async () => {
    stores = await connectStores();
    // the API creates the topic; the projector waits for it
    [api, mongoOnly] = await Promise.all([startApi(names, { writeThrough: true }), startApi(names)]);
    projector = await startProjector(names);
  });

  afterAll(async () => {
    await Promise.allSettled([api?.api.stop(), mongoOnly?.api.stop(), projector?.projector.stop()]);
    if (stores) {
      await cleanUp(stores, names);
      await stores.close();
    }
  });

  it('accepts a create with 202 after the ack, and the change becomes readable from Redis and from MongoDB', async () => {
    const speaker = `speaker-${names.prefix}`;
    const created = await api.http('POST', '/presentations', talk(speaker));
    expect(created.status).toBe(202);
    const { id, version } = created.body as { id: string; version: number };
    expect(version).toBe(1);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const accepted = api.lines.find((l) => l.type === 'accepted' && l.id === id);
    expect(accepted).toMatchObject({ version: 1, event_type: 'PresentationCreated', key: id, topic: names.topic });
    const cached = api.lines.find((l) => l.type === 'cached' && l.id === id);
    expect(cached).toMatchObject({ version: 1, after_ack: true });

    // write-through: readable at once, from Redis
    const fromRedis = await api.http('GET', `/presentations/${id}`);
    expect(fromRedis).toMatchObject({ status: 200, readFrom: 'redis' });
    expect(fromRedis.body).toMatchObject({ ...talk(speaker), id, version: 1 });

    // without write-through: readable once projected, from MongoDB
    const fromMongo = await waitFor(
      async () => {
        const r = await mongoOnly.http('GET', `/presentations/${id}`);
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 10_000, what: 'the projected presentation' },
    );
    expect(fromMongo.readFrom).toBe('mongo');
    expect(fromMongo.body).toEqual(fromRedis.body);
    const list = await mongoOnly.http(
      'GET',
      `/presentations?speaker=${encodeURIComponent(speaker)}&conference=HighLoad`,
    );
    expect(list).toMatchObject({ status: 200, readFrom: 'mongo' });
    expect(list.body).toEqual([fromMongo.body]);
    expect((await mongoOnly.http('GET', `/presentations?speaker=nobody-${names.prefix}`)).body).toEqual([]);
  });

  it('updates (full or partial) with a strictly increasing version, 409 on a stale expected_version, deletes', async () => {
    const created = await api.http('POST', '/presentations', talk('Alice'));
    const { id } = created.body as { id: string };
    const partial = await api.http('PUT', `/presentations/${id}`, { duration_min: 55, expected_version: 1 });
    expect(partial).toMatchObject({ status: 202, body: { id, version: 2 } });
    const stale = await api.http('PUT', `/presentations/${id}`, { title: 'Late', expected_version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      code: 'CONFLICT',
      details: { field: 'expected_version', expected_version: 1, current_version: 2 },
    });
    expect((stale.body as { message: string }).message).toMatch(/expected_version/);
    const full = await api.http('PUT', `/presentations/${id}`, { ...talk('Bob'), title: 'Renamed' });
    expect(full).toMatchObject({ status: 202, body: { id, version: 3 } });
    expect((await api.http('GET', `/presentations/${id}`)).body).toMatchObject({
      title: 'Renamed',
      speaker: 'Bob',
      duration_min: 40,
      version: 3,
    });
    const deleted = await api.http('DELETE', `/presentations/${id}`);
    expect(deleted).toMatchObject({ status: 202, body: { id, version: 4 } });
    expect((await api.http('PUT', `/presentations/${id}`, { title: 'Again' })).status).toBe(404);
    expect((await api.http('DELETE', `/presentations/${id}`)).status).toBe(404);
    expect((await api.http('GET', `/presentations/${id}`)).status).toBe(404);
    // the events of one presentation: one partition, versions in offset order
    const accepted = api.lines.filter((l) => l.type === 'accepted' && l.id === id);
    expect(accepted.map((l) => l.type === 'accepted' && l.version)).toEqual([1, 2, 3, 4]);
    expect(new Set(accepted.map((l) => l.type === 'accepted' && l.partition)).size).toBe(1);
    const offsets = accepted.map((l) => (l.type === 'accepted' ? Number(l.offset) : -1));
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    // MongoDB ends at the delete's tombstone: not readable any more
    await waitFor(async () => (await stores.collection(names.db).findOne({ id }))?.version === 4 || undefined, {
      timeoutMs: 10_000,
      what: 'the tombstone in MongoDB',
    });
    expect((await mongoOnly.http('GET', `/presentations/${id}`)).status).toBe(404);
  });

  it('answers 400 naming the field for a bad body or id, 404 for an unknown id', async () => {
    const bad = async (method: string, path: string, body: unknown, field: string): Promise<void> => {
      const r = await api.http(method, path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(r.body).toMatchObject({ code: 'INVALID_INPUT', details: { field } });
      expect((r.body as { message: string }).message).toContain(field);
    };
    const { title: _title, ...noTitle } = talk('x');
    await bad('POST', '/presentations', noTitle, 'title');
    await bad('POST', '/presentations', { ...talk('x'), duration_min: '45' }, 'duration_min');
    await bad('POST', '/presentations', { ...talk('x'), duration_min: 0 }, 'duration_min');
    await bad('POST', '/presentations', { ...talk('x'), speaker: '' }, 'speaker');
    await bad('POST', '/presentations', { ...talk('x'), duration: 45 }, 'duration');
    await bad('POST', '/presentations', '{"title": ', 'body');
    const created = await api.http('POST', '/presentations', talk('Carol'));
    const { id } = created.body as { id: string };
    await bad('PUT', `/presentations/${id}`, {}, 'body');
    await bad('PUT', `/presentations/${id}`, { expected_version: 1 }, 'body');
    await bad('PUT', `/presentations/${id}`, { title: 'T', expected_version: 0 }, 'expected_version');
    await bad('PUT', '/presentations/not-a-uuid', { title: 'T' }, 'id');
    const unknown = '0190a3f4-0000-7000-8000-000000000000';
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', { title: 'T' }],
      ['DELETE', undefined],
    ] as const) {
      const r = await api.http(method, `/presentations/${unknown}`, body);
      expect(r.status, method).toBe(404);
      expect(r.body).toMatchObject({ code: 'NOT_FOUND' });
    }
    // nothing of the rejected commands reached Kafka
    expect(api.lines.filter((l) => l.type === 'accepted' && l.id === id)).toHaveLength(1);
  });

  it('answers 503 naming Kafka, never 202, when Kafka does not take the event; nothing goes to Redis', async () => {
    const port = await deadPort();
    const away = await startApi(names, { brokers: [`127.0.0.1:${port}`], writeThrough: true, ackTimeoutMs: 1500 });
    try {
      const begun = Date.now();
      const refused = await away.http('POST', '/presentations', talk('Dave'));
      expect(Date.now() - begun).toBeLessThan(5000);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'KAFKA_UNAVAILABLE', details: { version: 1 } });
      expect((refused.body as { message: string }).message).toMatch(/Kafka did not take the event/);
      const refusedId = (refused.body as { details: { id: string } }).details.id;
      expect(await stores.redisDoc(names, refusedId)).toBeNull();
      expect(away.lines.filter((l) => l.type === 'accepted' || l.type === 'cached')).toEqual([]);
      expect(away.lines).toContainEqual(expect.objectContaining({ type: 'refused', id: refusedId }));

      // an update refused by Kafka leaves the presentation as it was; the next accepted version skips the one refused
      const { id } = (await api.http('POST', '/presentations', talk('Erin'))).body as { id: string };
      const update = await away.http('PUT', `/presentations/${id}`, { title: 'Never', expected_version: 1 });
      expect(update.status).toBe(503);
      expect((await api.http('GET', `/presentations/${id}`)).body).toMatchObject({ version: 1, speaker: 'Erin' });
      const next = await api.http('PUT', `/presentations/${id}`, { title: 'Later', expected_version: 1 });
      expect(next).toMatchObject({ status: 202, body: { version: 3 } });
    } finally {
      await away.api.stop();
    }
  });
});
