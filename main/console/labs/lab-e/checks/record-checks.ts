// Lab E's invariants judged on the topics' whole history: every event matches its schema (1) and every TaskAssigned
// names an account that was a worker when it was assigned (8). Both drive the tracker a little first, so that the
// producers running now have written something the check can judge.
import type { Evidence } from '../../../contract/console-api.js';
import type { Check } from '../../types.js';
import {
  accountingSettled,
  aRole,
  eventOf,
  exercise,
  outcome,
  plural,
  readTopics,
  recordEvidence,
  schemaErrors,
  short,
  str,
  type LabECheckDeps,
  type LabERecord,
} from './support.js';

function injectedNote(records: readonly LabERecord[]): { injected: number; note: string } {
  const injected = records.filter((r) => r.injected !== null).length;
  return {
    injected,
    note: injected > 0 ? ` Left out: ${plural(injected, 'record')} a check or a fault put there.` : '',
  };
}

export function schemaValidCheck(deps: LabECheckDeps): Check {
  return {
    id: 'schema-valid',
    timeoutMs: 60_000,
    async run(ctx) {
      await exercise(ctx, deps, { tasks: 1, reshuffles: 1, complete: true, title: 'schema check' });
      ctx.progress('waiting for accounting to handle the new events');
      await accountingSettled(ctx, deps);
      const topics = Object.values(deps.topics);
      ctx.progress(`reading ${topics.join(', ')}`);
      const records = await readTopics(ctx, topics);
      const { injected, note } = injectedNote(records);
      const evidence: Evidence[] = [];
      const perTopic = new Map<string, { n: number; bad: number }>(topics.map((t) => [t, { n: 0, bad: 0 }]));
      const byEvent = new Map<string, number>();
      let invalid = 0;
      let checked = 0;
      for (const r of records) {
        if (r.injected !== null) continue;
        checked++;
        const t = perTopic.get(r.topic)!;
        t.n++;
        const errors = schemaErrors(r);
        const e = eventOf(r);
        const label = `${e.name ?? '(no event_name)'} v${e.version ?? '?'}`;
        if (errors.length === 0) {
          byEvent.set(label, (byEvent.get(label) ?? 0) + 1);
          continue;
        }
        invalid++;
        t.bad++;
        if (evidence.length < 40)
          evidence.push(
            recordEvidence(
              r,
              `${label} from ${str(r.json?.producer) ?? 'an unknown producer'} fails its schema: ${errors
                .slice(0, 3)
                .map((x) => `${x.field}: ${x.message}`)
                .join('; ')}`,
              str(e.data.public_id) ?? r.key,
            ),
          );
      }
      const counts = { records: checked, invalid, injected, events: byEvent.size };
      const topicLines: Evidence[] = [...perTopic].map(([t, c]) => ({
        source: 'offset',
        ref: t,
        detail: `${plural(c.n, 'event')}, ${c.bad} failing ${c.bad === 1 ? 'its schema' : 'their schemas'}`,
      }));
      if (checked === 0) return outcome('SKIP', `no events on the lab topics yet.${note}`, counts, topicLines);
      if (invalid > 0)
        return outcome(
          'FAIL',
          `${plural(invalid, 'event')} of ${checked} on the lab topics ${invalid === 1 ? 'fails its' : 'fail their'} schema: a producer sent without validating.${note}`,
          counts,
          [...evidence, ...topicLines],
        );
      return outcome(
        'PASS',
        `all ${plural(checked, 'event')} on the ${topics.length} lab topics validate against their schemas (${[
          ...byEvent,
        ]
          .map(([k, n]) => `${k} ×${n}`)
          .join(', ')}).${note}`,
        counts,
        topicLines,
      );
    },
  };
}

interface RoleChange {
  at: number;
  role: string;
  record: LabERecord;
}

export function assigneeWorkersCheck(deps: LabECheckDeps): Check {
  return {
    id: 'assignee-workers',
    timeoutMs: 60_000,
    async run(ctx) {
      await exercise(ctx, deps, { tasks: 8, reshuffles: 1, complete: true, title: 'assignee check' });
      const { accountsStream, accounts, tasksLifecycle } = deps.topics;
      ctx.progress(`reading ${accountsStream}, ${accounts} and ${tasksLifecycle}`);
      const records = await readTopics(ctx, [accountsStream, accounts, tasksLifecycle]);
      const roles = new Map<string, RoleChange[]>();
      for (const r of records) {
        if (r.topic === tasksLifecycle || r.injected !== null) continue;
        const e = eventOf(r);
        const id = str(e.data.public_id);
        const role = str(e.data.role);
        if (id === null || role === null) continue;
        const list = roles.get(id) ?? [];
        list.push({ at: r.timestamp, role, record: r });
        roles.set(id, list);
      }
      for (const list of roles.values()) list.sort((a, b) => a.at - b.at);
      const roleAt = (account: string, at: number): RoleChange | undefined => {
        const list = roles.get(account);
        if (list === undefined) return undefined;
        let found: RoleChange | undefined;
        for (const c of list) if (c.at <= at) found = c;
        // an account assigned before its first event's timestamp (clocks of two producers): its first role
        return found ?? list[0];
      };
      const evidence: Evidence[] = [];
      const byRole: Record<string, number> = {};
      let assignments = 0;
      let notWorker = 0;
      let unknown = 0;
      let unreadable = 0;
      for (const r of records) {
        if (r.topic !== tasksLifecycle || r.injected !== null) continue;
        const e = eventOf(r);
        if (e.name !== 'TaskAssigned') continue;
        const task = str(e.data.public_id);
        const assignee = str(e.data.assignee_public_id);
        if (assignee === null) {
          unreadable++;
          continue;
        }
        assignments++;
        const role = roleAt(assignee, r.timestamp);
        if (role === undefined) {
          unknown++;
          if (evidence.length < 40)
            evidence.push(
              recordEvidence(
                r,
                `task ${short(task)} assigned to ${assignee}: no such account on the accounts topics`,
                task,
              ),
            );
          continue;
        }
        byRole[role.role] = (byRole[role.role] ?? 0) + 1;
        if (role.role === 'worker') continue;
        notWorker++;
        if (evidence.length < 40)
          evidence.push(
            recordEvidence(
              r,
              `task ${short(task)} assigned to ${assignee}, ${aRole(role.role)} (${role.record.topic} p${role.record.partition}@${role.record.offset}): only workers take tasks`,
              task,
            ),
          );
      }
      const counts = {
        assignments,
        notWorker,
        unknownAssignee: unknown,
        unreadable,
        managers: byRole.manager ?? 0,
        admins: byRole.admin ?? 0,
      };
      const note =
        unreadable > 0 ? ` Left out: ${plural(unreadable, 'TaskAssigned')} without assignee_public_id (check 1).` : '';
      if (assignments === 0)
        return outcome('SKIP', `no TaskAssigned on ${tasksLifecycle} to judge.${note}`, counts, evidence);
      if (notWorker + unknown > 0)
        return outcome(
          'FAIL',
          `${plural(notWorker, 'assignment')} of ${assignments} went to an account that is not a worker (${Object.entries(
            byRole,
          )
            .filter(([k]) => k !== 'worker')
            .map(([k, n]) => `${k} ×${n}`)
            .join(', ')})${unknown > 0 ? ` and ${unknown} to an account the accounts topics do not know` : ''}.${note}`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `all ${plural(assignments, 'assignment')} on ${tasksLifecycle} went to workers (${roles.size} accounts known from the accounts topics).${note}`,
        counts,
        [],
      );
    },
  };
}
