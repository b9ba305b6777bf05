// Lab A's Kafka cluster: the lab runs on 2 KRaft nodes as in the seed (kafka1, kafka2), or on 3 with
// EVENTSCOPE_LAB_A_KAFKA_NODES=3 (1 runs it on the one-broker stack). The manifest asks the stack for that size
// (`kafka: { nodes }`), and two faults stop and start one node: with 2 voters the one left has no controller quorum
// (no leader moves, no new topics), with 3 the others elect new leaders and the ISR shrinks.
import { AppError } from '../../../../services/shared/app-error.js';
import type { LabManifest, ManifestFault } from '../../contract/manifest.js';
import type { LabFault } from '../types.js';

export const KAFKA_NODES_VARIABLE = 'EVENTSCOPE_LAB_A_KAFKA_NODES';
export const DEFAULT_KAFKA_NODES = 2;

/** The cluster size from the env: 1, 2 or 3 (default 2). */
export function kafkaNodesOf(env: NodeJS.ProcessEnv): number {
  const raw = env[KAFKA_NODES_VARIABLE]?.trim();
  if (raw === undefined || raw === '') return DEFAULT_KAFKA_NODES;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 3)
    throw new AppError('CONFIG_ERROR', `${KAFKA_NODES_VARIABLE}: 1, 2 or 3 Kafka nodes (got "${raw}")`, {
      variables: [KAFKA_NODES_VARIABLE],
    });
  return n;
}

const nodeArg = { node: 'the node: kafka-1, kafka-2 … (default kafka-2)' };

/** The manifest's faults for the cluster (none on one node). */
export function clusterManifestFaults(nodes: number): ManifestFault[] {
  if (nodes < 2) return [];
  const lesson =
    nodes === 2
      ? 'With 2 voters the node left has no controller quorum: partitions it does not lead stay without a leader, no topic can be created, and the API answers 503 for their events.'
      : 'With 3 voters the other two keep a quorum: leaders move to them and the ISR shrinks; commands are still accepted.';
  return [
    {
      id: 'stop-kafka-node',
      label: 'Stop kafka-2',
      description: `Stops one Kafka node (SIGTERM). ${lesson} Watch the Topics view's leader and ISR columns.`,
      args: nodeArg,
    },
    {
      id: 'start-kafka-node',
      label: 'Start kafka-2',
      description: 'Starts the stopped Kafka node again: it catches up and rejoins the ISR.',
      args: nodeArg,
    },
  ];
}

/** The manifest with the cluster size asked of the stack and the cluster's faults. */
export function withCluster(manifest: LabManifest, nodes: number): LabManifest {
  return { ...manifest, kafka: { nodes }, faults: [...manifest.faults, ...clusterManifestFaults(nodes)] };
}

function nodeOf(args: Record<string, string | number | boolean>): string {
  const node = args.node === undefined || args.node === '' ? 'kafka-2' : String(args.node);
  if (!/^kafka-[1-3]$/.test(node))
    throw new AppError('INVALID_INPUT', `node: kafka-1, kafka-2 or kafka-3 (got "${node}")`, { field: 'node' });
  return node;
}

/** The faults' code: through the console's stack control (the provider stops and starts the node by its PID). */
export function clusterFaults(nodes: number): LabFault[] {
  if (nodes < 2) return [];
  return [
    {
      id: 'stop-kafka-node',
      run: async (ctx, args) => {
        const node = nodeOf(args);
        const stack = ctx.stack;
        if (stack?.stopNode === undefined)
          throw new AppError('INVALID_INPUT', 'this console has no stack control to stop a Kafka node');
        await stack.stopNode('kafka', node);
        return nodes === 2
          ? `stopped ${node}: the node left is one of 2 voters, no quorum (no leader moves, no new topics) until it starts again`
          : `stopped ${node}: the 2 nodes left elect new leaders, the ISR shrinks`;
      },
    },
    {
      id: 'start-kafka-node',
      run: async (ctx, args) => {
        const node = nodeOf(args);
        const stack = ctx.stack;
        if (stack?.startNode === undefined)
          throw new AppError('INVALID_INPUT', 'this console has no stack control to start a Kafka node');
        await stack.startNode('kafka', node);
        return `started ${node}: it catches up and rejoins the ISR`;
      },
    },
  ];
}
