// The local provider survives a killed broker: a record produced before a SIGKILL is read after the broker starts
// again. Uses its own brokers on 39xxx ports and its own data folders (never the shared stack's 9092).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalKafka } from '../../main/console/stack/local/kafka.js';
import { isAlive, isPortOpen } from '../../main/console/stack/local/process.js';
import { LocalStackProvider } from '../../main/console/stack/local/provider.js';
import { waitFor } from '../../services/shared/wait.js';
import { uniqueName } from './support/index.js';

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `eventscope-${prefix}-`));
  dirs.push(dir);
  return dir;
}

async function produceOne(brokers: string[], topic: string, key: string, value: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'recovery-producer', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  await producer.disconnect();
}

async function readAll(brokers: string[], topic: string, expected: number): Promise<{ key: string; value: string }[]> {
  const kafka = new Kafka({
    clientId: 'recovery-consumer',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 10 },
  });
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('recovery-group'), maxWaitTimeInMs: 500 });
  const got: { key: string; value: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        got.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
        return Promise.resolve();
      },
    });
    await waitFor(() => got.length >= expected, { timeoutMs: 60_000, what: `${expected} record(s) from ${topic}` });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('local provider: a killed broker', () => {
  it('LocalKafka: a record produced before SIGKILL is read after a restart', async () => {
    const broker = new LocalKafka({ port: 29301, controllerPort: 29302, dataDir: tempDir('kafka-kill'), heapMb: 384 });
    try {
      await broker.start();
      const topic = uniqueName('recovery');
      await produceOne(broker.brokers, topic, 'order-7', 'before the kill');
      const pid = broker.pid;
      expect(pid).toBeDefined();

      await broker.kill();
      expect(broker.pid).toBeUndefined();
      expect(isAlive(pid ?? 0)).toBe(false);
      expect(await isPortOpen(29301)).toBe(false);

      await broker.start();
      expect(broker.pid).not.toBe(pid);
      expect(await readAll(broker.brokers, topic, 1)).toEqual([{ key: 'order-7', value: 'before the kill' }]);
    } finally {
      await broker.stop();
    }
    expect(await isPortOpen(29301)).toBe(false);
  });

  it('LocalStackProvider: `up` again after the broker was SIGKILLed starts it and the record is still there', async () => {
    const stackDir = tempDir('stack');
    const provider = new LocalStackProvider({
      owner: 'tests',
      dir: stackDir,
      stateDir: stackDir,
      ports: { kafka: 29311, kafkaController: 29312, mongodb: 29313 },
      kafkaHeapMb: 384,
    });
    try {
      const first = await provider.up();
      expect(first.origins.kafka).toBe('started');
      expect(first.origins.mongodb).toBe('started');
      const topic = uniqueName('recovery-provider');
      await produceOne(first.endpoints.kafka.brokers, topic, 'order-8', 'survives');

      const pid = provider.startedPids().kafka;
      expect(pid).toBeDefined();
      process.kill(pid ?? 0, 'SIGKILL');
      await waitFor(() => !isAlive(pid ?? 0), { timeoutMs: 10_000, what: 'the broker process to die' });
      const during = await provider.status();
      expect(during.find((h) => h.name === 'kafka')?.state).toBe('stopped');

      const second = await provider.up();
      expect(second.origins.kafka).toBe('started');
      expect(second.origins.mongodb).toBe('eventscope');
      expect(provider.startedPids().kafka).not.toBe(pid);
      expect(await readAll(second.endpoints.kafka.brokers, topic, 1)).toEqual([{ key: 'order-8', value: 'survives' }]);
    } finally {
      await provider.down();
    }
    expect(provider.startedPids()).toEqual({});
    expect(await isPortOpen(29311)).toBe(false);
    expect(await isPortOpen(29313)).toBe(false);
  });
});
