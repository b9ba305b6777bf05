// Lab E's hot path from the console's topic tail: a tasks-lifecycle record's envelope → the task's public id and its
// published status. JSON.parse is enough here (Lab E's rates are a few events a second); what is kept light is the
// rest: a byte check before the parse, no object per record beyond what the parse makes.
//
// Only tasks-lifecycle has a scanner: the entity store keeps one topic per entity and orders its published statuses
// by offset, which is meaningful within one topic (the record key is the task, so one partition) and not across two.
// tasks-stream's TaskCreated/TaskUpdated reach the timeline as `streamed` facts from tasks' lines instead.
import type { RecordScanner } from '../types.js';
import { TASK_STATUSES, type TaskStatus } from './manifest.js';

const CREATED = TASK_STATUSES.indexOf('created');
const ASSIGNED = TASK_STATUSES.indexOf('assigned');
const COMPLETED = TASK_STATUSES.indexOf('completed');

/** The status of a task event by its name: `assigned` is every TaskAssigned (the scanner keeps the first only). */
export function statusOfEvent(name: string | null | undefined): TaskStatus | null {
  switch (name) {
    case 'TaskAdded':
    case 'TaskCreated':
      return 'created';
    case 'TaskAssigned':
      return 'assigned';
    case 'TaskCompleted':
      return 'completed';
    default:
      return null;
  }
}

interface Envelope {
  event_name?: unknown;
  data?: { public_id?: unknown; reason?: unknown } | null;
}

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * tasks-lifecycle: TaskAdded → `created`, a TaskAssigned with reason `created` → `assigned`, TaskCompleted →
 * `completed`. A reshuffle's TaskAssigned, a poison record, another shape or a task id that is not a string: false.
 */
export const scanLifecycleRecord: RecordScanner = (value, out) => {
  let first = 0;
  while (isSpace(value[first])) first++;
  if (value[first] !== 0x7b) return false; // not a JSON object: a poison record
  let env: Envelope;
  try {
    env = JSON.parse(value.toString('utf8')) as Envelope;
  } catch {
    return false;
  }
  const data = env.data;
  if (typeof data !== 'object' || data === null || typeof data.public_id !== 'string' || data.public_id === '')
    return false;
  let status: number;
  switch (env.event_name) {
    case 'TaskAdded':
      status = CREATED;
      break;
    case 'TaskAssigned':
      if (data.reason !== 'created') return false;
      status = ASSIGNED;
      break;
    case 'TaskCompleted':
      status = COMPLETED;
      break;
    default:
      return false;
  }
  out.entity = data.public_id;
  out.status = status;
  return true;
};
