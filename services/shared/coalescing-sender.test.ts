import type { ProducerRecord, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createCoalescingSender, offsetsOf } from './coalescing-sender.js';

const partitions = [0, 1, 2].map((partitionId) => ({
  partitionErrorCode: 0,
  partitionId,
  leader: 1,
  replicas: [1],
  isr: [1],
}));

/** A producer that answers each send when told to, with base offsets counted per partition as a broker would. */
function fakeProducer() {
  const next = new Map<number, number>();
  const sends: { record: ProducerRecord; answer: (fail?: Error) => void }[] = [];
  return {
    sends,
    producer: {
      send(record: ProducerRecord): Promise<RecordMetadata[]> {
        return new Promise((resolve, reject) => {
          sends.push({
            record,
            answer(fail) {
              if (fail) return reject(fail);
              const counts = new Map<number, number>();
              for (const m of record.messages) counts.set(m.partition ?? -1, (counts.get(m.partition ?? -1) ?? 0) + 1);
              resolve(
                [...counts].map(([partition, n]) => {
                  const base = next.get(partition) ?? 0;
                  next.set(partition, base + n);
                  return { topicName: record.topic, partition, errorCode: 0, baseOffset: String(base) };
                }),
              );
            },
          });
        });
      },
    },
  };
}

describe('offsetsOf', () => {
  it('counts each partition from its base offset in the order given', () => {
    expect(
      offsetsOf(
        [2, 0, 2, 2, 0],
        new Map([
          [0, '10'],
          [2, '7'],
        ]),
      ),
    ).toEqual([
      { partition: 2, offset: '7' },
      { partition: 0, offset: '10' },
      { partition: 2, offset: '8' },
      { partition: 2, offset: '9' },
      { partition: 0, offset: '11' },
    ]);
  });

  it('says which partition the broker did not answer for', () => {
    expect(() => offsetsOf([1], new Map([[0, '0']]))).toThrow(/partition 1/);
  });
});

describe('createCoalescingSender', () => {
  it('sends what was asked during a send in one next send, each record with its own partition and offset', async () => {
    const { producer, sends } = fakeProducer();
    const sender = createCoalescingSender({
      producer,
      topic: 't',
      acks: -1,
      timeoutMs: 1000,
      partitions: () => partitions,
    });
    const first = sender.send({ key: 'a', value: '1' });
    const waiting = ['a', 'b', 'a', 'c'].map((key, i) => sender.send({ key, value: String(i + 2) }));
    expect(sends).toHaveLength(1);
    expect(sender.pending).toBe(5);
    sends[0]?.answer();
    const one = await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sends).toHaveLength(2);
    expect(sends[1]?.record.messages.map((m) => m.value)).toEqual(['2', '3', '4', '5']);
    sends[1]?.answer();
    const rest = await Promise.all(waiting);
    // one key, one partition (murmur2), its offsets in the order asked
    const a = [one, rest[0], rest[2]].map((r) => ({ partition: r?.partition, offset: r?.offset }));
    expect(new Set(a.map((r) => r.partition)).size).toBe(1);
    expect(a.map((r) => r.offset)).toEqual(['0', '1', '2']);
    expect(sends[1]?.record.messages.every((m) => typeof m.partition === 'number')).toBe(true);
    expect(sender.pending).toBe(0);
  });

  it('fails every record of a failed send and goes on with the next', async () => {
    const { producer, sends } = fakeProducer();
    const sender = createCoalescingSender({
      producer,
      topic: 't',
      acks: -1,
      timeoutMs: 1000,
      partitions: () => partitions,
    });
    const first = sender.send({ key: 'a', value: '1' });
    const second = sender.send({ key: 'b', value: '2' });
    sends[0]?.answer(new Error('broker away'));
    await expect(first).rejects.toThrow('broker away');
    await new Promise((resolve) => setImmediate(resolve));
    sends[1]?.answer(new Error('still away'));
    await expect(second).rejects.toThrow('still away');
    const third = sender.send({ key: 'c', value: '3' });
    sends[2]?.answer();
    await expect(third).resolves.toMatchObject({ offset: '0' });
  });

  it('refuses to send before the topic is known', async () => {
    const { producer, sends } = fakeProducer();
    const sender = createCoalescingSender({ producer, topic: 't', acks: -1, timeoutMs: 1000, partitions: () => [] });
    await expect(sender.send({ key: 'a', value: '1' })).rejects.toThrow(/no partitions known/);
    expect(sends).toHaveLength(0);
  });
});
