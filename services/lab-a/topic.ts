// Lab A's topic: created by the API at start when missing (3 partitions; the replication factor is a setting, by default
// min(2, brokers in the cluster) so that the lab runs on one broker and on the seed's two). Leaders are waited for here:
// kafkajs' `waitForLeaders` has been seen failing with UNKNOWN_TOPIC_OR_PARTITION right after a create on a cluster.
import type { Admin } from 'kafkajs';
import type { Logger } from '../shared/logger.js';
import { PRESENTATION_EVENTS_REPLICATION } from './schema.js';

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** 'auto': min(2, brokers) */
  replicationFactor: number | 'auto';
}

export interface EnsuredTopic {
  created: boolean;
  partitions: number;
  replicationFactor: number;
}

/** Creates the topic when missing and waits (up to `timeoutMs`) until every partition has a leader. */
export async function ensureTopic(
  admin: Admin,
  spec: TopicSpec,
  logger: Logger,
  timeoutMs = 15_000,
): Promise<EnsuredTopic> {
  const { topic } = spec;
  const existing = await admin.listTopics();
  let created = false;
  let replicationFactor: number;
  if (existing.includes(topic)) {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const parts = meta.topics[0]?.partitions ?? [];
    return { created, partitions: parts.length, replicationFactor: parts[0]?.replicas.length ?? 0 };
  }
  if (spec.replicationFactor === 'auto') {
    const { brokers } = await admin.describeCluster();
    replicationFactor = Math.max(1, Math.min(PRESENTATION_EVENTS_REPLICATION, brokers.length));
  } else replicationFactor = spec.replicationFactor;
  try {
    created = await admin.createTopics({
      topics: [{ topic, numPartitions: spec.partitions, replicationFactor }],
      waitForLeaders: false,
    });
  } catch (err) {
    // another instance created it at the same moment
    if (!/already exists/i.test((err as Error).message)) throw err;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const parts = meta.topics[0]?.partitions ?? [];
      if (parts.length >= spec.partitions && parts.every((p) => p.leader >= 0)) break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topic ${topic}: no leader for every partition within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (created) logger.info({ topic, partitions: spec.partitions, replicationFactor }, 'created topic');
  return { created, partitions: spec.partitions, replicationFactor };
}
