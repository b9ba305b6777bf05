// Profiling harness (not a bench): the relay bench alone (relay rounds interleaved with the bare producer's), for
// `node --cpu-prof --import tsx bench/profile-relay.ts`. Endpoints: KAFKA_BROKERS, DATABASE_URL (default the dev stack).
import { benchRelay } from './lab-d-relay.js';

const figures = await benchRelay({
  endpoints: {
    kafka: { brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',') },
    postgres: { url: process.env.DATABASE_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/postgres' },
    rabbitmq: { url: '' },
    mongodb: { url: '' },
    redis: { url: '' },
  },
  log: (l) => process.stderr.write(`${l}\n`),
});
process.stdout.write(`${JSON.stringify(figures)}\n`);
process.exit(0);
