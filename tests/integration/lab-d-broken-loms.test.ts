// Lab D's broken modes of loms (services/lab-d/broken-modes.ts) each produce their bug: relay-gives-up loses the events
// of an outage (rows marked error), random-partitioner spreads one order over partitions, send-before-commit puts a
// record on the topic for a create that failed in the database, no-graceful-shutdown marks pending rows sent and drops
// them on SIGTERM. A mode is refused when it is unknown or not loms'.
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Loms } from '../../services/lab-d/loms/service.js';
import { createTestDatabase, endpoints, uniqueName, type TestDatabase } from './support/index.js';
import {
  LomsClient,
  REPO_ROOT,
  killAllSpawned,
  logLines,
  readTopic,
  startLoms,
  startLomsProcess,
  startScopedKafka,
  tailWhenCreated,
  waitFor,
  type ScopedKafka,
  type TopicTail,
} from './lab-d/harness.js';

const brokers = (): string[] => endpoints().kafka.brokers;

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

describe('Lab D broken modes: loms', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await killAllSpawned();
    for (const undo of cleanup.splice(0).reverse()) await undo().catch(() => undefined);
  });

  async function database(prefix: string): Promise<TestDatabase> {
    const db = await createTestDatabase(prefix);
    cleanup.push(() => db.drop());
    return db;
  }
  async function loms(config: Parameters<typeof startLoms>[0]): Promise<{ loms: Loms; client: LomsClient }> {
    const l = await startLoms(config);
    cleanup.push(() => l.stop());
    return { loms: l, client: new LomsClient(l.url) };
  }
  async function tail(topic: string): Promise<TopicTail> {
    const t = await tailWhenCreated(brokers(), topic);
    cleanup.push(() => t.stop());
    return t;
  }

  it('refuses an unknown mode, or one of the notifier, at start: exit 2 listing the modes of loms', () => {
    for (const [mode, why] of [
      ['nope', 'unknown'],
      ['crash-on-poison', 'applies to notifier, not to loms'],
    ] as const) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'services/cli.ts', 'lab-d/loms'], {
        cwd: REPO_ROOT,
        env: { ...process.env, LAB_BROKEN_MODE: mode, PORT: '0' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain(`LAB_BROKEN_MODE=${mode}: ${why}`);
      expect(run.stderr).toContain('relay-gives-up, random-partitioner, send-before-commit, no-graceful-shutdown');
    }
  });

  it('random-partitioner: the records of one order land on both partitions', async () => {
    const db = await database('lab_d_random_part');
    const topic = uniqueName('lab-d-random-part');
    const { client } = await loms({
      databaseUrl: db.url,
      kafkaBrokers: brokers(),
      topic,
      brokenMode: 'random-partitioner',
    });
    const t = await tail(topic);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await client.createOk());
    for (const id of ids) expect((await client.pay(id)).status).toBe(200);
    await waitFor(() => ids.every((id) => t.ofOrder(id).length >= 3) || undefined, { what: '3 records per order' });
    const split = ids.filter((id) => new Set(t.ofOrder(id).map((r) => r.partition)).size > 1);
    console.info(`[lab-d] random-partitioner: ${split.length} of ${ids.length} orders on both partitions`);
    // 20 orders × 3 records: all of one order on one partition by chance is 1 in 4 per order, (1/4)^20 for all
    expect(split.length).toBeGreaterThan(0);
  });

  it('send-before-commit: a create that failed at the commit still has its records on the topic (the outbox does not)', async () => {
    // a deferred constraint that rejects user 666 at COMMIT: the create fails in the database after its statements ran
    const reject666 = `
      CREATE FUNCTION reject_666() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.user_id = 666 THEN RAISE EXCEPTION 'user 666 rejected at commit'; END IF; RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER reject_666 AFTER INSERT ON orders DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION reject_666();`;
    const results: Record<string, { status: number; records: number; orders: number }> = {};
    for (const mode of ['send-before-commit', undefined] as const) {
      const db = await database('lab_d_send_first');
      const topic = uniqueName('lab-d-send-first');
      const { client } = await loms({
        databaseUrl: db.url,
        kafkaBrokers: brokers(),
        topic,
        ...(mode ? { brokenMode: mode } : {}),
      });
      await query(db.url, reject666);
      const t = await tail(topic);
      const failed = await client.create('666', [{ sku: '139275865', count: 1 }]);
      const marker = await client.createOk('1000'); // committed after the failed one: its records come after
      await t.waitForOrder(marker, 2);
      const orders = await query<{ n: string }>(db.url, 'SELECT count(*)::text AS n FROM orders WHERE user_id = 666');
      results[mode ?? 'correct'] = {
        status: failed.status,
        records: t.records.filter((r) => r.event?.user_id === '666').length,
        orders: Number(orders[0]?.n),
      };
    }
    console.info(`[lab-d] send-before-commit: ${JSON.stringify(results)}`);
    // both answer 5xx and commit no order; only the broken one has put the failed create's events on the topic
    expect(results.correct).toEqual({ status: 503, records: 0, orders: 0 });
    expect(results['send-before-commit']).toEqual({ status: 503, records: 2, orders: 0 });
  });

  it('no-graceful-shutdown: SIGTERM with rows pending marks them sent and drops them; the correct loms keeps them', async () => {
    const lost: Record<string, number> = {};
    for (const mode of ['no-graceful-shutdown', undefined] as const) {
      const db = await database('lab_d_no_graceful');
      const topic = uniqueName('lab-d-no-graceful');
      const first = await startLomsProcess({
        databaseUrl: db.url,
        brokers: brokers(),
        topic,
        ...(mode ? { brokenMode: mode } : {}),
      });
      if (mode) expect(logLines(first.process).filter((l) => l.msg === `broken mode: ${mode}`)).toHaveLength(1);
      const t = await tail(topic);
      expect((await first.client.call('POST', '/admin/relay/pause')).status).toBe(200);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await first.client.createOk());
      first.process.signal('SIGTERM');
      expect(await first.process.exited).toEqual({ code: 0, signal: null });
      expect(logLines(first.process).filter((l) => l.level >= 40)).toEqual([]);

      // a correct loms on the same database sends whatever is still pending
      const { loms: second } = await loms({ databaseUrl: db.url, kafkaBrokers: brokers(), topic });
      await waitFor(async () => (await second.relay.status()).pending === 0 || undefined, { what: 'outbox drained' });
      const marker = await new LomsClient(second.url).createOk();
      await t.waitForOrder(marker, 2);
      const marked = await query<{ n: string }>(
        db.url,
        'SELECT count(*)::text AS n FROM outbox WHERE sent_at IS NOT NULL',
      );
      expect(Number(marked[0]?.n)).toBe(8); // 3 orders × 2 rows + the marker's 2: every row is marked sent
      lost[mode ?? 'correct'] = ids.filter((id) => t.ofOrder(id).length < 2).length;
    }
    console.info(`[lab-d] no-graceful-shutdown: orders missing records: ${JSON.stringify(lost)}`);
    expect(lost).toEqual({ 'no-graceful-shutdown': 3, correct: 0 });
  });

  describe('relay-gives-up (a test-scoped broker, stopped and started)', () => {
    let scoped: ScopedKafka;
    beforeAll(async () => {
      scoped = await startScopedKafka('lab-d-gives-up');
    });
    afterAll(async () => {
      await scoped?.remove();
    });

    it('a broker outage: the rows of its creates are marked error and their records never reach the topic', async () => {
      const kafka = scoped.kafka;
      const db = await database('lab_d_gives_up');
      const topic = uniqueName('lab-d-gives-up');
      const { client, loms: l } = await loms({
        databaseUrl: db.url,
        kafkaBrokers: kafka.brokers,
        topic,
        brokenMode: 'relay-gives-up',
        relay: { maxBackoffMs: 1000 },
      });
      const before = await client.createOk();
      await waitFor(async () => (await l.relay.status()).pending === 0 || undefined, { what: 'first order sent' });

      await kafka.stop();
      const during: string[] = [];
      for (let i = 0; i < 3; i++) during.push(await client.createOk()); // HTTP still 200: the outbox has the rows
      const gaveUp = await waitFor(
        async () => {
          const rows = await query<{ aggregate_id: string; last_error: string }>(
            db.url,
            "SELECT aggregate_id::text AS aggregate_id, last_error FROM outbox WHERE last_error LIKE 'gave up:%'",
          );
          return rows.length === 6 && (await l.relay.status()).pending === 0 ? rows : undefined;
        },
        { timeoutMs: 60_000, what: "the outage's 6 rows marked 'gave up' and none pending" },
      );
      expect(new Set(gaveUp.map((r) => r.aggregate_id))).toEqual(new Set(during));

      await kafka.start();
      // an order after the outage that the relay did send (one created while the broker is still waking up may be
      // given up as well: the broken relay gives up on any failed send)
      const after = await waitFor(
        async () => {
          const id = await client.createOk();
          await waitFor(async () => (await l.relay.status()).pending === 0 || undefined, { what: 'outbox drained' });
          const sent = await query(db.url, 'SELECT 1 FROM outbox WHERE aggregate_id = $1 AND last_error IS NULL', [id]);
          return sent.length === 2 ? id : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: 'an order sent after the outage' },
      );
      const records = await readTopic(kafka.brokers, topic);
      const keys = new Set(records.map((r) => r.key));
      expect(keys.has(before)).toBe(true);
      expect(keys.has(after)).toBe(true);
      expect(during.filter((id) => keys.has(id))).toEqual([]); // lost: the relay gave up on them
    });
  });
});
