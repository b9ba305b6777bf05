// The link proxies of the links bench in a process of their own, as in the console (the proxies live in the console's
// process, the services in theirs): reads the stack's endpoints as JSON from argv, routes a producer's, a consumer's
// and a Postgres client's env through a link registry, prints the routed envs as one JSON line, and stops its proxies
// when its stdin closes.
import { createLinkRegistry } from '../main/console/faults/link-registry.js';
import type { StackEndpoints } from '../main/console/stack/types.js';

const endpoints = JSON.parse(process.argv[2] ?? '{}') as StackEndpoints;
const links = createLinkRegistry();
const brokers = { KAFKA_BROKERS: endpoints.kafka.brokers.join(',') };
const out = {
  producer: await links.route('producer', brokers, endpoints),
  consumer: await links.route('consumer', brokers, endpoints),
  client: await links.route('client', { DATABASE_URL: endpoints.postgres.url }, endpoints),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  process.stderr.write(
    `${JSON.stringify(links.list().map((l) => ({ id: l.id, up: l.bytesUp, down: l.bytesDown })))}\n`,
  );
  void links.stop().then(() => process.exit(0));
});
