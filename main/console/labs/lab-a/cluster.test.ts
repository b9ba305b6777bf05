import { describe, expect, it } from 'vitest';
import { createLabA } from './index.js';
import { kafkaNodesOf } from './cluster.js';
import type { LabContext } from '../types.js';

describe("Lab A's Kafka cluster", () => {
  it('asks the stack for 2 nodes by default, 3 (or 1) with EVENTSCOPE_LAB_A_KAFKA_NODES, and refuses others', () => {
    expect(kafkaNodesOf({})).toBe(2);
    expect(kafkaNodesOf({ EVENTSCOPE_LAB_A_KAFKA_NODES: '3' })).toBe(3);
    expect(createLabA({}).manifest.kafka).toEqual({ nodes: 2 });
    expect(createLabA({ EVENTSCOPE_LAB_A_KAFKA_NODES: '1' }).manifest.kafka).toEqual({ nodes: 1 });
    expect(() => kafkaNodesOf({ EVENTSCOPE_LAB_A_KAFKA_NODES: '4' })).toThrow(/EVENTSCOPE_LAB_A_KAFKA_NODES/);
  });

  it('has the faults "stop kafka-2" and "start kafka-2" in its manifest and module, through the stack control', async () => {
    const lab = createLabA({});
    expect(lab.manifest.faults.map((f) => f.id)).toEqual(
      expect.arrayContaining(['stop-kafka-node', 'start-kafka-node']),
    );
    const calls: string[] = [];
    const ctx = {
      stack: {
        stopNode: (c: string, n: string) => Promise.resolve(void calls.push(`stop ${c} ${n}`)),
        startNode: (c: string, n: string) => Promise.resolve(void calls.push(`start ${c} ${n}`)),
      },
    } as unknown as LabContext;
    const fault = (id: string) => lab.faults?.find((f) => f.id === id);
    expect(await fault('stop-kafka-node')?.run(ctx, {})).toMatch(/stopped kafka-2: .*no quorum/);
    await fault('start-kafka-node')?.run(ctx, { node: 'kafka-2' });
    expect(calls).toEqual(['stop kafka kafka-2', 'start kafka kafka-2']);
    await expect(fault('stop-kafka-node')?.run(ctx, { node: 'kafka-9' })).rejects.toThrow(
      /kafka-1, kafka-2 or kafka-3/,
    );
    expect(createLabA({ EVENTSCOPE_LAB_A_KAFKA_NODES: '1' }).faults?.some((f) => f.id === 'stop-kafka-node')).toBe(
      false,
    );
  });
});
