// A normal start of loms and a notifier logs no WARN and no ERROR, also against a broker that has never seen a producer
// or a group (a fresh stack: kafkajs meets "the coordinator is loading" while the broker creates its internal topics,
// which is transient and retried). Both run as child processes (`services/cli.ts lab-d/loms`, `lab-d/notifier`), the
// way the console and docker compose run them, on a test-scoped broker of their own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, uniqueName, type TestDatabase } from './support/index.js';
import {
  LomsClient,
  NotifierProcess,
  ServiceProcess,
  killAllSpawned,
  startScopedKafka,
  waitFor,
  type ScopedKafka,
} from './lab-d/harness.js';

/** pino levels: 40 warn, 50 error, 60 fatal */
function loudLines(p: ServiceProcess): string[] {
  return p.stderr.filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 40;
    } catch {
      return line.trim() !== ''; // anything that is not a log line on stderr is loud too
    }
  });
}

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
    const loms = new ServiceProcess('lab-d/loms', {
      LOG_LEVEL: 'info',
      PORT: '0',
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers.join(','),
      LOMS_TOPIC: topic,
    });
    const url = await waitFor(
      () => {
        for (const line of loms.stderr) {
          const parsed = JSON.parse(line) as { msg?: string; url?: string };
          if (parsed.msg === 'loms listening') return parsed.url;
        }
        return loms.alive ? undefined : Promise.reject(new Error(`loms exited: ${loms.stderr.join('\n')}`));
      },
      { timeoutMs: 30_000, what: 'loms listening' },
    );
    const client = new LomsClient(url);
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
    expect(loudLines(loms)).toEqual([]);
    expect(loudLines(notifier)).toEqual([]);
  });
});
