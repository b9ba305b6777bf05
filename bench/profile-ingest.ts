// Profiling harness (not a bench): the console's ingest path alone. Fills a topic with the console bench's records,
// then reads it N times through the tail + timeline (`console`, default) or with the bare eachBatch consumer (`bare`),
// with V8's CPU profiler on for the reads only (not the fill), and writes the profile:
//   tsx bench/profile-ingest.ts console 3 /tmp/console.cpuprofile && tsx bench/profile-summary.ts /tmp/console.cpuprofile
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Kafka, logLevel } from 'kafkajs';
import { benchIngestRound, prefillIngestTopic } from './console-ingest.js';

const mode = (process.argv[2] ?? 'console') as 'console' | 'bare';
const rounds = Number(process.argv[3] ?? 3);
const out = process.argv[4] ?? `/tmp/ingest-${mode}.cpuprofile`;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'profile-ingest', brokers, logLevel: logLevel.NOTHING });
const topic = `bench-profile-${Date.now().toString(36)}`;
const log = (l: string) => process.stderr.write(`${l}\n`);
const session = new Session();
session.connect();
try {
  const records = await prefillIngestTopic(kafka, topic, log);
  await benchIngestRound(kafka, topic, mode); // warm-up, not profiled
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  for (let r = 0; r < rounds; r++) {
    const t = await benchIngestRound(kafka, topic, mode);
    log(`${mode} round ${r}: ${Math.round(records / (t.ms / 1000))} rec/s, cpu ${Math.round(t.cpuMs)} ms`);
  }
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(out, JSON.stringify(profile));
  log(`profile: ${out}`);
} finally {
  session.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}
