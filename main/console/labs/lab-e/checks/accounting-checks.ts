// Lab E's invariants about accounting, each judged on what the check itself drove: the price fixed once (2), one fee
// per assignment (3), ledger = balance and the day close (4), duplicates ignored and out-of-order arrivals settled (5),
// TaskCreated v1 and v2 side by side (6). Broker-side first: TaskAssigned on tasks-lifecycle against TransactionApplied
// on transactions, the dead-letter topics, the groups' committed offsets; accounting's HTTP API (through the gateway)
// for balances and the ledger; its database and its lines as extra evidence where they can be read.
import { randomUUID } from 'node:crypto';
import { FEE_RANGE, REWARD_RANGE, dlqOf, parseLabELine } from '../../../../../services/lab-e/schema.js';
import type { Evidence } from '../../../contract/console-api.js';
import type { Check, CheckContext } from '../../types.js';
import {
  accountingSettled,
  consoleEvent,
  createTask,
  endOffsets,
  eventOf,
  exercise,
  gatewayCall,
  httpEvidence,
  inject,
  outcome,
  plural,
  query,
  readTopics,
  recordEvidence,
  recordRef,
  schemaErrors,
  short,
  transactionsOf,
  waitConsumed,
  type Crew,
  type Injected,
  type LabECheckDeps,
  type LabERecord,
} from './support.js';

const inRange = (n: number, r: { min: number; max: number }) => n >= r.min && n <= r.max;

/** accounting's `price_fixed` lines per task (extra evidence: our accounting logs each time it fixes a price) */
function pricedLines(ctx: CheckContext, since: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const i of ctx.services.list().filter((s) => s.kind === 'accounting'))
    for (const l of ctx.services.logs(i.instance)) {
      if (l.at < since) continue;
      const line = parseLabELine(l.text);
      if (line?.type === 'price_fixed') out.set(line.entity, (out.get(line.entity) ?? 0) + 1);
    }
  return out;
}

async function settledOrFail(ctx: CheckContext, deps: LabECheckDeps) {
  const lag = await accountingSettled(ctx, deps);
  return lag === undefined ? undefined : outcome('FAIL', `accounting did not keep up: ${lag}.`, {}, []);
}

export function priceFixedCheck(deps: LabECheckDeps): Check {
  return {
    id: 'price-fixed',
    timeoutMs: 60_000,
    async run(ctx) {
      const started = Date.now();
      const from = await endOffsets(ctx.kafka(), [deps.topics.transactions]);
      const { tasks, completed } = await exercise(ctx, deps, {
        tasks: 3,
        reshuffles: 3,
        complete: true,
        title: 'price check',
      });
      ctx.progress('waiting for accounting');
      const late = await settledOrFail(ctx, deps);
      if (late !== undefined) return late;
      const txs = transactionsOf(await readTopics(ctx, [deps.topics.transactions], { from })).filter(
        (t) => t.task !== null && tasks.has(t.task),
      );
      const priced = pricedLines(ctx, started);
      const evidence: Evidence[] = [];
      let rerolled = 0;
      let outOfRange = 0;
      let unpriced = 0;
      let fees = 0;
      for (const id of tasks.keys()) {
        const mine = txs.filter((t) => t.task === id);
        const feeTxs = mine.filter((t) => t.kind === 'fee');
        const rewardTxs = mine.filter((t) => t.kind === 'reward');
        fees += feeTxs.length;
        if (feeTxs.length === 0) {
          unpriced++;
          evidence.push({
            source: 'record',
            ref: deps.topics.transactions,
            detail: `task ${short(id)}: no fee charged for it, so its price cannot be seen`,
            entity: id,
          });
          continue;
        }
        const amounts = feeTxs.map((t) => t.debit);
        const distinct = new Set(amounts);
        const logNote =
          (priced.get(id) ?? 0) > 1 ? ` (accounting logged price_fixed ${priced.get(id)} times for it)` : '';
        if (distinct.size > 1) {
          rerolled++;
          const odd = feeTxs.find((t) => t.debit !== feeTxs[0]!.debit)!;
          evidence.push(
            recordEvidence(
              odd.record,
              `task ${short(id)}: fees ${amounts.join(', ')} over ${plural(amounts.length, 'assignment')} (${recordRef(
                feeTxs[0]!.record,
              )} charged ${feeTxs[0]!.debit}, this one ${odd.debit}): the price was drawn again${logNote}`,
              id,
            ),
          );
        }
        for (const t of [...feeTxs.filter((f) => !inRange(f.debit, FEE_RANGE))].slice(0, 1)) {
          outOfRange++;
          evidence.push(
            recordEvidence(t.record, `task ${short(id)}: fee ${t.debit} outside ${FEE_RANGE.min}–${FEE_RANGE.max}`, id),
          );
        }
        for (const t of rewardTxs.filter((f) => !inRange(f.credit, REWARD_RANGE)).slice(0, 1)) {
          outOfRange++;
          evidence.push(
            recordEvidence(
              t.record,
              `task ${short(id)}: reward ${t.credit} outside ${REWARD_RANGE.min}–${REWARD_RANGE.max}`,
              id,
            ),
          );
        }
      }
      const counts = { tasks: tasks.size, fees, completed: completed.size, rerolled, outOfRange, unpriced };
      if (rerolled + outOfRange + unpriced > 0)
        return outcome(
          'FAIL',
          `of ${plural(tasks.size, 'task')} reshuffled 3 times: ${rerolled} charged different fees, ${outOfRange} priced out of range, ${unpriced} with no fee at all.`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `each of ${plural(tasks.size, 'task')} kept one price over ${plural(fees, 'fee')} (3 reshuffles), in range (fee ${FEE_RANGE.min}–${FEE_RANGE.max}, reward ${REWARD_RANGE.min}–${REWARD_RANGE.max}).`,
        counts,
        [...tasks.keys()].map((id) => {
          const f = txs.filter((t) => t.task === id && t.kind === 'fee');
          return {
            source: 'record' as const,
            ref: deps.topics.transactions,
            detail: `task ${short(id)}: fee ${f[0]?.debit} × ${f.length}`,
            entity: id,
          };
        }),
      );
    },
  };
}

export function feePerAssignmentCheck(deps: LabECheckDeps): Check {
  return {
    id: 'fee-per-assignment',
    timeoutMs: 60_000,
    async run(ctx) {
      const { tasksLifecycle, transactions } = deps.topics;
      const from = await endOffsets(ctx.kafka(), [tasksLifecycle, transactions]);
      const { tasks } = await exercise(ctx, deps, { tasks: 2, reshuffles: 2, complete: true, title: 'fee check' });
      ctx.progress('waiting for accounting');
      const late = await settledOrFail(ctx, deps);
      if (late !== undefined) return late;
      const records = await readTopics(ctx, [tasksLifecycle, transactions], { from });
      const assigned = new Map<string, Map<string, LabERecord>>();
      let invalidAssignments = 0;
      for (const r of records) {
        if (r.topic !== tasksLifecycle || r.injected !== null || r.key === null || !tasks.has(r.key)) continue;
        const e = eventOf(r);
        if (e.name !== 'TaskAssigned' || e.id === null) continue;
        if (schemaErrors(r).length > 0) {
          invalidAssignments++;
          continue;
        }
        const m = assigned.get(r.key) ?? new Map<string, LabERecord>();
        if (!m.has(e.id)) m.set(e.id, r);
        assigned.set(r.key, m);
      }
      const txs = transactionsOf(records.filter((r) => r.topic === transactions)).filter(
        (t) => t.kind === 'fee' && t.task !== null && tasks.has(t.task),
      );
      let dbPrice = new Map<string, number>();
      try {
        const rows = await query<{ public_id: string; fee: number }>(
          deps.accountingDatabaseUrl(ctx),
          'SELECT public_id::text, fee FROM tasks WHERE public_id = ANY($1::uuid[])',
          [[...tasks.keys()]],
        );
        dbPrice = new Map(rows.map((r) => [r.public_id, r.fee]));
      } catch {
        // a student's accounting: the fee is the one it charged first
      }
      const evidence: Evidence[] = [];
      let wrong = 0;
      let assignments = 0;
      let charged = 0;
      for (const id of tasks.keys()) {
        const a = [...(assigned.get(id)?.values() ?? [])];
        const fees = txs.filter((t) => t.task === id);
        assignments += a.length;
        charged += fees.length;
        const fee = dbPrice.get(id) ?? fees[0]?.debit;
        const total = fees.reduce((s, t) => s + t.debit, 0);
        const want = fee === undefined ? undefined : a.length * fee;
        if (fees.length === a.length && want === total) {
          evidence.push({
            source: 'record',
            ref: tasksLifecycle,
            detail: `task ${short(id)}: ${plural(a.length, 'assignment')} × fee ${fee} = ${total} charged`,
            entity: id,
          });
          continue;
        }
        wrong++;
        const first = a[0];
        const at = a.map((r) => `p${r.partition}@${r.offset}`).join(', ');
        const detail = `task ${short(id)}: ${plural(a.length, 'assignment')} (${at}), ${plural(fees.length, 'fee')} charged (${fees.length > 1 ? `${fees.map((t) => t.debit).join(' + ')} = ${total}` : total}; want ${a.length} × ${fee ?? '?'} = ${want ?? '?'})`;
        evidence.unshift(
          first === undefined
            ? { source: 'record', ref: tasksLifecycle, detail, entity: id }
            : recordEvidence(first, detail, id),
        );
      }
      const counts = { tasks: tasks.size, assignments, fees: charged, wrong, invalidAssignments };
      const note =
        invalidAssignments > 0
          ? ` ${plural(invalidAssignments, 'TaskAssigned')} failing the schema not counted (check 1).`
          : '';
      if (assignments === 0)
        return outcome(
          'FAIL',
          `no valid TaskAssigned for the ${plural(tasks.size, 'task')} the check created: nothing to charge.${note}`,
          counts,
          evidence,
        );
      if (wrong > 0)
        return outcome(
          'FAIL',
          `${plural(wrong, 'task')} of ${tasks.size} (2 reshuffles each) were not charged one fee per assignment: ${charged} fees for ${assignments} assignments.${note}`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `${plural(assignments, 'assignment')} of ${plural(tasks.size, 'task')} (2 reshuffles each), ${plural(charged, 'fee')} charged: one per assignment, each the task's fee.${note}`,
        counts,
        evidence,
      );
    },
  };
}

interface Summary {
  accounts: { public_id: string; role: string | null; balance: number }[];
}
interface LedgerRow {
  kind: string;
  debit: number;
  credit: number;
  cycle_id: number;
}

export function ledgerBalanceCheck(deps: LabECheckDeps): Check {
  const summary = async (crew: Crew): Promise<Map<string, number>> => {
    const r = await gatewayCall(deps, 'GET', '/accounting/summary', { token: crew.accountant.token });
    const s = r.body as Partial<Summary>;
    if (r.status !== 200 || !Array.isArray(s.accounts))
      throw new Error(`GET /accounting/summary answered ${r.error ?? r.status}`);
    return new Map(s.accounts.map((a) => [a.public_id, Number(a.balance)]));
  };
  const ledgerOf = async (crew: Crew, account: string): Promise<LedgerRow[]> => {
    const r = await gatewayCall(deps, 'GET', `/accounting/ledger?account=${account}&limit=5000`, {
      token: crew.accountant.token,
    });
    const rows = (r.body as { rows?: unknown }).rows;
    if (r.status !== 200 || !Array.isArray(rows))
      throw new Error(`GET /accounting/ledger?account=${account} answered ${r.error ?? r.status}`);
    return rows as LedgerRow[];
  };
  const sum = (rows: readonly LedgerRow[]) => rows.reduce((s, r) => s + r.credit - r.debit, 0);

  return {
    id: 'ledger-balance',
    timeoutMs: 60_000,
    async run(ctx) {
      // a positive balance: a worker of this run's own (balance 0) completes two tasks; negatives: tasks left open
      const crew = await deps.crew.get(ctx, deps);
      const fresh = await deps.crew.extra(ctx, deps, 'worker');
      let completed = 0;
      let leftOpen = 0;
      for (let i = 0; i < 30 && (completed < 2 || leftOpen < 2); i++) {
        const t = await createTask(ctx, deps, crew, `ledger check ${i + 1}`);
        if (t.assignee_public_id !== fresh.publicId) {
          leftOpen++;
          continue;
        }
        if (completed >= 2) continue;
        const r = await gatewayCall(deps, 'POST', `/tasks/${t.public_id}/complete`, { token: fresh.token });
        if (r.status === 200) completed++;
      }
      ctx.progress('waiting for accounting');
      const late = await settledOrFail(ctx, deps);
      if (late !== undefined) return late;
      const before = await summary(crew);
      const judged = [...before].filter(([, b]) => b !== 0).map(([a]) => a);
      for (const w of [...crew.workers, fresh]) if (!judged.includes(w.publicId)) judged.push(w.publicId);
      const positives = judged.filter((a) => (before.get(a) ?? 0) > 0);
      const negatives = judged.filter((a) => (before.get(a) ?? 0) < 0);
      const from = await endOffsets(ctx.kafka(), [deps.topics.transactions]);
      ctx.progress(`closing the day (${positives.length} positive, ${negatives.length} negative balances)`);
      const close = await gatewayCall(deps, 'POST', '/accounting/close-day', { token: crew.accountant.token });
      if (close.status !== 200) throw new Error(`POST /accounting/close-day answered ${close.error ?? close.status}`);
      const cycle = Number((close.body as { cycle_id?: unknown }).cycle_id);
      await accountingSettled(ctx, deps);
      const after = await summary(crew);
      const evidence: Evidence[] = [];
      let mismatched = 0;
      let notPaid = 0;
      let notCarried = 0;
      for (const a of judged) {
        const b = before.get(a) ?? 0;
        const now = after.get(a) ?? 0;
        const rows = await ledgerOf(crew, a);
        const total = sum(rows);
        const ref = `GET /accounting/ledger?account=${a}`;
        if (total !== now) {
          mismatched++;
          evidence.push(
            httpEvidence(
              ref,
              `account ${short(a)}: ledger sums to ${total} (${plural(rows.length, 'row')}), balance ${now}${
                b < 0 && now === 0 ? `: the negative balance ${b} was wiped at the close without a ledger row` : ''
              }`,
            ),
          );
        }
        if (b > 0) {
          const payout = rows.find((r) => r.kind === 'payout' && r.cycle_id === cycle);
          if (now !== 0 || payout?.debit !== b) {
            notPaid++;
            evidence.push(
              httpEvidence(
                ref,
                `account ${short(a)}: balance ${b} before the close, ${now} after, payout ${payout?.debit ?? 'none'} in cycle ${cycle} (want ${b} paid out, balance 0)`,
              ),
            );
          }
        } else if (b < 0 && now !== b) {
          notCarried++;
          evidence.push(
            httpEvidence(
              'GET /accounting/summary',
              `account ${short(a)}: balance ${b} before the close, ${now} after: a negative balance carries over`,
            ),
          );
        }
      }
      const txs = await readTopics(ctx, [deps.topics.transactions], { from });
      const payments = txs.filter((r) => eventOf(r).name === 'PaymentMade').length;
      const closed = txs.find((r) => eventOf(r).name === 'BillingCycleClosed');
      if (closed !== undefined)
        evidence.push(
          recordEvidence(closed, `BillingCycleClosed for cycle ${cycle}, ${plural(payments, 'PaymentMade')}`),
        );
      const counts = {
        accounts: judged.length,
        positive: positives.length,
        negative: negatives.length,
        mismatched,
        notPaid,
        notCarried,
        payments,
      };
      if (mismatched + notPaid + notCarried > 0)
        return outcome(
          'FAIL',
          `of ${plural(judged.length, 'account')} at the close of cycle ${cycle}: ${mismatched} whose ledger does not sum to the balance, ${notPaid} positive not paid out, ${notCarried} negative not carried over.`,
          counts,
          evidence,
        );
      if (positives.length === 0 || negatives.length === 0)
        return outcome(
          'SKIP',
          `ledger = balance for ${plural(judged.length, 'account')}, but the close had ${positives.length} positive and ${negatives.length} negative balances: it needs both to judge the close.`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `ledger = balance for ${plural(judged.length, 'account')}; closing cycle ${cycle} paid out ${plural(positives.length, 'positive balance')} and carried ${plural(negatives.length, 'negative one')} over.`,
        counts,
        evidence,
      );
    },
  };
}

/** Sends a TaskAssigned for a new task, waits for accounting to handle it, then its TaskCreated (v2). */
export async function assignedBeforeCreated(
  ctx: Pick<CheckContext, 'kafka' | 'signal' | 'deadline'>,
  deps: LabECheckDeps,
  assignee: string,
  reason: string,
  task: string = randomUUID(),
): Promise<{ task: string; assigned: Injected; created: Injected; lag?: string }> {
  const assignedEvent = consoleEvent('TaskAssigned', 1, {
    public_id: task,
    assignee_public_id: assignee,
    previous_assignee_public_id: null,
    reason: 'created',
  });
  const [assigned] = await inject(ctx.kafka(), deps.topics.tasksLifecycle, reason, [
    { key: task, value: JSON.stringify(assignedEvent) },
  ]);
  const lag = await waitConsumed(ctx, deps.groups.accounting, [deps.topics.tasksLifecycle], 15_000);
  const createdEvent = consoleEvent('TaskCreated', 2, {
    public_id: task,
    title: 'delivered after its TaskAssigned',
    description: 'put on tasks-stream by Eventscope after the TaskAssigned of the same task',
  });
  const [created] = await inject(ctx.kafka(), deps.topics.tasksStream, reason, [
    { key: task, value: JSON.stringify(createdEvent) },
  ]);
  return { task, assigned: assigned!, created: created!, ...(lag === undefined ? {} : { lag }) };
}

/** Re-sends records as they are (same key, value, event_id), marked as a replay. */
export async function replay(
  ctx: Pick<CheckContext, 'kafka'>,
  records: readonly LabERecord[],
  reason: string,
): Promise<{ source: LabERecord; copy: Injected }[]> {
  const out: { source: LabERecord; copy: Injected }[] = [];
  const byTopic = new Map<string, LabERecord[]>();
  for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
  for (const [topic, rs] of byTopic) {
    const copies = await inject(
      ctx.kafka(),
      topic,
      reason,
      rs.map((r) => ({ key: r.key ?? '', value: r.raw })),
    );
    rs.forEach((r, i) => out.push({ source: r, copy: copies[i]! }));
  }
  return out;
}

export function duplicatesAndOrderCheck(deps: LabECheckDeps): Check {
  return {
    id: 'duplicates-and-order',
    timeoutMs: 60_000,
    async run(ctx) {
      const { tasksLifecycle, tasksStream, transactions } = deps.topics;
      const from = await endOffsets(ctx.kafka(), [tasksLifecycle, tasksStream]);
      const { crew, tasks } = await exercise(ctx, deps, {
        tasks: 2,
        reshuffles: 1,
        complete: true,
        title: 'duplicates check',
      });
      ctx.progress('waiting for accounting');
      const late = await settledOrFail(ctx, deps);
      if (late !== undefined) return late;
      const originals = (await readTopics(ctx, [tasksLifecycle, tasksStream], { from })).filter(
        (r) => r.injected === null && r.key !== null && tasks.has(r.key),
      );
      const txFrom = await endOffsets(ctx.kafka(), [transactions, dlqOf(tasksStream)]);
      ctx.progress(`replaying ${plural(originals.length, 'event')} of the check's tasks`);
      const replayedAt = Date.now();
      const copies = await replay(ctx, originals, 'duplicates-and-order');
      // out of order: a new task's TaskAssigned reaches accounting before its TaskCreated
      const late2 = await assignedBeforeCreated(ctx, deps, crew.workers[0].publicId, 'duplicates-and-order');
      ctx.progress('waiting for accounting');
      const late3 = await settledOrFail(ctx, deps);
      if (late3 !== undefined) return late3;
      const after = await readTopics(ctx, [transactions, dlqOf(tasksStream)], { from: txFrom });
      const txs = transactionsOf(after.filter((r) => r.topic === transactions));
      const evidence: Evidence[] = [];
      // replays: no transaction about the replayed tasks
      const recharged = txs.filter((t) => t.task !== null && tasks.has(t.task));
      for (const t of recharged.slice(0, 20)) {
        const cause = t.kind === 'fee' ? 'TaskAssigned' : 'TaskCompleted';
        const copy = copies.find((c) => c.source.key === t.task && eventOf(c.source).name === cause);
        evidence.push(
          recordEvidence(
            t.record,
            `task ${short(t.task)}: a ${t.kind} of ${t.debit || t.credit} applied again after its events were replayed${
              copy === undefined
                ? ''
                : ` (e.g. ${eventOf(copy.source).name} ${recordRef(copy.source)} replayed as p${copy.copy.partition}@${copy.copy.offset}, the same event_id)`
            }`,
            t.task,
          ),
        );
      }
      // out of order: one fee for the new task, priced in range, its TaskCreated not dead-lettered
      const u = late2.task;
      const uFees = txs.filter((t) => t.task === u && t.kind === 'fee');
      const uDead = after.filter((r) => r.topic === dlqOf(tasksStream) && r.key === u);
      let unsettled = 0;
      if (uFees.length !== 1 || !inRange(uFees[0]!.debit, FEE_RANGE)) {
        unsettled++;
        evidence.push({
          source: 'record',
          ref: recordRef(late2.assigned),
          detail: `task ${short(u)}: TaskAssigned before its TaskCreated → ${plural(uFees.length, 'fee')} (${uFees.map((f) => f.debit).join(', ') || 'none'}); want one fee in ${FEE_RANGE.min}–${FEE_RANGE.max}`,
          entity: u,
          record: {
            topic: late2.assigned.topic,
            partition: late2.assigned.partition,
            offset: String(late2.assigned.offset),
          },
        });
      }
      for (const d of uDead) {
        unsettled++;
        evidence.push(
          recordEvidence(
            d,
            `task ${short(u)}: its TaskCreated, after the TaskAssigned, was dead-lettered: ${d.headers['x-dlq-errors'] ?? d.raw.slice(0, 200)}`,
            u,
          ),
        );
      }
      let title: string | null | undefined;
      try {
        const [row] = await query<{ title: string | null }>(
          deps.accountingDatabaseUrl(ctx),
          'SELECT title FROM tasks WHERE public_id = $1',
          [u],
        );
        title = row?.title;
      } catch {
        title = undefined;
      }
      if (title === null) {
        unsettled++;
        evidence.push({
          source: 'row',
          ref: `accounting tasks ${u}`,
          detail: `task ${short(u)}: no title after its TaskCreated was handled: the late TaskCreated did not settle`,
          entity: u,
        });
      }
      const duplicateLines = ctx.services
        .list()
        .filter((s) => s.kind === 'accounting')
        .flatMap((s) => ctx.services.logs(s.instance).filter((l) => l.at >= replayedAt))
        .filter(
          (l) =>
            parseLabELine(l.text)?.type === 'duplicate' && copies.some((c) => l.text.includes(c.source.key ?? '-')),
        ).length;
      const counts = {
        replayed: copies.length,
        recharged: recharged.length,
        duplicatesLogged: duplicateLines,
        outOfOrderFees: uFees.length,
        unsettled,
      };
      if (recharged.length + unsettled > 0)
        return outcome(
          'FAIL',
          `${recharged.length > 0 ? `replaying ${plural(copies.length, 'event')} of ${plural(tasks.size, 'task')} applied ${plural(recharged.length, 'transaction')} again (a duplicate must change no balance)` : 'the replay changed nothing'}; ${unsettled > 0 ? `the TaskAssigned-before-TaskCreated task did not settle (${unsettled} problems)` : 'the out-of-order task settled'}.`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `${plural(copies.length, 'replayed event')} changed no balance (${plural(duplicateLines, 'duplicate')} logged by accounting); task ${short(u)}'s TaskAssigned before its TaskCreated was charged one fee of ${uFees[0]?.debit} and its TaskCreated accepted.`,
        counts,
        [
          ...evidence,
          recordEvidence(
            uFees[0]!.record,
            `task ${short(u)}: fee ${uFees[0]!.debit}, charged once though TaskCreated came after`,
            u,
          ),
        ],
      );
    },
  };
}

export function taskCreatedVersionsCheck(deps: LabECheckDeps): Check {
  return {
    id: 'task-created-versions',
    timeoutMs: 45_000,
    async run(ctx) {
      const { tasksStream } = deps.topics;
      const dlq = dlqOf(tasksStream);
      const from = await endOffsets(ctx.kafka(), [dlq]);
      const v1 = randomUUID();
      const v2 = randomUUID();
      const sent = await inject(ctx.kafka(), tasksStream, 'task-created-versions', [
        {
          key: v1,
          value: JSON.stringify(
            consoleEvent('TaskCreated', 1, { public_id: v1, title: '[POPUG-41] a v1 task', description: 'v1' }),
          ),
        },
        {
          key: v2,
          value: JSON.stringify(
            consoleEvent('TaskCreated', 2, {
              public_id: v2,
              title: 'a v2 task',
              jira_id: 'POPUG-42',
              description: 'v2',
            }),
          ),
        },
      ]);
      ctx.progress('waiting for accounting and analytics to handle them');
      const groups = [deps.groups.accounting, deps.groups.analytics];
      const lags = (await Promise.all(groups.map((g) => waitConsumed(ctx, g, [tasksStream], 15_000)))).filter(
        (l): l is string => l !== undefined,
      );
      const dead = (await readTopics(ctx, [dlq], { from })).filter((r) => r.key === v1 || r.key === v2);
      const evidence: Evidence[] = [];
      for (const d of dead) {
        const version = d.key === v1 ? 1 : 2;
        evidence.push(
          recordEvidence(
            d,
            `TaskCreated v${version} (${recordRef(sent[version - 1]!)}) dead-lettered by ${d.headers['x-consumer-group'] ?? 'a consumer'} as ${d.headers['x-dlq-reason'] ?? '?'}: ${d.headers['x-dlq-errors'] ?? ''}`,
            d.key,
          ),
        );
      }
      for (const l of lags) evidence.push({ source: 'offset', ref: tasksStream, detail: l });
      try {
        const rows = await query<{ public_id: string; title: string | null; jira_id: string | null }>(
          deps.accountingDatabaseUrl(ctx),
          'SELECT public_id::text, title, jira_id FROM tasks WHERE public_id = ANY($1::uuid[])',
          [[v1, v2]],
        );
        for (const r of rows)
          evidence.push({
            source: 'row',
            ref: `accounting tasks ${r.public_id}`,
            detail: `v${r.public_id === v1 ? 1 : 2}: title "${r.title ?? ''}", jira_id ${r.jira_id ?? 'null'}`,
            entity: r.public_id,
          });
      } catch {
        // a student's accounting: the topics say enough
      }
      const v1Dead = dead.filter((d) => d.key === v1).length;
      const v2Dead = dead.filter((d) => d.key === v2).length;
      const counts = {
        sent: sent.length,
        deadLettered: dead.length,
        v1DeadLettered: v1Dead,
        v2DeadLettered: v2Dead,
        lagging: lags.length,
      };
      if (dead.length + lags.length > 0)
        return outcome(
          'FAIL',
          `${dead.length > 0 ? `TaskCreated ${[v1Dead > 0 ? 'v1' : '', v2Dead > 0 ? 'v2' : ''].filter(Boolean).join(' and ')} dead-lettered by a consumer of ${tasksStream}` : 'nothing dead-lettered'}${lags.length > 0 ? `; ${lags.join('; ')}` : ''}.`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `TaskCreated v1 and v2 (${sent.map((s) => `p${s.partition}@${s.offset}`).join(', ')}) handled by ${groups.join(' and ')}, neither dead-lettered.`,
        counts,
        evidence,
      );
    },
  };
}
