// Lab D's broken modes of the notifier (services/lab-d/broken-modes.ts) each produce their bug: commit-before-process
// commits offsets of events a kill then leaves unprocessed, crash-on-poison restarts on a poison record forever (the
// correct notifier skips it), no-graceful-shutdown exits without leaving the group (the takeover waits for the session
// timeout). The notifiers are child processes; records are produced straight to a one-partition topic of each test.
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, uniqueName } from './support/index.js';
import {
  NotifierProcess,
  REPO_ROOT,
  describeGroup,
  killAllSpawned,
  logLines,
  testKafka,
  waitFor,
} from './lab-d/harness.js';

const brokers = (): string[] => endpoints().kafka.brokers;

const event = (orderId: number, status = 'new'): string =>
  JSON.stringify({ order_id: orderId, status, moment: new Date().toISOString(), event_id: `e-${orderId}-${status}` });

async function topicWith(prefix: string, values: string[], partitions = 1): Promise<string> {
  const topic = uniqueName(prefix);
  const kafka = testKafka(brokers());
  const admin = kafka.admin();
  await admin.connect();
  try {
    // waiting for the leaders here can run out of kafkajs' retries on a busy machine: wait on the metadata instead
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: false });
    await waitFor(
      async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        const found = topics[0]?.partitions ?? [];
        return (found.length === partitions && found.every((p) => p.leader >= 0)) || undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: `leaders of ${topic}` },
    );
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  try {
    // one batch per call keeps the records in this order on partition 0 (one partition) or spread by key
    await producer.send({ topic, messages: values.map((value, i) => ({ key: String(i + 1), value })) });
  } finally {
    await producer.disconnect();
  }
  return topic;
}

/** The group's committed offset on each partition (-1: none). */
async function committed(groupId: string, topic: string): Promise<number[]> {
  const admin = testKafka(brokers()).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (t?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

describe('Lab D broken modes: notifier', () => {
  afterEach(async () => {
    await killAllSpawned();
  });
  afterAll(async () => {
    await killAllSpawned();
  });

  const notifier = (
    instance: string,
    topic: string,
    groupId: string,
    brokenMode?: string,
    sessionTimeoutMs?: number,
  ): NotifierProcess =>
    new NotifierProcess(instance, {
      brokers: brokers(),
      groupId,
      topic,
      ...(brokenMode ? { brokenMode } : {}),
      ...(sessionTimeoutMs ? { sessionTimeoutMs } : {}),
      extra: { LOG_LEVEL: 'info' },
    });

  it('refuses a mode of loms at start: exit 2 listing the modes of the notifier', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'services/cli.ts', 'lab-d/notifier'], {
      cwd: REPO_ROOT,
      env: { ...process.env, LAB_BROKEN_MODE: 'relay-gives-up' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain('LAB_BROKEN_MODE=relay-gives-up: applies to loms, not to notifier');
    expect(run.stderr).toContain('commit-before-process, no-graceful-shutdown, crash-on-poison');
  });

  it('commit-before-process: after a kill -9 mid-batch the committed offset is past events no line was logged for', async () => {
    const topic = await topicWith(
      'lab-d-commit-first',
      Array.from({ length: 20 }, (_, i) => event(i + 1)),
    );
    const groupId = uniqueName('lab-d-commit-first');
    const n = notifier('commit-first-1', topic, groupId, 'commit-before-process');
    await waitFor(() => n.events().length > 0 || undefined, { timeoutMs: 60_000, what: 'the first event line' });
    n.signal('SIGKILL'); // within the processing window: 300 ms per record, 20 records
    await n.exited;
    const logged = n.events().map((e) => Number(e.offset));
    const [offset] = await committed(groupId, topic);
    console.info(`[lab-d] commit-before-process: committed ${offset}, logged offsets ${logged.join(',')}`);
    expect(logged.length).toBeLessThan(20);
    expect(offset).toBeGreaterThan(Math.max(...logged) + 1);
    const lost = Array.from({ length: offset ?? 0 }, (_, i) => i).filter((o) => !logged.includes(o));
    expect(lost.length).toBeGreaterThan(0); // committed, never processed: a restarted group starts after them
    const info = logLines(n).filter((l) => l.msg === 'broken mode: commit-before-process');
    expect(info.map((l) => l.level)).toEqual([30]);
    expect(logLines(n).filter((l) => l.level >= 40)).toEqual([]);
  });

  it('crash-on-poison: the notifier restarts on the poison record forever; the correct one logs it and goes on', async () => {
    const topic = await topicWith('lab-d-poison', [event(1), '{"order_id": 2,', event(3)]);
    const brokenGroup = uniqueName('lab-d-poison-broken');
    const correctGroup = uniqueName('lab-d-poison-correct');
    const broken = notifier('poison-broken', topic, brokenGroup, 'crash-on-poison');
    const correct = notifier('poison-correct', topic, correctGroup);

    // the correct one: event, error line (offset 1), event; it commits past the poison
    await waitFor(() => correct.events().some((e) => e.order_id === 3) || undefined, {
      what: 'the record after the poison',
    });
    const errors = correct.lines.flatMap(({ line }) => (line.type === 'error' ? [line] : []));
    expect(errors.map((e) => [e.offset, e.code])).toEqual([['1', 'POISON_MESSAGE']]);
    await waitFor(async () => (await committed(correctGroup, topic))[0] === 3 || undefined, {
      what: 'the correct group committed past the poison',
    });

    // the broken one: crashes on offset 1 again and again, never reaches order 3, its group stays at the poison
    const crashes = (): number =>
      broken.lines.filter(({ line }) => line.type === 'lifecycle' && line.state === 'crashed').length;
    await waitFor(() => crashes() >= 3 || undefined, { timeoutMs: 60_000, what: 'three crash-and-restart rounds' });
    expect(broken.alive).toBe(true);
    expect(broken.events().some((e) => e.order_id === 3)).toBe(false);
    expect(broken.lines.some(({ line }) => line.type === 'error')).toBe(false);
    expect(await committed(brokenGroup, topic)).toEqual([1]);
    const crash = broken.lines.find(({ line }) => line.type === 'lifecycle' && line.state === 'crashed')?.line;
    expect(crash).toMatchObject({
      detail: expect.stringMatching(/offset 1: malformed JSON.*crash-on-poison/) as unknown,
    });
  });

  describe('no-graceful-shutdown', () => {
    const SESSION_TIMEOUT_MS = 6000;
    let topic: string;
    beforeAll(async () => {
      topic = await topicWith('lab-d-no-leave', [event(1), event(2)], 2);
    });

    it('SIGTERM exits 0 without leaving the group: the survivor takes over only after the session timeout', async () => {
      const groupId = uniqueName('lab-d-no-leave');
      const broken = notifier('no-leave-broken', topic, groupId, 'no-graceful-shutdown', SESSION_TIMEOUT_MS);
      const survivor = notifier('no-leave-survivor', topic, groupId, undefined, SESSION_TIMEOUT_MS);
      await waitFor(
        async () => {
          const g = await describeGroup(brokers(), groupId, topic);
          return (
            (g.state === 'Stable' &&
              g.members.length === 2 &&
              g.members.every((m) => m.partitions.length === 1) &&
              broken.partitions(topic).length === 1 &&
              survivor.partitions(topic).length === 1) ||
            undefined
          );
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'two members, one partition each' },
      );

      broken.signal('SIGTERM');
      expect(await broken.exited).toEqual({ code: 0, signal: null });
      const exitedAt = Date.now();
      // the group still counts the member that left without a word
      expect((await describeGroup(brokers(), groupId, topic)).members).toHaveLength(2);
      await waitFor(() => survivor.partitions(topic).length === 2 || undefined, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'the survivor owning both partitions',
      });
      const takeoverMs = Date.now() - exitedAt;
      console.info(
        `[lab-d] no-graceful-shutdown: takeover ${takeoverMs} ms after the exit (session ${SESSION_TIMEOUT_MS} ms)`,
      );
      expect(takeoverMs).toBeGreaterThan(SESSION_TIMEOUT_MS * 0.6);
      const stopped = broken.lines.find(({ line }) => line.type === 'lifecycle' && line.state === 'stopped')?.line;
      expect(stopped).toMatchObject({ detail: expect.stringMatching(/without leaving the group/) as unknown });
    });
  });
});
