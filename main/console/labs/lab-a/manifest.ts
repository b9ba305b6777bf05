// Lab A as data: CQRS presentations (seed 000). The names come from the services' interface (services/lab-a/schema.ts)
// and broken modes (services/lab-a/broken-modes.ts); the settings give the prefix, the port and the replication factor.
import { LAB_A_BROKEN_MODES } from '../../../../services/lab-a/broken-modes.js';
import {
  PRESENTATION_EVENTS_PARTITIONS,
  PRESENTATION_EVENTS_REPLICATION,
  PRESENTATION_EVENTS_TOPIC,
  PRESENTATIONS_COLLECTION,
  PROJECTOR_GROUP_ID,
  redisKeys,
  type EventType,
} from '../../../../services/lab-a/schema.js';
import type { LabManifest } from '../../contract/manifest.js';
import type { LabASettings } from './settings.js';
import { ORDER_CHECK_ID } from './checks/order-check.js';
import { CLUSTER_CHECK_ID, REDIS_CHECK_ID, REPLAY_CHECK_ID, WINDOW_CHECK_ID } from './checks/ids.js';

export const STATUSES = ['created', 'updated', 'deleted'] as const;
export type PresentationStatus = (typeof STATUSES)[number];

export const STATUS_OF_EVENT: Readonly<Record<EventType, PresentationStatus>> = {
  PresentationCreated: 'created',
  PresentationUpdated: 'updated',
  PresentationDeleted: 'deleted',
};

/** The kinds of fact of one change, in the order they happen: 202 → record → MongoDB → Redis. */
export const STEPS = {
  accepted: 'accepted',
  refused: 'refused',
  published: 'published',
  projected: 'projected',
  skipped: 'skipped',
  cached: 'cached',
} as const;

export const PROJECTOR_INSTANCES = ['projector-1', 'projector-2'] as const;
export const API_KIND = 'presentations-api';
export const PROJECTOR_KIND = 'projector';

/** LABS.md's invariant numbers → the ids of the checks that judge them (no broken mode breaks 5: a bad setup does) */
const CHECK_OF_INVARIANT: Readonly<Record<number, readonly string[]>> = {
  1: [WINDOW_CHECK_ID],
  2: [ORDER_CHECK_ID],
  3: [REPLAY_CHECK_ID],
  4: [REDIS_CHECK_ID],
  5: [CLUSTER_CHECK_ID],
};

/** The manifest for a cluster of `kafkaNodes` (the topic's replication factor: the setting, else min(2, nodes)). */
export function labAManifest(settings: LabASettings, kafkaNodes = 1): LabManifest {
  const topic = `${settings.prefix}${PRESENTATION_EVENTS_TOPIC}`;
  return {
    id: 'lab-a',
    title: 'Lab A · CQRS',
    summary: 'presentations: a command API that writes Kafka, a projector into MongoDB, Redis write-through',
    seed: '000',
    components: ['kafka', 'mongodb', 'redis'],
    services: [
      {
        kind: PROJECTOR_KIND,
        instances: [...PROJECTOR_INSTANCES],
        role: `one consumer group (${settings.prefix}${PROJECTOR_GROUP_ID}): applies events to MongoDB presentations by version`,
      },
      {
        kind: API_KIND,
        instances: [API_KIND],
        role: `commands → events on ${topic} (202 after the ack, 503 without); reads MongoDB, or Redis first`,
        after: [PROJECTOR_KIND],
        port: settings.apiPort,
      },
    ],
    topics: [
      {
        name: topic,
        partitions: PRESENTATION_EVENTS_PARTITIONS,
        replication: settings.replication ?? Math.min(PRESENTATION_EVENTS_REPLICATION, kafkaNodes),
        key: 'presentation id',
      },
    ],
    exchanges: [],
    groups: [`${settings.prefix}${PROJECTOR_GROUP_ID}`],
    entity: {
      noun: 'presentation',
      idPattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
      idExample: '0197a3c2-5b1e-7c4d-8e2f-1a2b3c4d5e6f',
      statuses: [...STATUSES],
      next: { '': ['created'], created: ['updated', 'deleted'], updated: ['updated', 'deleted'], deleted: [] },
      tones: { created: 'info', updated: 'info', deleted: 'ok' },
      steps: [
        { id: STEPS.accepted, label: 'accepted by the API: 202 once Kafka acknowledged the event' },
        { id: STEPS.refused, label: 'refused by the API: 503, Kafka did not take the event' },
        { id: STEPS.published, label: `the event's record on ${topic} (partition, offset, version)` },
        { id: STEPS.projected, label: 'projected into MongoDB presentations (version); the consistency window' },
        { id: STEPS.skipped, label: 'skipped by the projector: not newer than the document (a duplicate, a replay)' },
        { id: STEPS.cached, label: 'written to Redis (write-through)' },
      ],
    },
    views: ['stack', 'topics', 'groups', 'timeline', 'checks'],
    hint: ['Start local stack', 'Start all services', 'POST a presentation to the API'],
    checks: [
      {
        id: WINDOW_CHECK_ID,
        title: 'Consistency window',
        invariant: `Every change is readable in MongoDB within ${settings.window.boundMs} ms of its 202, at ${settings.window.rate} commands/s: the window per command, p50/p99/max (LABS.md, Lab A, invariant 1).`,
        active: true,
      },
      {
        id: ORDER_CHECK_ID,
        title: 'Per-presentation order',
        invariant:
          "Every presentation's events are keyed by its id, on one partition, and their versions strictly increase in offset order (LABS.md, Lab A, invariant 2).",
        active: false,
      },
      {
        id: REPLAY_CHECK_ID,
        title: 'Replay gives the same read model',
        invariant:
          'Resetting the projector to the earliest offset and rebuilding gives the same MongoDB state: the digest of the collection before and after (LABS.md, Lab A, invariant 3).',
        active: true,
      },
      {
        id: REDIS_CHECK_ID,
        title: 'Redis equals MongoDB',
        invariant:
          "With write-through on, Redis equals MongoDB for every presentation once the system is quiet, also after the API's link to Kafka was cut: a command answered 503 is not in Redis (LABS.md, Lab A, invariant 4).",
        active: true,
      },
      {
        id: CLUSTER_CHECK_ID,
        title: 'A Kafka node down',
        invariant:
          "Stop the node leading partition 0 and start it again: with 3 nodes commands are still accepted; with 2 every command is answered 202 or 503 within the API's ack timeout; every 202 is in MongoDB after recovery (LABS.md, Lab A, invariant 5). Needs the lab's cluster (2 or 3 nodes).",
        active: true,
      },
    ],
    faults: [
      {
        id: 'duplicate-event',
        label: 'Replay an event',
        description:
          'Re-sends the newest event of the topic (or the one at partition/offset): the projector must skip it as not newer.',
        args: { partition: 'partition of the record to copy', offset: 'offset of the record to copy' },
      },
      {
        id: 'poison-event',
        label: 'Poison record',
        description: 'Sends a value that is not JSON: the projector logs it, counts it, skips it and goes on.',
        args: { key: 'record key', value: 'record value' },
      },
    ],
    brokenModes: LAB_A_BROKEN_MODES.map((m) => ({
      id: m.id,
      label: m.label,
      bug: m.bug,
      services: [...m.services],
      breaks: m.invariants.flatMap((i) => CHECK_OF_INVARIANT[i] ?? []),
    })),
    load: null,
    readModels: {
      mongodb: [{ db: settings.mongoDb, collection: PRESENTATIONS_COLLECTION, newestBy: 'updated_at' }],
      redis: [{ prefix: redisKeys(settings.redisPrefix).doc('') }],
    },
  };
}
