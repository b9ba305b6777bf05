// Lab B's stdout lines → what the console needs: the line's kind (the supervisor counts events and errors) and the
// facts of a vacation request's timeline: its status change published to vacation.events by `vacation`, delivered from
// each bound queue (notification.vacation, reports.vacation) to a consumer, notified by notification-1 or -2, acked;
// or returned, dead-lettered, requeued. Each fact is located by `where: {kind: 'amqp', exchange, routingKey, queue,
// redelivered}`.
//
// The entity of the timeline is the vacation request (its id). Login events and user events have no entity here (the
// manifest names one noun); their lines still count as events and errors.
//
// The status of a fact: only `notification_sent` carries it (`to_status`); the other lines carry the event id. The
// reader remembers each event id's status and infers it where the status graph allows: the first event of a request it
// sees is its creation (`submitted`), after `approved` only `cancelled` may follow. Where the graph leaves a choice
// (after `submitted`: approved, rejected or cancelled), the event's facts are held back until its `notification_sent`
// tells the status, and given with that line; held longer than `holdMs` (no notification instance running), they are
// given with the next line read, with no status.
import {
  EXCHANGES,
  ROUTING_KEYS,
  VACATION_NEXT,
  parseLabBLine,
  type LabBLine,
  type VacationStatus,
} from '../../../../services/lab-b/schema.js';
import type { Fact, ParsedLine } from '../types.js';

export interface LineReaderOptions {
  /** prepended to the exchange names (the services' LAB_B_PREFIX) */
  prefix?: string;
  /** how long facts of an event whose status is not known yet are held back (default 3000 ms) */
  holdMs?: number;
  /** event ids and requests remembered at most (default 50 000 each; the oldest are forgotten) */
  cap?: number;
  now?: () => number;
}

export type LineReader = (kind: string, instance: string, text: string) => ParsedLine | undefined;

const ERRORS = new Set<LabBLine['type']>(['returned', 'publish_failed', 'dead_lettered', 'requeued', 'ack_lost']);
/** one message counts once: published by its publisher, acked by each consumer */
const EVENTS = new Set<LabBLine['type']>(['published', 'acked']);

interface Held {
  since: number;
  request: string;
  facts: Fact[];
}

export function createLineReader(opts: LineReaderOptions = {}): LineReader {
  const holdMs = opts.holdMs ?? 3000;
  const cap = Math.max(1, opts.cap ?? 50_000);
  const now = opts.now ?? Date.now;
  /** where a notification line's event came from (the line names only its queue) */
  const vacationExchange = `${opts.prefix ?? ''}${EXCHANGES.vacation}`;
  /** event id → the status it carries */
  const eventStatus = new Map<string, VacationStatus>();
  /** request id → its newest known status */
  const requestStatus = new Map<string, VacationStatus>();
  /** event id → its facts waiting for the status (in the order they were held) */
  const held = new Map<string, Held>();

  const remember = <K, V>(map: Map<K, V>, key: K, value: V) => {
    map.delete(key);
    map.set(key, value);
    if (map.size > cap) map.delete(map.keys().next().value as K);
  };

  /** whether `to` may come after `from` in one or more steps of the status graph */
  const after = (from: VacationStatus, to: VacationStatus): boolean => {
    const seen = new Set<VacationStatus>();
    const stack: VacationStatus[] = [...VACATION_NEXT[from]];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (s === to) return true;
      if (!seen.has(s)) {
        seen.add(s);
        stack.push(...VACATION_NEXT[s]);
      }
    }
    return false;
  };

  const learn = (eventId: string, request: string, status: VacationStatus) => {
    remember(eventStatus, eventId, status);
    // a late line of an older event (a redelivery) does not take the request back
    const last = requestStatus.get(request);
    if (last === undefined || after(last, status)) remember(requestStatus, request, status);
  };

  /** the status of an event seen for the first time, where the status graph leaves one choice */
  const infer = (request: string): VacationStatus | undefined => {
    const last = requestStatus.get(request);
    const options = VACATION_NEXT[last ?? 'none'];
    return options.length === 1 ? options[0] : undefined;
  };

  /** held facts given back: those of `eventId` with its status, and any held past holdMs without one */
  const release = (out: Fact[], eventId: string | null, status: VacationStatus | undefined) => {
    if (eventId !== null && status !== undefined) {
      const h = held.get(eventId);
      if (h !== undefined) {
        held.delete(eventId);
        for (const f of h.facts) out.push({ ...f, status });
      }
    }
    const t = now();
    for (const [id, h] of held) {
      if (t - h.since < holdMs && held.size <= cap) break; // oldest first: the rest are younger
      held.delete(id);
      out.push(...h.facts);
    }
  };

  const factOf = (line: Exclude<LabBLine, { type: 'lifecycle' }>, request: string): Fact => ({
    entity: request,
    step: line.type,
    status: null,
    at: Date.parse(line.ts),
    actor: line.instance,
    where:
      line.type === 'notification_sent'
        ? {
            kind: 'amqp',
            exchange: vacationExchange,
            routingKey: ROUTING_KEYS.vacationStatusChanged,
            queue: line.queue,
            redelivered: line.redelivered,
          }
        : {
            kind: 'amqp',
            exchange: line.exchange,
            routingKey: line.routing_key,
            queue: 'queue' in line ? line.queue : null,
            redelivered: 'redelivered' in line ? line.redelivered : null,
          },
    latencyMs: null,
  });

  return (_kind, _instance, text) => {
    const line = parseLabBLine(text);
    if (line === undefined) return undefined;
    if (line.type === 'lifecycle') return { kind: 'lifecycle' };
    const kind: ParsedLine['kind'] = ERRORS.has(line.type) ? 'error' : EVENTS.has(line.type) ? 'event' : 'lifecycle';
    const out: Fact[] = [];
    const request = line.entity === 'vacation' ? line.entity_id : null;
    if (request === null) {
      release(out, null, undefined);
      return out.length > 0 ? { kind, facts: out } : { kind };
    }
    const eventId = line.event_id;
    const fact = factOf(line, request);
    let status = eventId === null ? undefined : eventStatus.get(eventId);
    if (line.type === 'notification_sent') {
      status = line.to_status;
      if (eventId !== null) learn(eventId, request, status);
    } else if (status === undefined && (eventId === null || !held.has(eventId))) {
      status = infer(request);
      if (status !== undefined && eventId !== null) learn(eventId, request, status);
    }
    if (status !== undefined || eventId === null) out.push({ ...fact, status: status ?? null });
    else {
      const h = held.get(eventId);
      if (h === undefined) held.set(eventId, { since: now(), request, facts: [fact] });
      else h.facts.push(fact);
    }
    release(out, eventId, status);
    return out.length > 0 ? { kind, facts: out } : { kind };
  };
}
