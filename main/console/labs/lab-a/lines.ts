// Lab A's stdout lines (services/lab-a/schema.ts) → facts of a presentation's timeline:
//
//   presentations-api `accepted` → `accepted` (the 202; latency: from the command to the ack) and `published` (the
//                                  record: partition, offset)
//   presentations-api `refused`  → `refused` (the 503)
//   presentations-api `cached`   → `cached` (Redis; `where` names the key and the version)
//   projector `projected`        → `projected` (MongoDB, the version; latency: the consistency window from the 202)
//   projector `skipped`          → `skipped` (not newer than the document)
//   projector `error`            → an error line (a poison record names no presentation)
//   projector `lifecycle`        → its group membership (joined with the assignment; lost on disconnected/stopped)
//
// Each fact's status is the change it belongs to (created, updated, deleted), from the event type.
import { parseApiLine, parseProjectorLine, PRESENTATIONS_COLLECTION } from '../../../../services/lab-a/schema.js';
import type { Fact, ParsedLine } from '../types.js';
import { API_KIND, STATUS_OF_EVENT, STEPS } from './manifest.js';

export function createLineParser(opts: {
  groupId: string;
}): (kind: string, instance: string, text: string) => ParsedLine | undefined {
  const fact = (
    ts: string,
    entity: string,
    step: string,
    status: string | null,
    actor: string | null,
    where: Fact['where'],
    latencyMs: number | null = null,
  ): Fact => ({ entity, step, status, at: Date.parse(ts), actor, where, latencyMs });

  return (kind, instance, text) => {
    if (kind === API_KIND) {
      const line = parseApiLine(text);
      if (line === undefined) return undefined;
      const status = line.type === 'cached' ? null : STATUS_OF_EVENT[line.event_type];
      switch (line.type) {
        case 'accepted': {
          const record = { kind: 'record' as const, topic: line.topic, partition: line.partition, offset: line.offset };
          return {
            kind: 'event',
            facts: [
              fact(line.ts, line.id, STEPS.accepted, status, instance, null, line.ack_ms),
              fact(line.ts, line.id, STEPS.published, status, `version ${line.version}`, record),
            ],
          };
        }
        case 'refused':
          return { kind: 'error', facts: [fact(line.ts, line.id, STEPS.refused, status, instance, null)] };
        case 'cached': {
          // a Redis key is not a collection, but the same shape says where the copy is and at which version
          const where = { kind: 'doc' as const, collection: `redis ${line.key}`, version: line.version };
          const actor = line.after_ack ? instance : `${instance} (before the ack)`;
          return { kind: 'event', facts: [fact(line.ts, line.id, STEPS.cached, null, actor, where)] };
        }
      }
    }
    const line = parseProjectorLine(text);
    if (line === undefined) return undefined;
    switch (line.type) {
      case 'projected': {
        const where = { kind: 'doc' as const, collection: PRESENTATIONS_COLLECTION, version: line.version };
        const status = STATUS_OF_EVENT[line.event_type];
        return {
          kind: 'event',
          facts: [fact(line.ts, line.id, STEPS.projected, status, instance, where, line.window_ms)],
        };
      }
      case 'skipped': {
        const where = { kind: 'record' as const, topic: line.topic, partition: line.partition, offset: line.offset };
        const status = STATUS_OF_EVENT[line.event_type];
        return { kind: 'event', facts: [fact(line.ts, line.id, STEPS.skipped, status, instance, where)] };
      }
      case 'error':
        return { kind: 'error' };
      case 'lifecycle':
        if (line.state === 'joined')
          return {
            kind: 'lifecycle',
            member: {
              groupId: opts.groupId,
              assignment: line.assignment ?? {},
              generationId: line.generation_id ?? null,
            },
          };
        if (line.state === 'disconnected' || line.state === 'stopped' || line.state === 'crashed')
          return { kind: 'lifecycle', member: { groupId: opts.groupId, assignment: null, generationId: null } };
        return { kind: 'lifecycle' };
    }
  };
}
