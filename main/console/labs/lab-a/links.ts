// The presentations API's links to Kafka, through proxies the module owns (main/console/faults/link-proxy.ts), so that
// check 4 can cut them: one proxy per broker (up to three, the largest cluster Lab A runs), each broker's address mapped
// onto its proxy through the API's KAFKA_LINKS (services/shared/kafka-links.ts: kafkajs connects to the addresses the
// metadata gives, so every broker needs its own). The proxies listen from the module's creation (unref'd); while they
// do not, or when the cluster has more brokers than proxies, the API gets no links and connects directly.
import { LinkProxy, type LinkTarget } from '../../faults/link-proxy.js';

export const MAX_LINKED_BROKERS = 3;

const targetOfBroker = (broker: string): LinkTarget => {
  const i = broker.lastIndexOf(':');
  return { host: broker.slice(0, i), port: Number(broker.slice(i + 1)) };
};

export interface ApiKafkaLinks {
  /** the API's env for these brokers: KAFKA_LINKS, or nothing when the proxies cannot carry them */
  env(brokers: readonly string[]): Record<string, string>;
  /** the proxies the API was last started through (undefined: it connects directly) */
  inUse(): LinkProxy[] | undefined;
  stop(): Promise<void>;
}

export function createApiKafkaLinks(given?: readonly LinkProxy[]): ApiKafkaLinks {
  const proxies = given ?? Array.from({ length: MAX_LINKED_BROKERS }, () => new LinkProxy());
  if (given === undefined)
    for (const p of proxies)
      p.start()
        .then(() => p.unref())
        .catch(() => undefined); // not listening: the API connects directly and check 4 says it cannot cut the link
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
    stop: async () => {
      if (given === undefined) await Promise.allSettled(proxies.map((p) => p.stop()));
    },
  };
}
