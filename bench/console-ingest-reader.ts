// One side of the console ingest bench in a process of its own (bench/console-ingest.ts forks three: the bare kafkajs
// consumer, the console's tail + timeline, and the eachMessage consumer for context). Each side lives for the whole run,
// paused between reads, as the console's tail lives for the console's: its code stays warm, and neither's JIT or heap
// state leaks into the other's figures (in one process the console read right after the bare consumer cost 60 ms more
// CPU, of about 400, than right after itself).
//   forked as: node --expose-gc --import tsx bench/console-ingest-reader.ts <bare|console> <eachBatch|eachMessage> <topic> <broker,…>
// Says { ready: true } once subscribed (and paused); asked { records: n } → replies { ms, cpuMs, entities? } of the
// read of the next n records, or { error }.
import { Kafka, logLevel } from 'kafkajs';
import { startIngestSide } from './console-ingest.js';

const [mode, style, topic, brokers] = process.argv.slice(2) as [
  'bare' | 'console',
  'eachBatch' | 'eachMessage',
  string,
  string,
];
if (
  (mode !== 'bare' && mode !== 'console') ||
  (style !== 'eachBatch' && style !== 'eachMessage') ||
  !topic ||
  !brokers
) {
  process.stderr.write('usage: console-ingest-reader.ts <bare|console> <eachBatch|eachMessage> <topic> <broker,…>\n');
  process.exit(2);
}
const kafka = new Kafka({
  clientId: `console-bench-${mode}`,
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
  retry: { retries: 5 },
});
const collect = () => (globalThis as { gc?: () => void }).gc?.();
const side = await startIngestSide(kafka, topic, mode, style);

process.on('message', (msg: { records: number }) => {
  collect(); // what the previous read left is not collected during this one
  side
    .read(msg.records)
    .then((t) => process.send?.({ ms: t.ms, cpuMs: t.cpuMs, entities: t.entities }))
    .catch((err: unknown) => process.send?.({ error: String(err) }));
});
process.on('disconnect', () => {
  void side
    .stop()
    .catch(() => undefined)
    .finally(() => process.exit(0));
});
process.send?.({ ready: true });
