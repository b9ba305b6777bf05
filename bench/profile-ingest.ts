// Profiling harness (not a bench): the console's ingest path alone, in this process. Appends the console bench's records
// to a topic and reads them, N + 1 times, through one long-lived tail + timeline (`console`, default) or bare eachBatch
// consumer (`bare`), with V8's CPU profiler on for the last N reads only (not the fills, not the first read), and
// writes a profile of each read (`<out>-<read>.cpuprofile` when N > 1):
//   tsx bench/profile-ingest.ts console 3 /tmp/console.cpuprofile && tsx bench/profile-summary.ts /tmp/console.cpuprofile
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Kafka, logLevel } from 'kafkajs';
import { appendIngestRecords, createIngestTopic, startIngestSide } from './console-ingest.js';

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
  await createIngestTopic(kafka, topic);
  const side = await startIngestSide(kafka, topic, mode);
  await side.read(await appendIngestRecords(kafka, topic, 0)); // warm-up, not profiled
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  for (let r = 1; r <= rounds; r++) {
    const records = await appendIngestRecords(kafka, topic, r);
    await session.post('Profiler.start');
    const t = await side.read(records);
    const { profile } = await session.post('Profiler.stop');
    const file = rounds === 1 ? out : out.replace(/(\.cpuprofile)?$/, `-${r}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    log(`profile: ${file}`);
    log(`${mode} round ${r}: ${Math.round(records / (t.ms / 1000))} rec/s, cpu ${Math.round(t.cpuMs)} ms`);
  }
  await side.stop();
} finally {
  session.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}
