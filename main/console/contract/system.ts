// The System view's and the exports' part of the console contract: the running lab drawn as a graph (built in main by
// main/console/system/system-graph.ts from the lab's manifest and what the observers see), its architecture as code
// (Structurizr DSL and Mermaid, main/console/export/) and the lab report written into the app's data folder. Merged
// into console-api.ts. zod only: compiled into the DOM build too.
import { z } from 'zod';
import { Millis, Slug, def, event } from './define.js';
import { ComponentName, ViewId } from './manifest.js';

export const SystemTone = z.enum(['ok', 'warn', 'bad', 'idle', 'info']);
export type SystemTone = z.infer<typeof SystemTone>;

export const SYSTEM_NODE_KINDS = [
  'instance',
  'client',
  'topic',
  'group',
  'exchange',
  'queue',
  'table',
  'collection',
  'cache',
  'database',
] as const;
export const SystemNodeKind = z.enum(SYSTEM_NODE_KINDS);
export type SystemNodeKind = z.infer<typeof SystemNodeKind>;

export const SystemFigure = z.object({ label: z.string(), value: z.string(), tone: SystemTone.optional() });
export type SystemFigure = z.infer<typeof SystemFigure>;

export const SystemNode = z.object({
  /** `<kind>:<name>`: `instance:notifier-2`, `topic:loms.order-events`, `group:notifier` */
  id: z.string(),
  kind: SystemNodeKind,
  /** its name as the broker, the database or the manifest spells it */
  name: z.string(),
  /** a second line: a service's kind, a topic's partitions, an instance's state */
  sub: z.string().nullable(),
  /** the stack part it lives in (a topic: kafka; a table: postgres), null for the lab's own processes */
  component: ComponentName.nullable(),
  /** the service kind of an instance (from the manifest), null otherwise */
  service: z.string().nullable(),
  tone: SystemTone,
  figures: z.array(SystemFigure),
  /** what is wrong or unusual with it: `killed`, `crashed`, `stopped`, `broken: <mode>`, `unexpected` */
  marks: z.array(z.string()),
  /** the lab's manifest declares it (false: only the observers saw it, a student's own group or client) */
  declared: z.boolean(),
  /** records waiting (a group's lag, a queue's ready + unacked, an outbox's pending rows), null when none applies */
  backlog: z.number().int().nonnegative().nullable(),
  /** the view a click opens */
  view: ViewId.nullable(),
});
export type SystemNode = z.infer<typeof SystemNode>;

export const SystemEdgeLink = z.object({
  /** the link fault's id, `<instance>/<component>` */
  id: z.string(),
  state: z.enum(['up', 'cut']),
  delayMs: Millis,
});
export type SystemEdgeLink = z.infer<typeof SystemEdgeLink>;

export const SystemEdge = z.object({
  id: z.string(),
  source: z.string(),
  target: z.string(),
  /** writes (produce, publish, commit), reads (a topic read by a group), member (a group's member), binding, delivers */
  kind: z.enum(['writes', 'reads', 'member', 'binding', 'delivers']),
  label: z.string().nullable(),
  /** messages per second along it now, null when nothing measures it */
  ratePerSec: z.number().nonnegative().nullable(),
  /** the instance's link to the component at the other end (a link fault's state), null when there is none */
  link: SystemEdgeLink.nullable(),
  tone: SystemTone,
  declared: z.boolean(),
});
export type SystemEdge = z.infer<typeof SystemEdge>;

export const SystemGraph = z.object({
  lab: Slug,
  at: Millis,
  nodes: z.array(SystemNode),
  edges: z.array(SystemEdge),
});
export type SystemGraph = z.infer<typeof SystemGraph>;

export const Architecture = z.object({
  lab: Slug,
  /** the Structurizr DSL workspace: context, container and (when an entity was given or found) dynamic views */
  structurizr: z.string(),
  mermaid: z.object({ context: z.string(), container: z.string(), dynamic: z.string().nullable() }),
  /** the entity whose path the dynamic view shows */
  entity: z.string().nullable(),
});
export type Architecture = z.infer<typeof Architecture>;

export const ReportProgress = z.object({
  runId: z.string(),
  /** what it is doing: `reading checks`, `timelines 3/5`, `writing HTML` */
  step: z.string(),
  fraction: z.number().min(0).max(1),
  done: z.boolean(),
});
export type ReportProgress = z.infer<typeof ReportProgress>;

const EntityIds = z.array(z.string().min(1).max(200)).max(20);

export const SYSTEM_REQUESTS = {
  /** The running lab as a graph now: instances, topics, groups, exchanges, queues, tables, collections; rates, lag. */
  'system:graph': def(z.object({}).strict(), SystemGraph),
  /** The lab's architecture as Structurizr DSL and Mermaid; the dynamic view follows `entity` (default: a recent one). */
  'system:architecture': def(z.object({ entity: z.string().min(1).max(200).optional() }).strict(), Architecture),
  /**
   * Writes the lab report (one self-contained HTML file and a Markdown file) into the app's data folder and returns
   * their paths. `entities`: the timelines to include (default: the flagged and the most recent few). Progress:
   * `report:progress`.
   */
  'report:export': def(
    z.object({ entities: EntityIds.optional() }).strict(),
    z.object({
      runId: z.string(),
      html: z.string(),
      markdown: z.string(),
      bytes: z.number().int().nonnegative(),
      millis: Millis,
    }),
  ),
} as const;

export const SYSTEM_EVENTS = {
  /** Where a report:export is (a few pushes per report, the last with done). */
  'report:progress': event(ReportProgress),
} as const;
