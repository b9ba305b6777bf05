import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kafkaClusterSpec, checkClusterSize } from './kafka-cluster.js';
import { serverProperties } from './kafka.js';

describe('kafkaClusterSpec', () => {
  it('one node is the stack as always: 9092/9093 in <dir>/kafka', () => {
    expect(kafkaClusterSpec({ size: 1, port: 9092, controllerPort: 9093, dir: '/s' })).toEqual([
      { name: 'kafka-1', id: 1, port: 9092, controllerPort: 9093, dataDir: path.join('/s', 'kafka') },
    ]);
  });

  it('a cluster: node 1 on the same ports, the others 2 and 4 above (below the ephemeral range), a folder per size', () => {
    const three = kafkaClusterSpec({ size: 3, port: 9092, controllerPort: 9093, dir: '/s' });
    expect(three.map((n) => [n.name, n.id, n.port, n.controllerPort])).toEqual([
      ['kafka-1', 1, 9092, 9093],
      ['kafka-2', 2, 9094, 9095],
      ['kafka-3', 3, 9096, 9097],
    ]);
    expect(three.map((n) => n.dataDir)).toEqual(
      ['kafka-1', 'kafka-2', 'kafka-3'].map((n) => path.join('/s', 'kafka-n3', n)),
    );
    for (const n of three) expect(n.port < 32768 && n.controllerPort < 32768).toBe(true);
    const two = kafkaClusterSpec({
      size: 2,
      port: 21000,
      controllerPort: 21001,
      extraPorts: [{ port: 25000, controllerPort: 25001 }],
      dir: '/s',
    });
    expect(two.map((n) => [n.port, n.controllerPort])).toEqual([
      [21000, 21001],
      [25000, 25001],
    ]);
  });

  it('refuses sizes other than 1–3 and ports given twice', () => {
    expect(() => checkClusterSize(4)).toThrow(/1, 2 or 3/);
    expect(() => checkClusterSize(0)).toThrow(/1, 2 or 3/);
    expect(() =>
      kafkaClusterSpec({
        size: 2,
        port: 9092,
        controllerPort: 9094,
        dir: '/s',
        extraPorts: [{ port: 9094, controllerPort: 9095 }],
      }),
    ).toThrow(/port 9094 is given twice/);
  });
});

describe('serverProperties', () => {
  it('one node: node 1, its own quorum, every replication factor 1 (as the local stack always ran)', () => {
    const lines = serverProperties({
      nodeId: 1,
      port: 9092,
      controllerPort: 9093,
      dataDir: '/d',
      voters: [{ id: 1, controllerPort: 9093 }],
    });
    expect(lines).toContain('node.id=1');
    expect(lines).toContain('controller.quorum.voters=1@127.0.0.1:9093');
    for (const key of [
      'default.replication.factor',
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
    ])
      expect(lines).toContain(`${key}=1`);
    expect(lines.some((l) => l.startsWith('replica.lag.time.max.ms'))).toBe(false);
  });

  it('a node of 3: its id, every voter, internal topics on 3, new topics on 2, min ISR 1', () => {
    const voters = [
      { id: 1, controllerPort: 9093 },
      { id: 2, controllerPort: 9095 },
      { id: 3, controllerPort: 9097 },
    ];
    const lines = serverProperties({ nodeId: 2, port: 9094, controllerPort: 9095, dataDir: '/d2', voters });
    expect(lines).toContain('node.id=2');
    expect(lines).toContain('controller.quorum.voters=1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097');
    expect(lines).toContain('advertised.listeners=PLAINTEXT://127.0.0.1:9094');
    expect(lines).toContain('offsets.topic.replication.factor=3');
    expect(lines).toContain('default.replication.factor=2');
    expect(lines).toContain('min.insync.replicas=1');
    expect(lines).toContain('log.dirs=/d2/data');
  });
});
