import { Partitioners, type ProducerRecord, type RecordMetadata } from 'kafkajs';
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

/** partition = the key's first character (a digit) */
const byDigit =
  () =>
  () =>
  ({ message }: { message: { key?: Buffer | string | null } }) =>
    Number(String(message.key)[0]);

describe('createCoalescingSender', () => {
  const make = (producer: ReturnType<typeof fakeProducer>['producer'], more = {}) =>
    createCoalescingSender({
      producer,
      topic: 't',
      acks: -1,
      timeoutMs: 1000,
      partitions: () => partitions,
      createPartitioner: byDigit(),
      ...more,
    });

  it("sends a partition's records asked for during its send in its next send, each with its offset", async () => {
    const { producer, sends } = fakeProducer();
    const sender = make(producer);
    const first = sender.send({ key: '0a', value: '1' });
    const waiting = ['0b', '0a', '0c'].map((key, i) => sender.send({ key, value: String(i + 2) }));
    // another partition is not held by partition 0's send
    const other = sender.send({ key: '1x', value: 'x' });
    expect(sends.map((s) => s.record.messages.map((m) => m.value))).toEqual([['1'], ['x']]);
    expect(sender.pending).toBe(5);
    sends[0]?.answer();
    sends[1]?.answer();
    expect(await first).toEqual({ partition: 0, offset: '0' });
    expect(await other).toEqual({ partition: 1, offset: '0' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sends[2]?.record.messages.map((m) => m.value)).toEqual(['2', '3', '4']);
    expect(sends[2]?.record.messages.every((m) => m.partition === 0)).toBe(true);
    sends[2]?.answer();
    expect((await Promise.all(waiting)).map((r) => r.offset)).toEqual(['1', '2', '3']);
    expect(sender.pending).toBe(0);
  });

  it('chooses the partition by murmur2 of the key by default, as kafkajs would', async () => {
    const { producer, sends } = fakeProducer();
    const sender = createCoalescingSender({
      producer,
      topic: 't',
      acks: -1,
      timeoutMs: 1000,
      partitions: () => partitions,
    });
    const a = sender.send({ key: 'a', value: '1' });
    sends[0]?.answer();
    const partitioner = Partitioners.DefaultPartitioner();
    expect((await a).partition).toBe(
      partitioner({ topic: 't', partitionMetadata: partitions, message: { key: 'a', value: '1' } }),
    );
  });

  it('fails every record of a failed send and goes on with the next', async () => {
    const { producer, sends } = fakeProducer();
    const sender = make(producer);
    const first = sender.send({ key: '0a', value: '1' });
    const second = sender.send({ key: '0b', value: '2' });
    sends[0]?.answer(new Error('broker away'));
    await expect(first).rejects.toThrow('broker away');
    await new Promise((resolve) => setImmediate(resolve));
    sends[1]?.answer(new Error('still away'));
    await expect(second).rejects.toThrow('still away');
    const third = sender.send({ key: '0c', value: '3' });
    sends[2]?.answer();
    await expect(third).resolves.toMatchObject({ offset: '0' });
  });

  it('drops a record whose deadline passed while it waited: it fails with a TIMEOUT and is never sent', async () => {
    const { producer, sends } = fakeProducer();
    const sender = make(producer);
    const first = sender.send({ key: '0a', value: '1' });
    const late = sender.send({ key: '0b', value: '2' }, Date.now() + 20);
    const inTime = sender.send({ key: '0c', value: '3' }, Date.now() + 60_000);
    await new Promise((resolve) => setTimeout(resolve, 40));
    sends[0]?.answer();
    await first;
    await expect(late).rejects.toMatchObject({ code: 'TIMEOUT' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sends[1]?.record.messages.map((m) => m.value)).toEqual(['3']);
    sends[1]?.answer();
    await expect(inTime).resolves.toEqual({ partition: 0, offset: '1' });
    expect(sends).toHaveLength(2);
  });

  it('refuses to send before the topic is known', async () => {
    const { producer, sends } = fakeProducer();
    const sender = make(producer, { partitions: () => [] });
    await expect(sender.send({ key: '0a', value: '1' })).rejects.toThrow(/no partitions known/);
    expect(sends).toHaveLength(0);
  });
});
