// The local provider's own RabbitMQ node, on test ports next to the machine's shared node: it starts with the
// management plugin, its health names both endpoints and the node, the machine's node is never stopped or restarted
// (refused, its PID unchanged), and `release` (what `.ci/run` calls) stops the node by PID. Its restart through the
// stack API (a durable queue keeps its persistent messages) is in console-rabbitmq-observer.test.ts, which restarts a
// node anyway.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandLineOf, findListenerPid, isAlive, isPortOpen } from '../../main/console/stack/local/process.js';
import { LocalStackProvider, SHARED_RABBITMQ_PORT } from '../../main/console/stack/local/provider.js';
import { createManagementClient, type ManagementOverview } from '../../main/console/stack/rabbitmq-management.js';
import type { ComponentHealth } from '../../main/console/stack/types.js';
import { isAppError } from '../../services/shared/app-error.js';
import { waitFor } from '../../services/shared/wait.js';

const dir = mkdtempSync(path.join(tmpdir(), 'eventscope-rabbitmq-own-'));
// the node runs as the `rabbitmq` user: it must be able to enter the folder (mkdtemp makes it 0700)
chmodSync(dir, 0o755);
const ports = { rabbitmq: 29671, rabbitmqManagement: 29672, rabbitmqDist: 29673 };
const provider = new LocalStackProvider({ owner: 'tests', dir, stateDir: dir, ports, rabbitmqNode: 'own' });

afterAll(async () => {
  await provider.down({ only: ['rabbitmq'] });
  rmSync(dir, { recursive: true, force: true });
});

describe("local provider: Eventscope's own RabbitMQ node", () => {
  const sharedBefore = findListenerPid(SHARED_RABBITMQ_PORT);

  it('starts its own node with the management API; health shows AMQP and management and says which node', async () => {
    for (const port of Object.values(ports)) expect(await isPortOpen(port), `port ${port} must be free`).toBe(false);
    const seen: ComponentHealth[] = [];
    const unsubscribe = provider.onHealth((h) => {
      if (h.name === 'rabbitmq') seen.push(h);
    });
    try {
      await provider.startComponent('rabbitmq');
    } finally {
      unsubscribe();
    }
    expect(provider.rabbitmqNode).toBe('own');
    const node = provider.rabbitmqNodeName ?? '';
    expect(node).toBe('eventscope-29671@localhost');
    const healthy = seen.at(-1);
    expect(healthy?.state).toBe('healthy');
    expect(healthy?.endpoint).toBe('amqp://127.0.0.1:29671 · management http://127.0.0.1:29672');
    expect(healthy?.detail).toContain(`node ${node}`);
    expect(healthy?.detail).toContain("Eventscope's own node");
    expect(healthy?.detail).toMatch(/started by Eventscope \(pid \d+\)/);
    expect(healthy?.detail).not.toContain('guest');

    const pid = provider.startedPids().rabbitmq ?? 0;
    expect(commandLineOf(pid)).toContain(`-eventscope_rabbitmq ${node}`);
    expect(findListenerPid(ports.rabbitmqManagement)).toBe(pid);

    const management = provider.endpoints().rabbitmq.managementUrl ?? '';
    const overview = await createManagementClient(management).get<ManagementOverview>('/api/overview');
    expect(overview.node).toBe(node);
    expect(overview.management_version).toMatch(/^\d+\.\d+/);
    // its config, plugins file, mnesia and log in its own folder under the stack's
    for (const file of ['rabbitmq.conf', 'enabled_plugins', 'mnesia', 'log'])
      expect(existsSync(path.join(dir, 'rabbitmq-29671', file)), file).toBe(true);
    // the node answers before its log file has every line (Erlang's logger writes it in the background)
    const log = await waitFor(
      async () => {
        const text = (await provider.logs('rabbitmq', 1000)).join('\n');
        return text.includes('started TCP listener on 127.0.0.1:29671') ? text : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: "the node's log to say it listens on 29671" },
    );
    expect(log).toContain('started TCP listener on 127.0.0.1:29671');
    expect(log).toContain('listener started on port 29672');
    expect(findListenerPid(SHARED_RABBITMQ_PORT)).toBe(sharedBefore);
  });

  it('never stops or restarts the shared node, also from a provider on the same state file', async () => {
    const own = provider.startedPids().rabbitmq;
    const shared = new LocalStackProvider({ owner: 'tests', dir, stateDir: dir, rabbitmqNode: 'shared' });
    expect(shared.endpoints().rabbitmq.url).toBe(`amqp://guest:guest@127.0.0.1:${SHARED_RABBITMQ_PORT}`);
    expect(shared.endpoints().rabbitmq.managementUrl).toBeUndefined();
    for (const action of [() => shared.restartComponent('rabbitmq'), () => shared.stopComponent('rabbitmq')]) {
      const refused = await action().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isAppError(refused) && refused.code).toBe('CONFLICT');
    }
    expect(shared.startedPids().rabbitmq).toBeUndefined();
    expect(findListenerPid(SHARED_RABBITMQ_PORT)).toBe(sharedBefore);
    // and the own node recorded in that state file is untouched
    expect(provider.startedPids().rabbitmq).toBe(own);
    expect(isAlive(own ?? 0)).toBe(true);
  });

  it('`release` (the CI cleanup) stops the node the tests started, by PID', async () => {
    const pid = provider.startedPids().rabbitmq ?? 0;
    expect(pid).toBeGreaterThan(0);
    expect(await provider.release()).toEqual(['rabbitmq']);
    expect(isAlive(pid)).toBe(false);
    expect(await isPortOpen(ports.rabbitmq)).toBe(false);
    expect(await isPortOpen(ports.rabbitmqManagement)).toBe(false);
    expect(findListenerPid(SHARED_RABBITMQ_PORT)).toBe(sharedBefore);
  });
});
