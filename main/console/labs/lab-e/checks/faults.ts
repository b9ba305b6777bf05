// Lab E's faults that need more than the console's record faults: replay a topic's events as duplicates, deliver a
// TaskAssigned to accounting before its TaskCreated, publish an event that fails its schema. Each record they send
// carries the fault header (INJECTED_HEADER), so the checks count them apart.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { AppError } from '../../../../../services/shared/app-error.js';
import type { LabContext, LabFault } from '../../types.js';
import { assignedBeforeCreated, replay } from './accounting-checks.js';
import { eventOf, inject, readTopics, recordRef, str, type LabECheckDeps } from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FAULT_TIMEOUT_MS = 30_000;

/** what the record helpers need of a check context, for a fault */
function faultContext(ctx: LabContext) {
  const kafka = new Kafka({
    clientId: 'eventscope-lab-e-faults',
    brokers: ctx.endpoints().kafka.brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  return { kafka: () => kafka, signal: AbortSignal.timeout(FAULT_TIMEOUT_MS), deadline: Date.now() + FAULT_TIMEOUT_MS };
}

export function labEFaults(
  deps: LabECheckDeps,
  opts: {
    /** a lab topic by its name with or without the prefix (tasks-lifecycle by default) */
    topicArg(value: string | number | boolean | undefined): string;
    /** the newest task a service line named */
    lastTask(): string | undefined;
  },
): LabFault[] {
  return [
    {
      id: 'replay-topic',
      run: async (ctx, args) => {
        const topic = opts.topicArg(args.topic);
        const count = args.count === undefined || args.count === '' ? 50 : Number(args.count);
        if (!Number.isInteger(count) || count < 1 || count > 1000)
          throw new AppError('INVALID_INPUT', `count: 1 to 1000 events, not ${String(args.count)}`, { field: 'count' });
        const fc = faultContext(ctx);
        const events = (await readTopics(fc, [topic])).filter((r) => r.injected === null && r.json !== null);
        if (events.length === 0)
          throw new AppError('NOT_FOUND', `${topic} has no events to replay yet: run the load first`, { topic });
        const newest = events.sort((a, b) => a.timestamp - b.timestamp).slice(-count);
        const copies = await replay(fc, newest, 'replay-topic');
        const first = copies[0]!;
        return `replayed ${copies.length} events of ${topic} with their event_ids (from ${recordRef(first.source)} on; copies from p${first.copy.partition}@${first.copy.offset}): its consumers should log duplicates and change no balance`;
      },
    },
    {
      id: 'assigned-before-created',
      run: async (ctx, args) => {
        const fc = faultContext(ctx);
        let assignee = args.assignee === undefined || args.assignee === '' ? undefined : String(args.assignee);
        if (assignee !== undefined && !UUID.test(assignee))
          throw new AppError('INVALID_INPUT', `assignee: an account's public id is a UUID, not ${assignee}`, {
            field: 'assignee',
          });
        if (assignee === undefined) {
          const workers = (await readTopics(fc, [deps.topics.accountsStream])).filter(
            (r) => eventOf(r).name === 'AccountCreated' && eventOf(r).data.role === 'worker',
          );
          const newest = workers.sort((a, b) => a.timestamp - b.timestamp).at(-1);
          assignee = newest === undefined ? undefined : (str(eventOf(newest).data.public_id) ?? undefined);
          if (assignee === undefined)
            throw new AppError('NOT_FOUND', `no worker on ${deps.topics.accountsStream} yet: sign a worker up first`);
        }
        const r = await assignedBeforeCreated(fc, deps, assignee, 'assigned-before-created');
        return `sent TaskAssigned of a new task ${r.task} (assignee ${assignee}) to ${recordRef(r.assigned)}${
          r.lag === undefined ? ', accounting handled it,' : ` (${r.lag})`
        } then its TaskCreated v2 to ${recordRef(r.created)}: accounting prices it on the TaskAssigned, charges one fee and accepts the TaskCreated`;
      },
    },
    {
      id: 'invalid-event',
      run: async (ctx, args) => {
        const task =
          args.task === undefined || args.task === '' ? (opts.lastTask() ?? randomUUID()) : String(args.task);
        if (!UUID.test(task))
          throw new AppError('INVALID_INPUT', `task: a task's public id is a UUID, not ${task}`, { field: 'task' });
        const event = {
          event_id: randomUUID(),
          event_version: 1,
          event_name: 'TaskAssigned',
          event_time: new Date().toISOString(),
          producer: 'eventscope-console',
          // `assignee_id` instead of the required `assignee_public_id`
          data: { public_id: task, assignee_id: randomUUID(), reason: 'reshuffle' },
        };
        const [r] = await inject(faultContext(ctx).kafka(), deps.topics.tasksLifecycle, 'invalid-event', [
          { key: task, value: JSON.stringify(event) },
        ]);
        return `sent a TaskAssigned without assignee_public_id for task ${task} to ${recordRef(r!)}: accounting dead-letters it`;
      },
    },
  ];
}
