// Faults as actions, each with a visible effect: pause/resume the outbox relay (loms admin HTTP), stop/start a stack
// component (the Kafka broker) through the provider, produce a raw duplicate or a poison record. Killing and stopping a
// notifier is the supervisor's (services:kill / services:stop).
import type { Producer } from 'kafkajs';
import { AppError, toAppError } from '../../../services/shared/app-error.js';
import { RELAY_ADMIN_PATHS, RelayStatus } from '../../../services/lab-d/schema.js';
import type { TailBuffer } from '../observe/topic-tail.js';

export interface FaultsDeps {
  /** http://127.0.0.1:PORT of loms */
  lomsBaseUrl: () => string;
  /** a connected-on-demand producer (the faults connect it on first use) */
  producer: () => Producer;
  tail: () => TailBuffer | undefined;
  fetchImpl?: typeof fetch;
}

export interface Faults {
  relay(action: 'pause' | 'resume' | 'status'): Promise<RelayStatus>;
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

export const DEFAULT_POISON_VALUE = '{"order_id": 1, "status": "new", this is not JSON';

export function createFaults(deps: FaultsDeps): Faults {
  const doFetch = deps.fetchImpl ?? fetch;
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
    async relay(action) {
      const path = RELAY_ADMIN_PATHS[action];
      let res: Response;
      try {
        res = await doFetch(`${deps.lomsBaseUrl()}${path}`, {
          method: action === 'status' ? 'GET' : 'POST',
          signal: AbortSignal.timeout(5000),
        });
      } catch (err) {
        throw new AppError('BROKER_UNAVAILABLE', `loms does not answer (${(err as Error).message}); start loms first`, {
          path,
        });
      }
      const body: unknown = await res.json().catch(() => undefined);
      if (!res.ok) throw new AppError('INTERNAL', `loms answered ${res.status} on ${path}`, { body });
      const parsed = RelayStatus.safeParse(body);
      if (!parsed.success) throw new AppError('INTERNAL', `loms answered ${path} with an unexpected body`, { body });
      return parsed.data;
    },
    async produceDuplicate(topic, source) {
      const found = deps.tail()?.find(topic, source);
      if (found === undefined || found.value === null) {
        throw new AppError(
          'NOT_FOUND',
          source === undefined
            ? `the console has not seen a record on ${topic} yet: create an order first`
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
