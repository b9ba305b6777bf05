// Lab A's tests on a KRaft cluster of their own (the local provider's, as stack-kafka-cluster.test.ts makes them): 2 or
// 3 nodes on free ports below 20000 and a folder of their own, -Xmx256m each, never the shared stack's 9092; a console
// provider that reports the shared stack's MongoDB and Redis with the cluster's brokers and stops and starts its nodes
// (the lab's fault); every node killed by PID when a test is done with the cluster.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isAlive } from '../../../main/console/stack/local/process.js';
import { LocalStackProvider } from '../../../main/console/stack/local/provider.js';
import type { StackProvider } from '../../../main/console/stack/types.js';
import { waitFor } from '../../../services/shared/wait.js';
import { endpoints } from '../support/index.js';
import { freePort, sharedStackProvider } from '../support/test-provider.js';

export interface TestCluster {
  size: number;
  provider: LocalStackProvider;
  brokers: string[];
  /** ms from the start until every node was healthy and registered */
  healthyMs: number;
  /** the console's provider: the cluster's brokers, the shared MongoDB and Redis, nodes stopped and started */
  consoleProvider(): StackProvider;
  /** SIGKILL every node by PID, wait until they are gone, remove the folder */
  kill(): Promise<void>;
}

export async function startTestCluster(size: 2 | 3): Promise<TestCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), `eventscope-lab-a-n${size}-`));
  const ports: number[] = [];
  while (ports.length < 2 * size) {
    const p = await freePort(15_000, 19_999);
    if (!ports.includes(p)) ports.push(p);
  }
  const provider = new LocalStackProvider({
    owner: 'tests',
    dir,
    stateDir: dir,
    rabbitmqNode: 'shared',
    ports: { kafka: ports[0]!, kafkaController: ports[1]! },
    kafkaNodePorts: Array.from({ length: size - 1 }, (_, i) => ({
      port: ports[2 + 2 * i]!,
      controllerPort: ports[3 + 2 * i]!,
    })),
    kafkaNodes: size,
    kafkaHeapMb: 256,
  });
  const kill = async () => {
    const pids = Object.values(provider.kafkaNodePids());
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await waitFor(() => pids.every((pid) => !isAlive(pid)), { timeoutMs: 10_000, what: 'every node gone' });
    rmSync(dir, { recursive: true, force: true });
  };
  const t0 = Date.now();
  try {
    await provider.startComponent('kafka');
  } catch (err) {
    await kill();
    throw err;
  }
  const healthyMs = Date.now() - t0;
  const brokers = provider.endpoints().kafka.brokers;
  return {
    size,
    provider,
    brokers,
    healthyMs,
    consoleProvider() {
      const where = () => ({ ...endpoints(), kafka: { brokers } });
      return {
        ...sharedStackProvider(['kafka', 'mongodb', 'redis'], where),
        stopNode: (name, node) => provider.stopNode(name, node),
        startNode: (name, node) => provider.startNode(name, node),
      };
    },
    kill,
  };
}
