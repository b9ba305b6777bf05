// Relay throughput: 20 000 committed outbox rows drained by the LOMS relay (claim, produce with acks=-1 and the
// idempotent producer, mark sent), against a bare kafkajs producer sending the same records in batches of the same
// size to the same topic, in the same run. The baseline has the relay's producer settings exactly (idempotent, one
// request in flight, acks=-1, no compression, kafkajs sends each batch at once: no linger); only the database work
// differs. Rounds alternate which side goes first (the machine is shared: a slow spell hits both sides alike), a warm-up
// round (JIT, plans, connections) is not counted, and the report gives the median of the per-round ratios with their
// spread next to the median throughputs.
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs';
import { loadavg } from 'node:os';
import pg from 'pg';
import { createLoms } from '../services/lab-d/loms/service.js';
import { createLogger } from '../services/shared/logger.js';
import type { BenchContext } from './types.js';
import { createDatabase, uniqueSuffix, waitUntil } from './lab-d-support.js';

export const RELAY_EVENTS = 20_000;
const BATCH = Number(process.env.BENCH_RELAY_BATCH ?? 500);
/** counted rounds after the warm-up, each side first in every other one; medians are reported (single runs are noisy) */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

export interface RelayFigures {
  events: number;
  batchSize: number;
  rounds: number;
  perRound: { relayMs: number; bareMs: number; ratio: number; relayFirst: boolean }[];
  relayMs: number;
  relayEventsPerSec: number;
  bareMs: number;
  bareEventsPerSec: number;
  /** median of the per-round ratios (bare ms / relay ms) */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  /** the machine's 1/5/15-minute load averages at the end (a shared machine: read the spread with them) */
  loadAverage: number[];
}

export async function benchRelay(ctx: BenchContext): Promise<RelayFigures> {
  const topic = `bench-lab-d-relay-${uniqueSuffix().replace('_', '-')}`;
  const db = await createDatabase(ctx.endpoints.postgres.url, 'bench_lab_d_relay');
  const brokers = ctx.endpoints.kafka.brokers;
  const loms = createLoms(
    { port: 0, databaseUrl: db.url, kafkaBrokers: brokers, topic, relay: { batchSize: BATCH } },
    { logger: createLogger({ name: 'bench-loms', level: 'warn' }) },
  );
  const kafka = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const direct = new pg.Client({ connectionString: db.url });
  try {
    await loms.start();
    // the relay creates the topic on its first pass; wait for it, then hold the relay while the rows are committed
    const admin = kafka.admin();
    await admin.connect();
    await waitUntil(async () => (await admin.listTopics()).includes(topic), 30_000, `topic ${topic}`, 100);
    await admin.disconnect();
    loms.relay.pause();

    await direct.connect();
    await producer.connect();
    const rounds: RelayFigures['perRound'] = [];
    // round 0 warms both paths up (JIT, plans, connections) and is not counted
    for (let round = 0; round <= ROUNDS; round++) {
      await direct.query('TRUNCATE outbox');
      // 10 000 orders × (new, awaiting payment): committed status events as the store writes them
      await direct.query(
        `INSERT INTO outbox (aggregate_id, topic, key, payload)
         SELECT g.o, $2, g.o::text, loms_event(g.o, s.status, 1000, 'bench')
         FROM generate_series(1, $1::int / 2) AS g(o), (VALUES (1, 'new'), (2, 'awaiting payment')) AS s(n, status)
         ORDER BY g.o, s.n`,
        [RELAY_EVENTS, topic],
      );
      await direct.query('ANALYZE outbox');
      const { rows } = await direct.query<{ id: string; payload: string; key: string }>(
        'SELECT id::text AS id, key, payload::text AS payload FROM outbox ORDER BY outbox.id',
      );
      // the same records as the relay's: key, value and the outbox_id header
      const messages: Message[] = rows.map((r) => ({ key: r.key, value: r.payload, headers: { outbox_id: r.id } }));
      if (round === 0)
        await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: messages.slice(0, BATCH) }] }); // warm-up

      const relaySide = async (): Promise<number> => {
        const before = loms.relay.stats().sentTotal;
        const t0 = performance.now();
        loms.relay.resume();
        await waitUntil(
          () => loms.relay.stats().sentTotal - before >= RELAY_EVENTS,
          300_000,
          'the relay draining the outbox',
          1,
        );
        const ms = performance.now() - t0;
        loms.relay.pause();
        const pending = await direct.query<{ n: string }>(
          'SELECT count(*)::text AS n FROM outbox WHERE sent_at IS NULL',
        );
        if (Number(pending.rows[0]?.n) !== 0) throw new Error(`relay: ${pending.rows[0]?.n} rows still pending`);
        return ms;
      };
      const bareSide = async (): Promise<number> => {
        const t1 = performance.now();
        for (let i = 0; i < messages.length; i += BATCH) {
          await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: messages.slice(i, i + BATCH) }] });
        }
        return performance.now() - t1;
      };
      const relayFirst = round % 2 === 1;
      let relayMs: number;
      let bareMs: number;
      if (relayFirst) {
        relayMs = await relaySide();
        bareMs = await bareSide();
      } else {
        bareMs = await bareSide();
        relayMs = await relaySide();
      }
      if (round === 0) {
        ctx.log(`relay warm-up round: relay ${relayMs.toFixed(0)} ms, bare producer ${bareMs.toFixed(0)} ms`);
        continue;
      }
      rounds.push({ relayMs, bareMs, ratio: bareMs / relayMs, relayFirst });
      ctx.log(
        `relay round ${round}/${ROUNDS} (${relayFirst ? 'relay' : 'bare'} first): relay ${relayMs.toFixed(0)} ms, bare producer ${bareMs.toFixed(0)} ms for ${RELAY_EVENTS} events, ratio ${(bareMs / relayMs).toFixed(2)}`,
      );
    }
    const median = (xs: number[]): number => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    const relayMs = median(rounds.map((r) => r.relayMs));
    const bareMs = median(rounds.map((r) => r.bareMs));
    const relayEventsPerSec = RELAY_EVENTS / (relayMs / 1000);
    const bareEventsPerSec = RELAY_EVENTS / (bareMs / 1000);
    const ratios = rounds.map((r) => r.ratio);
    return {
      events: RELAY_EVENTS,
      batchSize: BATCH,
      rounds: rounds.length,
      relayMs,
      relayEventsPerSec,
      bareMs,
      bareEventsPerSec,
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      loadAverage: loadavg(),
      perRound: rounds,
    };
  } finally {
    await Promise.allSettled([producer.disconnect(), loms.stop(), direct.end()]);
    await db.drop().catch(() => undefined);
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteTopics({ topics: [topic] }))
      .catch(() => undefined)
      .finally(() => void admin.disconnect());
  }
}
