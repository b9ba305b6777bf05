// Lab C's stdout lines (services/lab-c/schema.ts, `LabCLine`) → facts of an order's timeline, and the group joins.
//
//   orders `order_committed`                         → `committed` (created), the order row
//   payments `consumed` order.created applied/waiting → `received` (created), the orders-events record
//   payments `consumed` … waiting                      → `waiting` too; `duplicate` outcomes → `duplicate`
//   payments `payment_committed`                       → `payment` (paid / payment_failed), the payment row
//   orders `consumed` payment.* applied                → `applied` (paid / payment_failed), the payments-events record
//   orders `order_status`                              → `status`; `sse_pushed` → `pushed` (by which replica)
//   payments `paused`                                  → `paused` (the kill window of the test hook)
//   `poison`                                          → an error line (no fact: it names no order)
import { parseLabCLine, type LabCLine, type OrderStatus } from '../../../../services/lab-c/schema.js';
import type { Fact, ParsedLine } from '../types.js';
import { STEPS } from './manifest.js';

const paymentStatus = (eventType: string): OrderStatus | null =>
  eventType === 'payment.completed' ? 'paid' : eventType === 'payment.failed' ? 'payment_failed' : null;

export interface LineParser {
  parse(kind: string, instance: string, text: string): ParsedLine | undefined;
  /** the newest order a line named */
  lastOrder(): string | undefined;
}

/** `observe`: every Lab C line as it is read (the module's faults wait on `listening` and `paused` lines) */
export function createLineParser(observe?: (instance: string, line: LabCLine) => void): LineParser {
  let newest: string | undefined;
  const fact = (
    line: LabCLine,
    entity: string,
    step: string,
    status: string | null,
    actor: string | null,
    where: Fact['where'],
  ): Fact => {
    newest = entity;
    return { entity, step, status, at: Date.parse(line.ts), actor, where, latencyMs: null };
  };
  const record = (l: { topic: string; partition: number; offset: string }): Fact['where'] => ({
    kind: 'record',
    topic: l.topic,
    partition: l.partition,
    offset: l.offset,
  });

  const factsOf = (line: LabCLine, instance: string): Fact[] => {
    switch (line.type) {
      case 'order_committed':
        return [
          fact(line, line.order_id, STEPS.committed, 'created', instance, {
            kind: 'row',
            table: 'orders',
            id: line.order_id,
          }),
        ];
      case 'consumed': {
        if (line.order_id === null) return [];
        if (line.service === 'payments') {
          if (line.event_type !== 'order.created') return [];
          if (line.outcome === 'duplicate')
            return [fact(line, line.order_id, STEPS.duplicate, 'created', `${instance} (duplicate)`, record(line))];
          if (line.outcome === 'waiting')
            return [fact(line, line.order_id, STEPS.waiting, 'created', instance, record(line))];
          return [fact(line, line.order_id, STEPS.received, 'created', instance, record(line))];
        }
        const status = paymentStatus(line.event_type);
        if (status === null) return [];
        if (line.outcome === 'duplicate')
          return [fact(line, line.order_id, STEPS.duplicate, status, `${instance} (duplicate)`, record(line))];
        if (line.outcome !== 'applied') return [];
        return [fact(line, line.order_id, STEPS.applied, status, instance, record(line))];
      }
      case 'payment_committed': {
        const status = line.status === 'completed' ? 'paid' : 'payment_failed';
        const actor = line.reason === null ? `${instance}: ${line.amount}` : `${instance}: ${line.reason}`;
        return [
          fact(line, line.order_id, STEPS.payment, status, actor, {
            kind: 'row',
            table: 'payments',
            id: line.payment_id,
          }),
        ];
      }
      case 'order_status':
        return [fact(line, line.order_id, STEPS.status, line.status, instance, null)];
      case 'sse_pushed':
        return [fact(line, line.order_id, STEPS.pushed, line.status, instance, null)];
      case 'paused':
        return line.order_id === ''
          ? []
          : [fact(line, line.order_id, STEPS.paused, 'created', `${instance}: ${line.at}`, null)];
      default:
        return [];
    }
  };

  return {
    parse(_kind, instance, text) {
      const line = parseLabCLine(text);
      if (line === undefined) return undefined;
      observe?.(instance, line);
      if (line.type === 'lifecycle') {
        if (line.state === 'joined' && line.group_id !== undefined)
          return {
            kind: 'lifecycle',
            member: {
              groupId: line.group_id,
              assignment: line.assignment ?? {},
              generationId: line.generation_id ?? null,
            },
          };
        return { kind: 'lifecycle' };
      }
      if (line.type === 'poison') return { kind: 'error' };
      const facts = factsOf(line, instance);
      return facts.length > 0 ? { kind: 'event', facts } : { kind: 'event' };
    },
    lastOrder: () => newest,
  };
}
