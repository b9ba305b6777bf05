// The presentations API's links to Kafka, which check 4 cuts. The console's link registry (main/console/faults/
// link-registry.ts) routes every instance's brokers through proxies of its own, one per broker, mapped onto the
// brokers' addresses by the API's KAFKA_LINKS (services/shared/kafka-links.ts): the check asks the check context's
// `links` for them. Proxies given here (tests that run the module without the console's registry) are used instead:
// the API's env then names them in KAFKA_LINKS, and the registry leaves a KAFKA_LINKS it is given alone.
import type { LinkProxy, LinkTarget } from '../../faults/link-proxy.js';

const targetOfBroker = (broker: string): LinkTarget => {
  const i = broker.lastIndexOf(':');
  return { host: broker.slice(0, i), port: Number(broker.slice(i + 1)) };
};

export interface ApiKafkaLinks {
  /** the API's env for these brokers: KAFKA_LINKS through the given proxies, or nothing (the registry's then) */
  env(brokers: readonly string[]): Record<string, string>;
  /** the given proxies the API was last started through (undefined: none given, or more brokers than proxies) */
  inUse(): LinkProxy[] | undefined;
  stop(): Promise<void>;
}

export function createApiKafkaLinks(given?: readonly LinkProxy[]): ApiKafkaLinks {
  const proxies = given ?? [];
  let used: LinkProxy[] | undefined;
  return {
    env(brokers): Record<string, string> {
      const mine = proxies.slice(0, brokers.length);
      if (brokers.length === 0 || brokers.length > proxies.length || !mine.every((p) => p.ready)) {
        used = undefined;
        return {};
      }
      brokers.forEach((b, i) => mine[i]!.retarget(targetOfBroker(b)));
      used = mine;
      return { KAFKA_LINKS: brokers.map((b, i) => `${b}=127.0.0.1:${mine[i]!.port}`).join(',') };
    },
    inUse: () => used,
    stop: () => Promise.resolve(),
  };
}
