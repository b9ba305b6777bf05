// A lab's manifest: pure data that tells the console and the renderer what the lab is (its services and instances,
// topics, exchanges, consumer groups, the entity it follows with its status graph, which views apply, its checks,
// faults and broken modes). The renderer builds its menu, instance lists, group names and status colours from it; the
// console core reads lab facts only from here and from the lab's module (main/console/labs/<lab>/).
// zod only: this module is compiled into the DOM build too.
import { z } from 'zod';
import { Slug } from './define.js';

export const ComponentName = z.enum(['kafka', 'postgres', 'rabbitmq', 'mongodb', 'redis']);
export type ComponentName = z.infer<typeof ComponentName>;

/** The generic views a lab may show (lab panels come from renderer/labs/<lab>/ and are named `<lab>:<panel>`). */
export const VIEW_IDS = ['stack', 'system', 'topics', 'groups', 'queues', 'outbox', 'timeline', 'checks'] as const;
export const ViewId = z.enum(VIEW_IDS);
export type ViewId = z.infer<typeof ViewId>;

/** How a status reads at a glance: ok (a good end), bad (a failure), warn (waiting on someone), info (in progress). */
export const Tone = z.enum(['ok', 'bad', 'warn', 'info']);
export type Tone = z.infer<typeof Tone>;

export const ManifestService = z.object({
  /** the service (`loms`): `npm run service -- <lab>/<kind>` runs one */
  kind: Slug,
  /** instances the console runs (`notifier-1`, `notifier-2`, …); one named like the kind when it runs alone */
  instances: z.array(Slug).min(1),
  /** one line for the Stack view: what it does in the lab */
  role: z.string(),
  /** kinds to start before this one when "Start all" is pressed */
  after: z.array(Slug).optional(),
  /** the HTTP port of an instance that serves one (the course's default) */
  port: z.number().int().min(1).max(65535).optional(),
});
export type ManifestService = z.infer<typeof ManifestService>;

export const ManifestTopic = z.object({
  name: z.string(),
  partitions: z.number().int().min(1),
  replication: z.number().int().min(1),
  /** what the record key is (`order id`) */
  key: z.string(),
});

export const ManifestExchange = z.object({
  name: z.string(),
  type: z.enum(['topic', 'direct', 'fanout', 'default']),
  queues: z.array(z.string()),
});

export const ManifestEntity = z.object({
  /** what one entity is called: `order`, `presentation` */
  noun: z.string(),
  /** a regular expression a valid id matches (the Timeline's search box, timeline:get) */
  idPattern: z.string(),
  /** an id to show as a placeholder */
  idExample: z.string(),
  /** the status names in their usual order */
  statuses: z.array(z.string()),
  /** the status graph: which status may follow which; `''` is "no event yet" */
  next: z.record(z.string(), z.array(z.string())),
  tones: z.record(z.string(), Tone),
  /** the kinds of fact of one entity in the order they happen for one status, with a label each */
  steps: z.array(z.object({ id: z.string(), label: z.string() })),
});
export type ManifestEntity = z.infer<typeof ManifestEntity>;

export const ManifestCheck = z.object({
  id: Slug,
  title: z.string(),
  invariant: z.string(),
  /** it drives the system (creates entities, kills instances, stops brokers) */
  active: z.boolean(),
  /** belongs to the lab's additional task */
  additional: z.boolean().optional(),
});

export const ManifestFault = z.object({
  id: Slug,
  label: z.string(),
  /** what it does and what to watch for */
  description: z.string(),
  /** argument fields (name → a description) the fault takes, all optional */
  args: z.record(z.string(), z.string()).optional(),
});
export type ManifestFault = z.infer<typeof ManifestFault>;

export const ManifestBrokenMode = z.object({
  id: Slug,
  label: z.string(),
  /** the bug in one sentence */
  bug: z.string(),
  /** the service kinds it applies to */
  services: z.array(Slug),
  /** ids of the checks it must make fail */
  breaks: z.array(z.string()),
});
export type ManifestBrokenMode = z.infer<typeof ManifestBrokenMode>;

export const ManifestLoad = z.object({
  /** what one unit of load is (`orders`) */
  unit: z.string(),
  /** the shares of what happens to each unit: id → label and default weight */
  mix: z.array(z.object({ id: Slug, label: z.string(), weight: z.number().nonnegative() })),
  maxRate: z.number().positive(),
  defaultRate: z.number().positive(),
});
export type ManifestLoad = z.infer<typeof ManifestLoad>;

/** The read models a lab keeps (its query side): MongoDB collections and Redis key prefixes the console observes. */
export const ManifestReadModels = z.object({
  mongodb: z.array(
    z.object({
      db: z.string(),
      collection: z.string(),
      /** the field whose descending order puts the newest documents first (default `_id`) */
      newestBy: z.string().optional(),
    }),
  ),
  redis: z.array(z.object({ prefix: z.string() })),
});
export type ManifestReadModels = z.infer<typeof ManifestReadModels>;

/**
 * Who writes what, as the System view and the architecture export draw it (what the observers see, a group's members
 * and a queue's consumers, is added live). Each end is `<kind>:<name>`: `service:loms`, `topic:loms.order-events`,
 * `exchange:auth.events`, `queue:audit.auth`, `group:notifier`, `table:outbox`, `collection:lab_a.presentations`,
 * `cache:presentation:`.
 */
export const ManifestFlow = z.object({
  from: z.string().regex(/^(service|topic|exchange|queue|group|table|collection|cache):.+$/),
  to: z.string().regex(/^(service|topic|exchange|queue|group|table|collection|cache):.+$/),
  /** what travels (`orders + outbox rows, one transaction`) */
  label: z.string().optional(),
});
export type ManifestFlow = z.infer<typeof ManifestFlow>;

export const LabManifest = z.object({
  id: Slug,
  title: z.string(),
  /** one line under the title */
  summary: z.string(),
  /** which seed text it was made from (shared/seeds/) */
  seed: z.string(),
  /** the stack parts it needs */
  components: z.array(ComponentName),
  services: z.array(ManifestService),
  topics: z.array(ManifestTopic),
  exchanges: z.array(ManifestExchange),
  /** consumer groups to show (others that appear are shown too, as foreign) */
  groups: z.array(z.string()),
  entity: ManifestEntity,
  views: z.array(ViewId),
  /** the Stack view's first-time hint: short steps */
  hint: z.array(z.string()),
  checks: z.array(ManifestCheck),
  faults: z.array(ManifestFault),
  brokenModes: z.array(ManifestBrokenMode),
  load: ManifestLoad.nullable(),
  /** the Kafka cluster the lab asks the stack for (absent: one node); the local provider starts 1 to 3 KRaft nodes */
  kafka: z.object({ nodes: z.number().int().min(1).max(3) }).optional(),
  /** the read models the console observes (absent: none) */
  readModels: ManifestReadModels.optional(),
  /** who writes and reads what (absent: only what the observers see) */
  flows: z.array(ManifestFlow).optional(),
});
export type LabManifest = z.infer<typeof LabManifest>;
