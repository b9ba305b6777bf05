// One side of the console ingest bench in a process of its own (bench/console-ingest.ts forks three: the bare kafkajs
// consumer, the console's tail + timeline, and the eachMessage consumer for context). Each keeps its code warm between
// rounds as it would in a process that does only that, and neither's JIT or heap state leaks into the other's figures:
// in one process the console read right after the bare consumer cost 60 ms more CPU (of about 400) than right after
// itself, single-threaded too.
// Asked over IPC: { style?: 'eachMessage' } → replies { ms, cpuMs } of one read of the topic, or { error }.
//   forked as: node --expose-gc --import tsx bench/console-ingest-reader.ts <bare|console> <topic> <broker,…>
import { Kafka, logLevel } from 'kafkajs';
import { benchIngestRound } from './console-ingest.js';

const [mode, topic, brokers] = process.argv.slice(2) as ['bare' | 'console', string, string];
if ((mode !== 'bare' && mode !== 'console') || !topic || !brokers) {
  process.stderr.write('usage: console-ingest-reader.ts <bare|console> <topic> <broker,…>\n');
  process.exit(2);
}
const kafka = new Kafka({
  clientId: `console-bench-${mode}`,
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
  retry: { retries: 5 },
});
const collect = () => (globalThis as { gc?: () => void }).gc?.();

process.on('message', (msg: { style?: 'eachBatch' | 'eachMessage' }) => {
  collect(); // the previous round's store and consumer are not collected during this one
  benchIngestRound(kafka, topic, mode, msg.style)
    .then((t) => process.send?.({ ms: t.ms, cpuMs: t.cpuMs, entities: (t as { entities?: number }).entities }))
    .catch((err: unknown) => process.send?.({ error: String(err) }));
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
