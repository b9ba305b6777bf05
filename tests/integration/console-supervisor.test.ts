// The supervisor against real child processes: starts a notifier (it joins its group and reports its assignment),
// SIGKILLs it (it stays down: nothing restarts it), starts and stops it gracefully (SIGTERM, clean exit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { createSupervisor, type Supervisor } from '../../main/console/supervisor/supervisor.js';
import type { ServiceInstance, ServiceLogLine } from '../../main/console/contract/console-api.js';
import { createLabD } from '../../main/console/labs/lab-d/index.js';
import { parseNotifierLine, type NotifierLine } from '../../services/lab-d/schema.js';
import { endpoints, uniqueName } from './support/index.js';
import { REPO_ROOT, testKafka } from './lab-d/harness.js';

const topic = uniqueName('console-sup');
const groupId = uniqueName('console-sup-group');
let admin: Admin;
let supervisor: Supervisor;
const states: ServiceInstance[] = [];
const logs: ServiceLogLine[] = [];
const lines: NotifierLine[] = [];

const labD = createLabD({
  EVENTSCOPE_ORDER_TOPIC: topic,
  EVENTSCOPE_NOTIFIER_GROUP: groupId,
  EVENTSCOPE_LOMS_PORT: '0',
});

beforeAll(async () => {
  admin = testKafka(endpoints().kafka.brokers).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  supervisor = createSupervisor({
    repoRoot: REPO_ROOT,
    logger: createMemoryLogger().logger,
    lab: labD,
    context: {
      endpoints,
      logger: createMemoryLogger().logger,
      records: { duplicate: () => Promise.reject(new Error('no')), poison: () => Promise.reject(new Error('no')) },
    },
    onState: (s) => states.push(s),
    onLog: (l) => {
      logs.push(l);
      const line = l.stream === 'stdout' ? parseNotifierLine(l.text) : undefined;
      if (line !== undefined) lines.push(line);
    },
    // a short session: the killed member leaves the group quickly, so the restarted one joins within the test
    extraEnv: { NOTIFIER_SESSION_TIMEOUT_MS: '6000', NOTIFIER_HEARTBEAT_MS: '1000' },
  });
});

afterAll(async () => {
  await supervisor?.stopAll();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('supervisor', () => {
  it('starts notifier-2 as a child process that joins its group with both partitions', async () => {
    const started = await supervisor.start('notifier-2');
    expect(started.pid).toBeGreaterThan(0);
    const joined = await waitFor(
      () => {
        const s = supervisor.get('notifier-2');
        return s.assignment !== null && (s.assignment[topic] ?? []).length === 2 ? s : undefined;
      },
      { timeoutMs: 60_000, what: 'notifier-2 to join with an assignment' },
    );
    expect(joined.state).toBe('running');
    expect(lines.some((l) => l.type === 'lifecycle' && l.state === 'joined' && l.instance === 'notifier-2')).toBe(true);
    expect(logs.some((l) => l.instance === 'notifier-2' && l.kind === 'lifecycle')).toBe(true);
  });

  it('kills it with SIGKILL; it stays down', async () => {
    const pid = supervisor.get('notifier-2').pid!;
    const killed = await supervisor.kill('notifier-2');
    expect(killed).toMatchObject({ state: 'exited', exitSignal: 'SIGKILL', pid: null, assignment: null });
    expect(alive(pid)).toBe(false);
    const before = states.length;
    // nothing restarts it: no state change within a few polls of our own
    await expect(
      waitFor(() => states.slice(before).find((s) => s.instance === 'notifier-2'), {
        timeoutMs: 1500,
        what: 'a restart',
      }),
    ).rejects.toThrow(/timed out/);
    expect(supervisor.get('notifier-2').state).toBe('exited');
  });

  it('starts it again and stops it gracefully with SIGTERM', async () => {
    await supervisor.start('notifier-2');
    await waitFor(() => (supervisor.get('notifier-2').assignment !== null ? true : undefined), {
      timeoutMs: 60_000,
      what: 'a second join',
    }).catch((err: unknown) => {
      throw new Error(
        `${(err as Error).message}\n${supervisor
          .logs('notifier-2', 30)
          .map((l) => l.text)
          .join('\n')}`,
      );
    });
    const stopped = await supervisor.stop('notifier-2');
    expect(stopped.state).toBe('stopped');
    expect(lines.some((l) => l.type === 'lifecycle' && l.state === 'stopped' && l.instance === 'notifier-2')).toBe(
      true,
    );
  });

  it('keeps the other instances untouched', () => {
    for (const name of ['loms', 'notifier-1', 'notifier-3'] as const)
      expect(supervisor.get(name)).toMatchObject({ state: 'stopped', pid: null });
  });
});
