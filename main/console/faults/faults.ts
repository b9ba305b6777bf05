// Record faults any Kafka lab can use, each with a visible effect: produce a raw duplicate of a record the tail has
// seen, or a poison record. Stopping a broker is the provider's (stack:stop-component), killing an instance the
// supervisor's (services:kill); a lab's own faults live in its module.
import type { Producer } from 'kafkajs';
import { AppError, toAppError } from '../../../services/shared/app-error.js';
import type { TailBuffer } from '../observe/topic-tail.js';

export interface FaultsDeps {
  /** a connected-on-demand producer (the faults connect it on first use) */
  producer: () => Producer;
  tail: () => TailBuffer | undefined;
}

export interface Faults {
  produceDuplicate(topic: string, source?: { partition: number; offset: string }): Promise<ProduceResult>;
  producePoison(topic: string, key?: string, value?: string): Promise<ProduceResult>;
  stop(): Promise<void>;
}

export interface ProduceResult {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
}

export const DEFAULT_POISON_VALUE = '{"id": 1, "status": "new", this is not JSON';

export function createFaults(deps: FaultsDeps): Faults {
  let connected: Promise<void> | undefined;
  let producer: Producer | undefined;

  const ready = async (): Promise<Producer> => {
    producer ??= deps.producer();
    const p = producer;
    connected ??= p.connect().catch((err: unknown) => {
      connected = undefined;
      throw toAppError(err, 'KAFKA_UNAVAILABLE');
    });
    await connected;
    return p;
  };

  const send = async (
    topic: string,
    key: Buffer | string | null,
    value: Buffer | string,
    partition?: number,
  ): Promise<ProduceResult> => {
    const p = await ready();
    try {
      const [meta] = await p.send({
        topic,
        acks: -1,
        timeout: 10_000,
        messages: [{ key, value, ...(partition === undefined ? {} : { partition }) }],
      });
      if (meta === undefined) throw new AppError('KAFKA_UNAVAILABLE', 'the broker returned no record metadata');
      return {
        topic,
        partition: meta.partition,
        offset: meta.baseOffset ?? meta.offset ?? '0',
        key: key === null ? null : key.toString(),
      };
    } catch (err) {
      throw toAppError(err, 'KAFKA_UNAVAILABLE');
    }
  };

  return {
    async produceDuplicate(topic, source) {
      const found = deps.tail()?.find(topic, source);
      if (found === undefined || found.value === null) {
        throw new AppError(
          'NOT_FOUND',
          source === undefined
            ? `the console has not seen a record on ${topic} yet: produce one first`
            : `record ${topic}/${source.partition}@${source.offset} is not in the console's tail (it keeps the newest 10 000)`,
        );
      }
      return send(topic, found.key, found.value, found.partition);
    },
    producePoison(topic, key, value) {
      return send(topic, key ?? null, value ?? DEFAULT_POISON_VALUE);
    },
    async stop() {
      if (producer !== undefined && connected !== undefined) await producer.disconnect().catch(() => undefined);
      producer = undefined;
      connected = undefined;
    },
  };
}
