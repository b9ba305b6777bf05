// Lab D invariants 5, 6 and 9: three notifier processes in one consumer group (2 active, 1 idle), takeover after a
// SIGKILL, resume after all of them stopped, and a graceful SIGTERM that rebalances far faster than the session timeout.
// The notifiers run as real child processes (`node --import tsx services/cli.ts notifier`); loms runs in-process.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, uniqueName } from './support/index.js';
import {
  NotifierProcess,
  describeGroup,
  endOffsets,
  groupLag,
  killAllSpawned,
  startLomsFixture,
  testKafka,
  waitFor,
  type LomsClient,
  type LomsFixture,
  type TopicTail,
} from './lab-d/harness.js';

const SESSION_TIMEOUT_MS = 10_000;

describe('Lab D: notifiers in one consumer group', () => {
  const topic = uniqueName('lab-d-group');
  let fixture: LomsFixture;
  let client: LomsClient;
  let tail: TopicTail;
  const brokers = (): string[] => endpoints().kafka.brokers;

  beforeAll(async () => {
    fixture = await startLomsFixture({ database: 'lab_d_group', brokers: brokers(), topic });
    ({ client, tail } = fixture);
  });

  afterEach(async () => {
    await killAllSpawned();
  });

  afterAll(async () => {
    await killAllSpawned();
    await fixture?.stop();
  });

  function startGroup(groupId: string, prefix: string): NotifierProcess[] {
    return ['1', '2', '3'].map(
      (i) =>
        new NotifierProcess(`${prefix}-${i}`, {
          brokers: brokers(),
          groupId,
          topic,
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
        }),
    );
  }

  /** Waits until the group is stable with all `members` joined and exactly two of them own a partition. */
  async function waitForTwoActive(
    groupId: string,
    members: NotifierProcess[],
  ): Promise<{ active: NotifierProcess[]; idle: NotifierProcess }> {
    return waitFor(
      async () => {
        const g = await describeGroup(brokers(), groupId, topic);
        if (g.state !== 'Stable' || g.members.length !== members.length) return undefined;
        if (g.members.filter((m) => m.partitions.length > 0).length !== 2) return undefined;
        // every process has printed its join for this generation: the printed assignments match the group's
        const printed = members.map((n) => n.partitions(topic).join(',')).sort();
        const described = g.members.map((m) => m.partitions.join(',')).sort();
        if (printed.join('|') !== described.join('|')) return undefined;
        const active = members.filter((n) => n.partitions(topic).length > 0);
        const idle = members.find((n) => n.partitions(topic).length === 0);
        return active.length === 2 && idle ? { active, idle } : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `group ${groupId}: 3 members, 2 active` },
    );
  }

  async function createOrders(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 5)
      ids.push(...(await Promise.all(Array.from({ length: Math.min(5, n - i) }, () => client.createOk()))));
    await Promise.all(ids.map((id) => tail.waitForOrder(id, 2)));
    return ids;
  }

  /** (partition:offset) of every record on the topic that no process logged as an event. */
  function missingFromLogs(processes: NotifierProcess[]): string[] {
    const logged = new Set(processes.flatMap((p) => p.events().map((e) => `${e.partition}:${e.offset}`)));
    return tail.records.map((r) => `${r.partition}:${r.offset}`).filter((k) => !logged.has(k));
  }

  it('invariant 5: 2 of 3 notifiers active, the idle one logs nothing; after SIGKILL of an active one the idle one takes its partition and the union of logs misses no event', async () => {
    await createOrders(10);
    const groupId = uniqueName('lab-d-g5');
    const members = startGroup(groupId, 'g5');
    const { active, idle } = await waitForTwoActive(groupId, members);
    expect(new Set(active.flatMap((n) => n.partitions(topic)))).toEqual(new Set([0, 1]));

    await createOrders(20);
    await waitFor(() => missingFromLogs(members).length === 0 || undefined, {
      timeoutMs: 30_000,
      what: 'every event logged by the active notifiers',
    });
    expect(idle.events(), 'the idle notifier logs no event').toHaveLength(0);

    const victim = active[0] as NotifierProcess;
    const victimPartitions = victim.partitions(topic);
    const killedAt = Date.now();
    victim.signal('SIGKILL');
    await victim.exited;
    // events produced while the victim's partition has no live owner (until the session timeout expires)
    await createOrders(20);

    const takeover = await waitFor(
      () => {
        const join = idle.lastJoin(killedAt);
        return join && victimPartitions.every((p) => join.line.assignment?.[topic]?.includes(p)) ? join : undefined;
      },
      {
        timeoutMs: SESSION_TIMEOUT_MS + 30_000,
        intervalMs: 200,
        what: `the idle notifier ${idle.instance} taking partition(s) ${victimPartitions.join(',')}`,
      },
    );
    console.info(
      `[lab-d] SIGKILL → takeover by ${idle.instance} after ${takeover.at - killedAt} ms (session timeout ${SESSION_TIMEOUT_MS} ms)`,
    );

    await waitFor(() => missingFromLogs(members).length === 0 || undefined, {
      timeoutMs: 30_000,
      what: 'every record in the union of the logs',
    });
    const logged = members.flatMap((p) => p.events());
    const unique = new Set(logged.map((e) => `${e.partition}:${e.offset}`));
    console.info(
      `[lab-d] ${tail.records.length} records, ${logged.length} event lines, ${logged.length - unique.size} duplicate(s) (at-least-once)`,
    );
    expect(missingFromLogs(members)).toEqual([]);
    expect(idle.events().length).toBeGreaterThan(0);
  });

  it('invariant 9: SIGTERM on an active notifier leaves the group cleanly and the rebalance is much faster than the session timeout', async () => {
    const groupId = uniqueName('lab-d-g9');
    const members = startGroup(groupId, 'g9');
    const { active, idle } = await waitForTwoActive(groupId, members);
    const victim = active[0] as NotifierProcess;
    const victimPartitions = victim.partitions(topic);

    const termAt = Date.now();
    victim.signal('SIGTERM');
    const exit = await victim.exited;
    const exitMs = Date.now() - termAt;
    const takeover = await waitFor(
      () => {
        const join = idle.lastJoin(termAt);
        return join && victimPartitions.every((p) => join.line.assignment?.[topic]?.includes(p)) ? join : undefined;
      },
      {
        timeoutMs: SESSION_TIMEOUT_MS + 20_000,
        intervalMs: 50,
        what: `the idle notifier taking partition(s) ${victimPartitions.join(',')}`,
      },
    );
    const rebalanceMs = takeover.at - termAt;
    console.info(
      `[lab-d] SIGTERM: exit after ${exitMs} ms, takeover after ${rebalanceMs} ms (session timeout ${SESSION_TIMEOUT_MS} ms)`,
    );

    expect(exit).toEqual({ code: 0, signal: null });
    const states = victim.lines.flatMap(({ line }) => (line.type === 'lifecycle' ? [line.state] : []));
    expect(states.slice(-2)).toEqual(['stopping', 'stopped']);
    expect(exitMs).toBeLessThan(5_000);
    expect(rebalanceMs).toBeLessThan(SESSION_TIMEOUT_MS / 2);
    const group = await describeGroup(brokers(), groupId, topic);
    expect(group.members).toHaveLength(2);
  });

  it('invariant 6: after all notifiers stopped, orders created meanwhile are all processed when they start again, and the lag returns to 0', async () => {
    const groupId = uniqueName('lab-d-g6');
    const first = startGroup(groupId, 'g6a');
    await waitForTwoActive(groupId, first);
    await waitFor(async () => (await groupLag(brokers(), groupId, topic)) === 0 || undefined, {
      timeoutMs: 30_000,
      what: 'lag 0 before the stop',
    });
    await Promise.all(first.map((n) => n.stop()));
    for (const n of first) expect(await n.exited).toEqual({ code: 0, signal: null });

    const stoppedAt = await endOffsets(brokers(), topic);
    const ids = await createOrders(30);
    await Promise.all(ids.slice(0, 10).map((id) => client.pay(id)));
    await Promise.all(ids.slice(0, 10).map((id) => tail.waitForOrder(id, 3)));
    const lagWhileStopped = await groupLag(brokers(), groupId, topic);
    expect(lagWhileStopped).toBe(70);

    const second = startGroup(groupId, 'g6b');
    await waitFor(async () => (await groupLag(brokers(), groupId, topic)) === 0 || undefined, {
      timeoutMs: 60_000,
      what: 'lag back to 0',
    });
    const newRecords = tail.records.filter((r) => r.offset >= (stoppedAt.get(r.partition) ?? 0));
    const logged = new Set(second.flatMap((n) => n.events().map((e) => `${e.partition}:${e.offset}`)));
    expect(newRecords.filter((r) => !logged.has(`${r.partition}:${r.offset}`))).toEqual([]);
    // the graceful stop committed: nothing from before the stop is processed again
    const replayed = second
      .flatMap((n) => n.events())
      .filter((e) => Number(e.offset) < (stoppedAt.get(e.partition) ?? 0));
    expect(replayed).toEqual([]);
  });

  // Last in this file: it writes records that are not events, which the union checks above would count as missing.
  it('poison records (bad JSON, unknown status) are error lines with partition and offset, counted and skipped; the consumer keeps running and commits past them', async () => {
    const groupId = uniqueName('lab-d-poison');
    const notifier = new NotifierProcess('poison-1', {
      brokers: brokers(),
      groupId,
      topic,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
    });
    await waitFor(() => notifier.lastJoin(), { timeoutMs: 60_000, what: 'the notifier joining' });
    await waitFor(async () => (await groupLag(brokers(), groupId, topic)) === 0 || undefined, {
      timeoutMs: 60_000,
      what: 'caught up',
    });

    const producer = testKafka(brokers()).producer();
    await producer.connect();
    let sent;
    try {
      sent = await producer.send({
        topic,
        acks: -1,
        messages: [
          { key: '990001', value: '{"order_id": 990001, "status": ', partition: 0 },
          {
            key: '990002',
            value: JSON.stringify({ order_id: 990002, status: 'payed', moment: new Date().toISOString() }),
            partition: 1,
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const good = await client.createOk();

    await waitFor(() => notifier.events().filter((e) => e.order_id === Number(good)).length >= 2 || undefined, {
      what: 'the good order logged after the poison',
    });
    const errors = notifier.lines.flatMap(({ line }) => (line.type === 'error' ? [line] : []));
    const expected = sent.map((m) => `${m.partition}:${m.baseOffset}`).sort();
    expect(errors.map((e) => `${e.partition}:${e.offset}`).sort()).toEqual(expected);
    expect(errors.every((e) => e.code === 'POISON_MESSAGE')).toBe(true);
    expect(errors.map((e) => e.errors_total).sort()).toEqual([1, 2]);
    expect(errors.find((e) => e.key === '990002')?.message).toMatch(/status/);
    expect(notifier.alive).toBe(true);
    await waitFor(async () => (await groupLag(brokers(), groupId, topic)) === 0 || undefined, {
      what: 'offsets committed past the poison records',
    });
  });
});
