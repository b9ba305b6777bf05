// Lab E's stdout lines (services/lab-e/schema.ts, `LabELine`) → facts of a task's timeline.
//
//   tasks `produced` on tasks-stream        → `streamed` (TaskCreated: created; TaskUpdated: the task's status now)
//   tasks `produced` TaskAssigned, not the task's first                  → `reassigned` (assigned)
//   tasks `produced` of the other tasks-lifecycle events: nothing (the tail reads those records: `published`)
//   accounting `consumed` on tasks-lifecycle (TaskAdded, the first TaskAssigned, TaskCompleted) → `handled`
//   `duplicate` (a replay skipped) on tasks-lifecycle                    → `handled`, by "<instance> (duplicate)"
//   any other `consumed` of a task event (a CUD event, a reshuffle, analytics) → `consumed`
//   `price_fixed` → `priced`; `ledger` fee/reward of a task → `fee` (assigned) / `reward` (completed), the amount in
//   the actor; `dead_lettered`, `refused` of a task event → `dead-lettered`, `refused`
//
// Which TaskAssigned is a task's first is counted per task (the lines carry no reason; the record does, and the scanner
// reads it). Each count is kept for the newest tasks only (bounded).
import { parseLabELine, type LabELine } from '../../../../services/lab-e/schema.js';
import type { Fact, ParsedLine } from '../types.js';
import { STEPS, type TaskStatus } from './manifest.js';
import { statusOfEvent } from './scan.js';

interface TaskState {
  /** TaskAssigned produced by tasks */
  assignsProduced: number;
  /** TaskAssigned consumed (per consumer instance: only accounting consumes tasks-lifecycle) */
  assignsConsumed: Map<string, number>;
  completed: boolean;
}

export interface LineParser {
  parse(kind: string, instance: string, text: string): ParsedLine | undefined;
  /** the newest task a line named (faults default to it) */
  lastTask(): string | undefined;
}

export function createLineParser(opts: {
  lifecycleTopic: string;
  streamTopic: string;
  cap?: number;
  /** every line of the lab's interface, once parsed (the Schemas panel's counts) */
  onLine?: (line: LabELine, instance: string) => void;
}): LineParser {
  const { lifecycleTopic, streamTopic } = opts;
  const cap = opts.cap ?? 20_000;
  const tasks = new Map<string, TaskState>();
  let newest: string | undefined;

  const stateOf = (task: string): TaskState => {
    let s = tasks.get(task);
    if (s === undefined) {
      s = { assignsProduced: 0, assignsConsumed: new Map(), completed: false };
      tasks.set(task, s);
      if (tasks.size > cap) tasks.delete(tasks.keys().next().value!);
    }
    newest = task;
    return s;
  };
  /** TaskUpdated and events of no status: the status the task is in now */
  const statusNow = (name: string | null, s: TaskState): TaskStatus =>
    statusOfEvent(name) ?? (s.completed ? 'completed' : s.assignsProduced > 0 ? 'assigned' : 'created');

  const fact = (
    line: LabELine,
    entity: string,
    step: string,
    status: TaskStatus | null,
    actor: string | null,
    where: Fact['where'],
  ): Fact => ({ entity, step, status, at: Date.parse(line.ts), actor, where, latencyMs: null });
  const record = (l: { topic: string; partition: number; offset: string }): Fact['where'] => ({
    kind: 'record',
    topic: l.topic,
    partition: l.partition,
    offset: l.offset,
  });
  const taskTopic = (topic: string) => topic === lifecycleTopic || topic === streamTopic;

  const factsOf = (line: LabELine, instance: string): Fact[] => {
    switch (line.type) {
      case 'produced': {
        if (line.entity_kind !== 'task' || !taskTopic(line.topic)) return [];
        const s = stateOf(line.entity);
        if (line.topic === streamTopic)
          return [fact(line, line.entity, STEPS.streamed, statusNow(line.event_name, s), instance, record(line))];
        if (line.event_name === 'TaskCompleted') s.completed = true;
        if (line.event_name !== 'TaskAssigned') return [];
        s.assignsProduced += 1;
        if (s.assignsProduced === 1) return [];
        return [fact(line, line.entity, STEPS.reassigned, 'assigned', instance, record(line))];
      }
      case 'consumed': {
        if (line.entity_kind !== 'task' || !taskTopic(line.topic)) return [];
        const s = stateOf(line.entity);
        const status = statusNow(line.event_name, s);
        let step: string = STEPS.consumed;
        if (line.topic === lifecycleTopic) {
          if (line.event_name === 'TaskAssigned') {
            const n = (s.assignsConsumed.get(instance) ?? 0) + 1;
            s.assignsConsumed.set(instance, n);
            if (n === 1) step = STEPS.handled;
          } else if (line.event_name === 'TaskAdded' || line.event_name === 'TaskCompleted') step = STEPS.handled;
        }
        return [fact(line, line.entity, step, status, instance, record(line))];
      }
      case 'duplicate': {
        if (line.entity_kind !== 'task' || !taskTopic(line.topic)) return [];
        const s = stateOf(line.entity);
        const step = line.topic === lifecycleTopic ? STEPS.handled : STEPS.consumed;
        return [fact(line, line.entity, step, statusNow(line.event_name, s), `${instance} (duplicate)`, record(line))];
      }
      case 'price_fixed': {
        const s = stateOf(line.entity);
        const actor = `${instance}: fee ${line.fee}, reward ${line.reward}`;
        return [fact(line, line.entity, STEPS.priced, statusNow(line.first_event, s), actor, null)];
      }
      case 'ledger': {
        if (line.task === null || line.kind === 'payout') return [];
        stateOf(line.task);
        const fee = line.kind === 'fee';
        const actor = fee ? `${instance}: fee ${line.debit}` : `${instance}: reward ${line.credit}`;
        const where = { kind: 'row' as const, table: 'ledger', id: line.transaction_id };
        return [fact(line, line.task, fee ? STEPS.fee : STEPS.reward, fee ? 'assigned' : 'completed', actor, where)];
      }
      case 'dead_lettered': {
        if (line.entity === null || !taskTopic(line.topic)) return [];
        const s = stateOf(line.entity);
        const where = {
          kind: 'record' as const,
          topic: line.dlq_topic,
          partition: line.dlq_partition,
          offset: line.dlq_offset,
        };
        return [fact(line, line.entity, STEPS.deadLettered, statusNow(line.event_name, s), instance, where)];
      }
      case 'refused': {
        if (line.entity === null || !line.event_name.startsWith('Task')) return [];
        const s = stateOf(line.entity);
        return [fact(line, line.entity, STEPS.refused, statusNow(line.event_name, s), instance, null)];
      }
      default:
        return [];
    }
  };

  return {
    parse(_kind, instance, text) {
      const line = parseLabELine(text);
      if (line === undefined) return undefined;
      opts.onLine?.(line, instance);
      if (line.type === 'lifecycle') return { kind: 'lifecycle' };
      const facts = factsOf(line, instance);
      const kind = line.type === 'refused' || line.type === 'dead_lettered' ? 'error' : 'event';
      return facts.length > 0 ? { kind, facts } : { kind };
    },
    lastTask: () => newest,
  };
}
