// A normal start of loms and a notifier logs no WARN and no ERROR, also against a broker that has never seen a producer
// or a group (a fresh stack: kafkajs meets "the coordinator is loading" while the broker creates its internal topics,
// which is transient and retried). Both run as child processes (`services/cli.ts lab-d/loms`, `lab-d/notifier`), the
// way the console and docker compose run them, on a test-scoped broker of their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, uniqueName, type TestDatabase } from './support/index.js';
import {
  NotifierProcess,
  killAllSpawned,
  logLines,
  startLomsProcess,
  startScopedKafka,
  waitFor,
  type ScopedKafka,
} from './lab-d/harness.js';

/** pino levels: 40 warn, 50 error, 60 fatal; anything on stderr that is not a log line counts as loud too */
const loud = (p: { stderr: string[] }): string[] =>
  p.stderr.filter((line) => !line.startsWith('{') || (JSON.parse(line) as { level: number }).level >= 40);

describe('Lab D: a normal start is quiet', () => {
  let scoped: ScopedKafka;
  let db: TestDatabase;

  beforeAll(async () => {
    scoped = await startScopedKafka('lab-d-start-logs');
    db = await createTestDatabase('lab_d_start_logs');
  });

  afterAll(async () => {
    await killAllSpawned();
    await Promise.allSettled([scoped?.remove(), db?.drop()]);
  });

  it('loms and a notifier log no warn/error lines from start to a processed order to SIGTERM', async () => {
    const brokers = scoped.kafka.brokers;
    const topic = uniqueName('lab-d-start');
    const { process: loms, client } = await startLomsProcess({ databaseUrl: db.url, brokers, topic });
    const orderId = await client.createOk();
    // the relay created the topic and sent the order's events (the producer met the fresh transaction coordinator)
    await waitFor(
      async () =>
        (await client.call<{ pending: number; sent_total: number }>('GET', '/admin/relay')).body.sent_total >= 2 ||
        undefined,
      {
        timeoutMs: 60_000,
        what: 'the relay sending the first order',
      },
    );

    const notifier = new NotifierProcess('start-logs-1', { brokers, groupId: uniqueName('lab-d-start'), topic });
    await waitFor(() => notifier.events().some((e) => String(e.order_id) === orderId) || undefined, {
      timeoutMs: 60_000,
      what: 'the notifier logging the order (its group met the fresh group coordinator)',
    });

    await Promise.all([loms.stop(), notifier.stop()]);
    expect(await loms.exited).toEqual({ code: 0, signal: null });
    expect(await notifier.exited).toEqual({ code: 0, signal: null });
    expect(loud(loms)).toEqual([]);
    expect(loud(notifier)).toEqual([]);
    expect(logLines(loms).some((l) => l.msg === 'loms listening')).toBe(true);
  });
});
