// A notifier survives a Kafka outage. Notifiers run as real child processes (`node --import tsx services/cli.ts notifier`,
// as the console runs them) against a test-scoped broker (never the shared one: others run tests on it). The broker is
// stopped for longer than kafkajs' retries last (the notifier's `disconnected` line, then a reconnect attempt that fails
// too): the notifier stays up, and when the broker is started again (same data folder) it joins again and processes
// every event, from the committed offsets. SIGTERM exits 0 quickly with the broker away (two other notifiers) and back.
import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKafka } from '../../main/console/stack/local/kafka.js';
import type { NotifierLifecycleState, NotifierLine } from '../../services/lab-d/schema.js';
import { uniqueName } from './support/index.js';
import {
  NotifierProcess,
  endOffsets,
  groupLag,
  startScopedKafka,
  killAllSpawned,
  testKafka,
  waitFor,
  type CapturedLine,
  type ScopedKafka,
} from './lab-d/harness.js';

type LifecycleLine = Extract<NotifierLine, { type: 'lifecycle' }>;

/** short, so that the group forgets the pre-outage member soon after the broker is back */
const SESSION_TIMEOUT_MS = 6000;
/** a SIGTERM must end the process well within this, with or without a broker */
const EXIT_WITHIN_MS = 6000;

describe('Lab D: a notifier through a Kafka outage', () => {
  const topic = uniqueName('lab-d-notifier-outage');
  let scoped: ScopedKafka;
  let kafka: LocalKafka;

  beforeAll(async () => {
    scoped = await startScopedKafka('lab-d-notifier-outage');
    kafka = scoped.kafka;
    const admin = testKafka(kafka.brokers).admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] });
    } finally {
      await admin.disconnect();
    }
  });

  afterAll(async () => {
    await killAllSpawned();
    await scoped?.remove();
  });

  let nextOrderId = 1;
  async function produce(count: number): Promise<void> {
    const producer = testKafka(kafka.brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const messages = Array.from({ length: count }, () => {
        const id = nextOrderId++;
        return {
          key: String(id),
          value: JSON.stringify({
            order_id: id,
            status: 'new',
            moment: new Date().toISOString(),
            event_id: `outage-${id}`,
          }),
        };
      });
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }

  /** (partition:offset) of every record on the topic that the notifier has not logged as an event */
  async function unprocessed(notifier: NotifierProcess): Promise<string[]> {
    const logged = new Set(notifier.events().map((e) => `${e.partition}:${e.offset}`));
    const missing: string[] = [];
    for (const [partition, end] of await endOffsets(kafka.brokers, topic)) {
      for (let offset = 0; offset < end; offset++)
        if (!logged.has(`${partition}:${offset}`)) missing.push(`${partition}:${offset}`);
    }
    return missing;
  }

  const lifecycleSince = (notifier: NotifierProcess, since: number): CapturedLine<LifecycleLine>[] =>
    notifier.lines.filter((c): c is CapturedLine<LifecycleLine> => c.at >= since && c.line.type === 'lifecycle');
  const firstSince = (
    notifier: NotifierProcess,
    state: NotifierLifecycleState,
    since: number,
  ): CapturedLine<LifecycleLine> | undefined => lifecycleSince(notifier, since).find((c) => c.line.state === state);

  async function sigterm(notifier: NotifierProcess): Promise<{ code: number | null; ms: number }> {
    const at = Date.now();
    notifier.signal('SIGTERM');
    const exit = await notifier.exited;
    return { code: exit.code, ms: Date.now() - at };
  }

  it('stays up while the broker is away and says so, resumes from the committed offsets when it is back, loses nothing, and exits 0 on SIGTERM (during the outage too)', async () => {
    const groupOf = new Map<NotifierProcess, string>();
    const spawn = (name: string): NotifierProcess => {
      const groupId = uniqueName(`lab-d-outage-${name}`);
      const notifier = new NotifierProcess(name, {
        brokers: kafka.brokers,
        groupId,
        topic,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
      });
      groupOf.set(notifier, groupId);
      return notifier;
    };
    // each in its own group: the survivor is checked for every event; the other two are stopped during the outage,
    // one while kafkajs still retries, one after the notifier reported the broker lost
    const survivor = spawn('survivor');
    const termEarly = spawn('term-early');
    const termLate = spawn('term-late');
    const all = [survivor, termEarly, termLate];

    await produce(20);
    for (const n of all) {
      await waitFor(async () => (await unprocessed(n)).length === 0 || undefined, {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: `${n.instance} caught up`,
      });
      await waitFor(async () => (await groupLag(kafka.brokers, groupOf.get(n) ?? '', topic)) === 0 || undefined, {
        intervalMs: 250,
        what: `${n.instance} committed`,
      });
    }
    const firstJoin = survivor.lastJoin();
    expect(firstJoin?.line.generation_id, 'the joined line carries the group generation').toEqual(expect.any(Number));
    const endsBeforeOutage = await endOffsets(kafka.brokers, topic);
    const eventsBeforeOutage = survivor.events().length;

    // --- the broker goes away
    const stoppedAt = Date.now();
    await kafka.stop();
    const early = await sigterm(termEarly);
    expect(early.code, termEarly.stderr.slice(-5).join('\n')).toBe(0);
    expect(early.ms).toBeLessThan(EXIT_WITHIN_MS);

    const lost = await waitFor(() => firstSince(survivor, 'disconnected', stoppedAt), {
      timeoutMs: 45_000,
      what: 'the survivor reporting the broker lost',
    });
    await waitFor(() => firstSince(termLate, 'reconnecting', stoppedAt), {
      timeoutMs: 45_000,
      what: 'term-late reconnecting',
    });
    const late = await sigterm(termLate);
    expect(late.code, termLate.stderr.slice(-5).join('\n')).toBe(0);
    expect(late.ms).toBeLessThan(EXIT_WITHIN_MS);
    // a reconnect attempt that fails as well does not end it either (kafkajs' own restart gave up for good there)
    const secondAttempt = await waitFor(
      () =>
        lifecycleSince(survivor, stoppedAt).find((c) => c.line.state === 'reconnecting' && (c.line.attempt ?? 0) >= 2),
      { timeoutMs: 45_000, what: 'a second reconnect attempt' },
    );
    expect(survivor.alive, survivor.stderr.slice(-5).join('\n')).toBe(true);

    // --- the broker is back (same data folder): the survivor joins again and processes what was produced meanwhile
    await kafka.start();
    const backAt = Date.now();
    await produce(20);
    await waitFor(async () => (await unprocessed(survivor)).length === 0 || undefined, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'every event processed after the broker returned',
    });
    const allProcessedAt = Date.now();
    const rejoin = firstSince(survivor, 'joined', backAt);
    expect(survivor.alive).toBe(true);
    console.info(
      `[lab-d] broker stopped: disconnected after ${lost.at - stoppedAt} ms, attempt 2 after ${secondAttempt.at - stoppedAt} ms; ` +
        `broker back: joined after ${rejoin ? rejoin.at - backAt : '?'} ms, every event after ${allProcessedAt - backAt} ms; ` +
        `SIGTERM during the outage: exit after ${early.ms} ms (kafkajs retrying), ${late.ms} ms (reconnecting)`,
    );

    const states = lifecycleSince(survivor, stoppedAt).map((c) => c.line.state);
    expect(states).not.toContain('crashed');
    expect(states.indexOf('disconnected')).toBeLessThan(states.indexOf('reconnecting'));
    expect(states.indexOf('reconnecting')).toBeLessThan(states.lastIndexOf('joined'));
    const lastJoin = survivor.lastJoin();
    expect(lastJoin?.line.generation_id).toBeGreaterThan(firstJoin?.line.generation_id ?? Infinity);
    expect(lastJoin?.line.assignment?.[topic]?.sort()).toEqual([0, 1]);
    // resumed from the committed offsets: nothing from before the outage was processed again
    const replayed = survivor
      .events()
      .slice(eventsBeforeOutage)
      .filter((e) => Number(e.offset) < (endsBeforeOutage.get(e.partition) ?? 0));
    expect(replayed).toEqual([]);

    // --- a graceful stop with the broker back
    const final = await sigterm(survivor);
    expect(final.code).toBe(0);
    expect(final.ms).toBeLessThan(EXIT_WITHIN_MS);
    expect(
      lifecycleSince(survivor, 0)
        .map((c) => c.line.state)
        .slice(-2),
    ).toEqual(['stopping', 'stopped']);
  });
});
