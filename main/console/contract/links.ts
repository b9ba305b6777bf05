// The link faults' part of the console contract: every embedded instance reaches each broker and database it uses
// through a console-owned TCP proxy (main/console/faults/link-registry.ts), one link per (instance, component); a
// Kafka link is one proxy per broker, shown as one link. Each link can be cut, delayed (fixed + jitter), throttled
// (bytes/s per direction) and restored without stopping the shared server. Merged into console-api.ts. zod only:
// compiled into the DOM build too.
import { z } from 'zod';
import { Millis, def, event } from './define.js';
import { ComponentName } from './manifest.js';

/** `<instance>/<component>`: `loms/postgres`, `notifier-2/kafka`. */
export const LinkId = z
  .string()
  .min(3)
  .max(80)
  .regex(/^[a-z0-9]+(?:[-.][a-z0-9]+)*\/(?:kafka|postgres|rabbitmq|mongodb|redis)$/, '<instance>/<component>');
export type LinkId = z.infer<typeof LinkId>;

export const LinkState = z.enum(['up', 'cut']);
export type LinkState = z.infer<typeof LinkState>;

/** One proxy of a link: where the instance connects and where it forwards (a Kafka link has one per broker). */
export const LinkHop = z.object({
  /** 127.0.0.1:port the instance is pointed at */
  listen: z.string(),
  /** host:port of the server */
  target: z.string(),
});
export type LinkHop = z.infer<typeof LinkHop>;

export const LinkView = z.object({
  id: LinkId,
  instance: z.string(),
  component: ComponentName,
  /** the server(s) it reaches, host:port (a Kafka link: its brokers, comma-separated) */
  target: z.string(),
  hops: z.array(LinkHop),
  state: LinkState,
  /** each chunk is held delayMs + a random 0..jitterMs (order kept per connection) */
  delayMs: Millis,
  jitterMs: Millis,
  /** bytes per second per direction, null: not throttled */
  throttleBytesPerSec: z.number().int().positive().nullable(),
  /** connections open now, accepted and refused (while cut) since it was made */
  open: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  refused: z.number().int().nonnegative(),
  /** client → server and server → client bytes forwarded */
  bytesUp: z.number().nonnegative(),
  bytesDown: z.number().nonnegative(),
  /** times it was cut */
  cuts: z.number().int().nonnegative(),
  /** the instance was last started through it (false: made, but the instance runs without it or is stopped) */
  inUse: z.boolean(),
  changedAt: Millis,
});
export type LinkView = z.infer<typeof LinkView>;

const LinkRequest = z.object({ link: LinkId }).strict();
const LinkResponse = z.object({ link: LinkView, result: z.string() });

/** The largest delay and jitter a link takes (ms): a minute. */
export const MAX_LINK_DELAY_MS = 60_000;

export const LINK_REQUESTS = {
  /** Every link of the selected lab's instances (made when an instance starts), with its state and counters. */
  'links:list': def(
    z.object({ instance: z.string().min(1).max(64).optional() }).strict(),
    z.object({ links: z.array(LinkView) }),
  ),
  /** Fault: drops the link's open connections and refuses new ones until links:restore. */
  'links:cut': def(LinkRequest, LinkResponse),
  /** Fault: holds each chunk delayMs + a random 0..jitterMs, both ways (0 and 0: no delay). */
  'links:delay': def(
    z
      .object({
        link: LinkId,
        delayMs: z.number().int().min(0).max(MAX_LINK_DELAY_MS),
        jitterMs: z.number().int().min(0).max(MAX_LINK_DELAY_MS).optional(),
      })
      .strict(),
    LinkResponse,
  ),
  /** Fault: at most bytesPerSec each way (null: not throttled). */
  'links:throttle': def(
    z.object({ link: LinkId, bytesPerSec: z.number().int().min(64).max(1_000_000_000).nullable() }).strict(),
    LinkResponse,
  ),
  /** Undoes every fault of the link: up, no delay, no throttle. */
  'links:restore': def(LinkRequest, LinkResponse),
} as const;

export const LINK_EVENTS = {
  /** A link was made, faulted or restored (its counters change without a push: links:list reads them). */
  'links:changed': event(z.object({ link: LinkView })),
} as const;
