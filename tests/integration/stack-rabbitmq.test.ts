// RabbitMQ smoke test: a durable queue, publisher confirms, manual acks, and redelivery (redelivered=true) of the
// messages left unacked when a channel closes.
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../services/shared/wait.js';
import { endpoints, uniqueName } from './support/index.js';

describe('rabbitmq', () => {
  const queue = uniqueName('smoke-tasks');
  let conn: ChannelModel;

  beforeAll(async () => {
    conn = await amqp.connect(endpoints().rabbitmq.url);
  });

  afterAll(async () => {
    if (conn === undefined) return;
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue).catch(() => undefined);
    await conn.close();
  });

  it('confirms publishes, acks manually, and redelivers what a closed channel left unacked', async () => {
    const confirm = await conn.createConfirmChannel();
    const declared = await confirm.assertQueue(queue, { durable: true });
    expect(declared.queue).toBe(queue);
    for (const n of [1, 2, 3]) {
      await new Promise<void>((resolve, reject) => {
        confirm.sendToQueue(queue, Buffer.from(`task-${n}`), { persistent: true, messageId: `m${n}` }, (err) =>
          err ? reject(err as Error) : resolve(),
        );
      });
    }
    await confirm.waitForConfirms();
    await confirm.close();

    // First consumer: receives all three, acks only the first, then its channel closes.
    const first = await conn.createChannel();
    await first.prefetch(10);
    const got: ConsumeMessage[] = [];
    await first.consume(
      queue,
      (msg) => {
        if (msg !== null) got.push(msg);
      },
      { noAck: false },
    );
    await waitFor(() => got.length === 3, { timeoutMs: 10_000, what: 'three deliveries' });
    expect(got.map((m) => m.content.toString())).toEqual(['task-1', 'task-2', 'task-3']);
    expect(got.every((m) => !m.fields.redelivered)).toBe(true);
    const firstMsg = got[0];
    if (firstMsg === undefined) throw new Error('no first message');
    first.ack(firstMsg);
    await first.close();

    // Second consumer: gets exactly the two unacked ones again, marked redelivered.
    const second = await conn.createChannel();
    const again: ConsumeMessage[] = [];
    await second.consume(
      queue,
      (msg) => {
        if (msg === null) return;
        again.push(msg);
        second.ack(msg);
      },
      { noAck: false },
    );
    await waitFor(() => again.length === 2, { timeoutMs: 10_000, what: 'two redeliveries' });
    expect(again.map((m) => m.content.toString()).sort()).toEqual(['task-2', 'task-3']);
    expect(again.every((m) => m.fields.redelivered)).toBe(true);

    // Everything is acked: the queue drains to zero.
    await waitFor(async () => (await second.checkQueue(queue)).messageCount === 0, {
      timeoutMs: 10_000,
      what: 'an empty queue',
    });
    await second.close();
  });
});
