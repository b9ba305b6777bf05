// Lab E end to end on real Kafka and Postgres: signup → task → assign (fee) → reshuffle (fee) → complete (reward) with
// ledger = balance; the day close (payout, payment, mail, carry-over) and analytics; a replayed event ignored;
// TaskAssigned before TaskCreated settles; v1 and v2 TaskCreated both accepted; an invalid event is never sent by a
// producer and, forced onto the topic, is dead-lettered with its errors while the consumer goes on.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaRegistry } from '../../services/lab-e/registry.js';
import { dlqOf } from '../../services/lab-e/schema.js';
import { rawEvent, startLabE, waitFor, type Account, type LabE } from './lab-e/harness.js';

let lab: LabE;
let w1: Account;
let w2: Account;
let manager: Account;
let admin: Account;
let accountant: Account;
// accounting's prices are drawn from random() = 0.5: fee 15, reward 30 for every task
const FEE = 15;
const REWARD = 30;

beforeAll(async () => {
  lab = await startLabE({ accountingRandom: () => 0.5 });
  w1 = await lab.signup('worker');
  manager = await lab.signup('manager');
  admin = await lab.signup('admin');
  accountant = await lab.signup('accountant');
  await knownToTasks(w1);
});

afterAll(async () => {
  await lab?.stop();
});

async function knownToTasks(a: Account): Promise<void> {
  await waitFor(
    async () =>
      (await lab.query('tasks', 'SELECT 1 FROM accounts WHERE public_id = $1 AND role = $2', [a.public_id, a.role]))
        .length === 1,
    { what: `tasks to learn ${a.role} ${a.public_id}` },
  );
}

/** makes tasks pick `a` as the next assignee (workers are picked by index in public_id order) */
async function nextAssignee(a: Account): Promise<void> {
  const workers = await lab.query<{ public_id: string }>(
    'tasks',
    "SELECT public_id FROM accounts WHERE role = 'worker' ORDER BY public_id",
  );
  const i = workers.findIndex((w) => w.public_id === a.public_id);
  expect(i).toBeGreaterThanOrEqual(0);
  lab.assigneeRandom.value = (i + 0.5) / workers.length;
}

async function createTask(
  title: string,
  extra: Record<string, unknown> = {},
): Promise<{ public_id: string; assignee_public_id: string }> {
  const res = await lab.call<{ public_id: string; assignee_public_id: string }>('POST', '/tasks', {
    token: manager.token,
    body: { title, description: `about ${title}`, ...extra },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const ledgerFor = (task: string, kind: string, nth = 1) =>
  waitFor(() => lab.linesOf('ledger', (l) => l.task === task && l.kind === kind)[nth - 1], {
    what: `${kind} #${nth} for ${task}`,
    intervalMs: 50,
  });

/** invariant 4: for every account, the balance equals Σ(credit − debit) of its ledger rows */
async function expectLedgerEqualsBalance(): Promise<void> {
  const rows = await lab.query<{ account: string; balance: string; ledger: string }>(
    'accounting',
    `SELECT b.account_public_id AS account, b.balance, COALESCE(sum(l.credit - l.debit), 0) AS ledger
     FROM balances b LEFT JOIN ledger l ON l.account_public_id = b.account_public_id GROUP BY b.account_public_id, b.balance`,
  );
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) expect(Number(r.balance), `account ${r.account}`).toBe(Number(r.ledger));
}

async function balanceOf(a: Account): Promise<number> {
  const rows = await lab.query<{ balance: string }>(
    'accounting',
    'SELECT balance FROM balances WHERE account_public_id = $1',
    [a.public_id],
  );
  return Number(rows[0]?.balance ?? 0);
}

describe('Lab E flow', () => {
  let firstTask: string;

  it('signup → task → assign (fee) → reshuffle (fee) → complete (reward): price fixed once, ledger = balance', async () => {
    const task = await createTask('fix the beak');
    firstTask = task.public_id;
    expect(task.assignee_public_id).toBe(w1.public_id);
    expect((await ledgerFor(task.public_id, 'fee')).balance_after).toBe(-FEE);

    const reshuffled = await lab.call<{ reassigned: number }>('POST', '/tasks/reshuffle', { token: manager.token });
    expect(reshuffled.status).toBe(200);
    expect(reshuffled.body.reassigned).toBeGreaterThanOrEqual(1);
    expect((await ledgerFor(task.public_id, 'fee', 2)).balance_after).toBe(-2 * FEE);

    const done = await lab.call('POST', `/tasks/${task.public_id}/complete`, { token: w1.token });
    expect(done.status).toBe(200);
    const reward = await ledgerFor(task.public_id, 'reward');
    expect(reward).toMatchObject({ entity: w1.public_id, credit: REWARD, balance_after: REWARD - 2 * FEE });

    // price fixed once (invariant 2) and one fee per assignment (invariant 3)
    expect(lab.linesOf('price_fixed', (l) => l.entity === task.public_id)).toHaveLength(1);
    const [priced] = await lab.query<{ fee: number; reward: number }>(
      'accounting',
      'SELECT fee, reward FROM tasks WHERE public_id = $1',
      [task.public_id],
    );
    expect(priced).toEqual({ fee: FEE, reward: REWARD });
    const fees = await lab.query<{ debit: number }>(
      'accounting',
      "SELECT debit FROM ledger WHERE task_public_id = $1 AND kind = 'fee'",
      [task.public_id],
    );
    expect(fees.map((f) => f.debit)).toEqual([FEE, FEE]);
    await expectLedgerEqualsBalance();

    const me = await lab.call<{ balance: number; ledger: { kind: string }[] }>('GET', '/accounting/me', {
      token: w1.token,
    });
    expect(me.status).toBe(200);
    expect(me.body.balance).toBe(REWARD - 2 * FEE);
    expect(me.body.ledger.map((l) => l.kind).sort()).toEqual(['fee', 'fee', 'reward']);

    // every event of the task on tasks-lifecycle validates against its schema (invariant 1)
    const records = await lab.readTopic(
      lab.topics.tasksLifecycle,
      (m) => m.filter((r) => r.key?.toString() === task.public_id).length >= 4,
      'TaskAdded, 2 × TaskAssigned, TaskCompleted',
    );
    const mine = records
      .filter((r) => r.key?.toString() === task.public_id)
      .map((r) => JSON.parse(r.value!.toString()) as unknown);
    expect(mine.map((e) => schemaRegistry().check(e).errors)).toEqual(mine.map(() => []));
    expect(mine.map((e) => (e as { event_name: string }).event_name)).toEqual([
      'TaskAdded',
      'TaskAssigned',
      'TaskAssigned',
      'TaskCompleted',
    ]);
  });

  it('closes the day: a positive balance is paid out (payout row, payment, mail, balance 0), a negative one carries over', async () => {
    w2 = await lab.signup('worker');
    await knownToTasks(w2);
    const start1 = await balanceOf(w1);
    await nextAssignee(w1);
    const paid = await createTask('groom the feathers');
    expect(paid.assignee_public_id).toBe(w1.public_id);
    await ledgerFor(paid.public_id, 'fee');
    expect((await lab.call('POST', `/tasks/${paid.public_id}/complete`, { token: w1.token })).status).toBe(200);
    await ledgerFor(paid.public_id, 'reward');
    await nextAssignee(w2);
    const open = await createTask('count the seeds');
    expect(open.assignee_public_id).toBe(w2.public_id);
    await ledgerFor(open.public_id, 'fee');
    lab.assigneeRandom.value = undefined;
    const b1 = start1 - FEE + REWARD;
    expect(await balanceOf(w1)).toBe(b1);
    expect(await balanceOf(w2)).toBe(-FEE);

    const res = await lab.call<{
      cycle_id: number;
      payouts: unknown[];
      carried_over: unknown[];
      next_cycle_id: number;
    }>('POST', '/accounting/close-day', { token: accountant.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.payouts).toEqual([{ account: w1.public_id, amount: b1 }]);
    expect(res.body.carried_over).toEqual([{ account: w2.public_id, balance: -FEE }]);
    expect(res.body.next_cycle_id).toBe(res.body.cycle_id + 1);
    expect(await balanceOf(w1)).toBe(0);
    expect(await balanceOf(w2)).toBe(-FEE);
    const payout = await lab.query<{ debit: number; balance_after: string; cycle_id: number }>(
      'accounting',
      "SELECT debit, balance_after, cycle_id FROM ledger WHERE kind = 'payout' AND account_public_id = $1",
      [w1.public_id],
    );
    expect(payout).toEqual([{ debit: b1, balance_after: '0', cycle_id: res.body.cycle_id }]);
    expect(
      await lab.query('accounting', 'SELECT amount FROM payments WHERE account_public_id = $1', [w1.public_id]),
    ).toEqual([{ amount: b1 }]);
    const mails = await lab.query<{ to_email: string; body: string }>(
      'accounting',
      'SELECT to_email, body FROM mail_outbox',
    );
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to_email).toBe(w1.email);
    expect(mails[0]!.body).toContain(String(b1));
    const cycles = await lab.query<{ id: number; closed: boolean }>(
      'accounting',
      'SELECT id, closed_at IS NOT NULL AS closed FROM billing_cycles ORDER BY id',
    );
    expect(cycles).toEqual([
      { id: res.body.cycle_id, closed: true },
      { id: res.body.next_cycle_id, closed: false },
    ]);
    const closed = await lab.waitLine('day_closed', (l) => l.cycle_id === res.body.cycle_id, 'day_closed line');
    expect(closed).toMatchObject({ trigger: 'request', payouts: [{ account: w1.public_id, amount: b1 }] });
    await lab.waitLine(
      'produced',
      (l) => l.event_name === 'PaymentMade' && l.entity === w1.public_id,
      'PaymentMade produced',
    );
    await lab.waitLine('produced', (l) => l.event_name === 'BillingCycleClosed', 'BillingCycleClosed produced');
    await expectLedgerEqualsBalance();

    // analytics, from the transactions topic: today's income as accounting's ledger says, w2 negative
    const [ledgerIncome] = await lab.query<{ income: string }>(
      'accounting',
      "SELECT COALESCE(sum(debit) FILTER (WHERE kind = 'fee'), 0) - COALESCE(sum(credit) FILTER (WHERE kind = 'reward'), 0) AS income FROM ledger",
    );
    const analytics = await waitFor(
      async () => {
        const r = await lab.call<{
          management_income: number;
          negative_balances: { accounts: { public_id: string; balance: number }[] };
          most_expensive: { day: { reward: number; title: string } | null; month: { reward: number } | null };
        }>('GET', '/analytics', { token: admin.token });
        return r.status === 200 &&
          r.body.management_income === Number(ledgerIncome!.income) &&
          r.body.negative_balances.accounts.some((a) => a.public_id === w2.public_id)
          ? r.body
          : undefined;
      },
      { what: 'analytics to catch up' },
    );
    expect(analytics.negative_balances.accounts).toEqual([
      expect.objectContaining({ public_id: w2.public_id, balance: -FEE }),
    ]);
    expect(analytics.most_expensive.day?.reward).toBe(REWARD);
    expect(analytics.most_expensive.month?.reward).toBe(REWARD);
  });

  it('ignores a replayed event (same event_id): no balance changes', async () => {
    const [row] = await lab.query<{ value: { event_id: string; data: { public_id: string } } }>(
      'tasks',
      "SELECT value FROM outbox WHERE event_name = 'TaskAssigned' ORDER BY id DESC LIMIT 1",
    );
    const replay = row!.value;
    const before = await balanceOf(w2);
    const feesBefore = lab.linesOf('ledger').length;
    await lab.produce('tasksLifecycle', replay.data.public_id, replay);
    const dup = await lab.waitLine(
      'duplicate',
      (l) => l.event_id === replay.event_id && l.service === 'accounting',
      'duplicate line',
    );
    expect(dup).toMatchObject({
      event_name: 'TaskAssigned',
      entity: replay.data.public_id,
      topic: lab.topics.tasksLifecycle,
    });
    expect(await balanceOf(w2)).toBe(before);
    expect(lab.linesOf('ledger')).toHaveLength(feesBefore);
    await expectLedgerEqualsBalance();
  });

  it('settles TaskAssigned before TaskCreated: priced at the first event, charged, then named by the late TaskCreated (v1)', async () => {
    const task = randomUUID();
    const before = await balanceOf(w2);
    await lab.produce(
      'tasksLifecycle',
      task,
      rawEvent('TaskAssigned', 1, { public_id: task, assignee_public_id: w2.public_id }),
    );
    const priced = await lab.waitLine('price_fixed', (l) => l.entity === task, 'price fixed by TaskAssigned');
    expect(priced).toMatchObject({ first_event: 'TaskAssigned', fee: FEE, reward: REWARD });
    expect((await ledgerFor(task, 'fee')).balance_after).toBe(before - FEE);

    const created = rawEvent('TaskCreated', 1, {
      public_id: task,
      title: '[POPUG-9] arrives late',
      description: 'out of order',
    });
    await lab.produce('tasksStream', task, created);
    await lab.waitLine(
      'consumed',
      (l) => l.event_id === created.event_id && l.service === 'accounting' && l.outcome === 'applied',
      'late TaskCreated applied',
    );
    const [row] = await lab.query(
      'accounting',
      'SELECT title, jira_id, fee, reward, priced_by FROM tasks WHERE public_id = $1',
      [task],
    );
    expect(row).toEqual({
      title: 'arrives late',
      jira_id: 'POPUG-9',
      fee: FEE,
      reward: REWARD,
      priced_by: 'TaskAssigned',
    });
    expect(lab.linesOf('price_fixed', (l) => l.entity === task)).toHaveLength(1);

    await lab.produce(
      'tasksLifecycle',
      task,
      rawEvent('TaskCompleted', 1, { public_id: task, assignee_public_id: w2.public_id }),
    );
    expect((await ledgerFor(task, 'reward')).balance_after).toBe(before - FEE + REWARD);
    await expectLedgerEqualsBalance();
  });

  it('accepts TaskCreated v1 and v2 side by side (accounting and analytics)', async () => {
    const v2 = lab.linesOf('produced', (l) => l.event_name === 'TaskCreated' && l.entity === firstTask)[0];
    expect(v2?.event_version).toBe(2);
    const v1 = randomUUID();
    const created = rawEvent('TaskCreated', 1, { public_id: v1, title: '[POPUG-10] old producer', description: '' });
    await lab.produce('tasksStream', v1, created);
    for (const service of ['accounting', 'analytics'] as const) {
      await lab.waitLine(
        'consumed',
        (l) => l.event_id === v2!.event_id && l.service === service && l.outcome === 'applied',
        `${service}: v2`,
      );
      await lab.waitLine(
        'consumed',
        (l) => l.event_id === created.event_id && l.service === service && l.outcome === 'applied',
        `${service}: v1`,
      );
    }
    expect(lab.linesOf('dead_lettered', (l) => l.event_name === 'TaskCreated')).toEqual([]);
    const names = await lab.query<{ public_id: string; title: string; jira_id: string | null }>(
      'analytics',
      'SELECT public_id, title, jira_id FROM tasks WHERE public_id = ANY($1::uuid[]) ORDER BY title',
      [[v1, firstTask]],
    );
    expect(names).toEqual([
      { public_id: firstTask, title: 'fix the beak', jira_id: null },
      { public_id: v1, title: 'old producer', jira_id: 'POPUG-10' },
    ]);
  });

  it('never sends an event that fails its schema: 400 naming the field, a refused line, no outbox row', async () => {
    const tasksBefore = await lab.query('tasks', 'SELECT count(*)::int AS n FROM tasks');
    const outboxBefore = await lab.query('tasks', 'SELECT count(*)::int AS n FROM outbox');
    const res = await lab.call('POST', '/tasks', {
      token: manager.token,
      body: { title: 'fix [the] beak', jira_id: 'POPUG-11', description: '' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'data.title', event_name: 'TaskCreated', event_version: 2 },
    });
    const refused = lab.linesOf('refused', (l) => l.event_name === 'TaskCreated');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.errors[0]).toMatchObject({ field: 'data.title', keyword: 'pattern' });
    expect(await lab.query('tasks', 'SELECT count(*)::int AS n FROM tasks')).toEqual(tasksBefore);
    expect(await lab.query('tasks', 'SELECT count(*)::int AS n FROM outbox')).toEqual(outboxBefore);
    expect(await lab.query('tasks', "SELECT 1 FROM tasks WHERE title LIKE 'fix [the]%'")).toEqual([]);
  });

  it('dead-letters an invalid event forced onto the topic, with its errors, and goes on', async () => {
    const task = randomUUID();
    const bad = rawEvent('TaskAssigned', 1, { public_id: task, assignee_id: w2.public_id });
    await lab.produce('tasksLifecycle', task, bad);
    await lab.produce('tasksLifecycle', task, 'this is not json');
    const after = rawEvent('TaskAdded', 1, { public_id: task, title: 'after the poison' });
    await lab.produce('tasksLifecycle', task, after);

    const lettered = await lab.waitLine(
      'dead_lettered',
      (l) => l.event_id === bad.event_id,
      'invalid event dead-lettered',
    );
    expect(lettered).toMatchObject({
      service: 'accounting',
      reason: 'invalid',
      dlq_topic: dlqOf(lab.topics.tasksLifecycle),
      entity: task,
    });
    expect(lettered.errors.map((e) => e.field)).toContain('data.assignee_public_id');
    await lab.waitLine(
      'dead_lettered',
      (l) => l.event_id === null && l.errors[0]?.keyword === 'json',
      'non-JSON dead-lettered',
    );
    await lab.waitLine(
      'consumed',
      (l) => l.event_id === after.event_id && l.outcome === 'applied',
      'the next event is processed',
    );
    expect(lab.linesOf('ledger', (l) => l.task === task)).toEqual([]);

    const dlq = await lab.readTopic(dlqOf(lab.topics.tasksLifecycle), (m) => m.length >= 2, 'two dead letters');
    const letters = dlq.map((m) => ({
      value: JSON.parse(m.value!.toString()) as Record<string, unknown>,
      headers: m.headers ?? {},
    }));
    const first = letters.find((l) => l.value.event_id === bad.event_id)!;
    expect(first.value).toMatchObject({
      reason: 'invalid',
      event_name: 'TaskAssigned',
      source: { topic: lab.topics.tasksLifecycle },
      consumer: { service: 'accounting' },
    });
    expect((first.value.errors as { field: string }[]).map((e) => e.field)).toContain('data.assignee_public_id');
    expect(JSON.parse(first.value.value as string)).toEqual(bad);
    expect(String(first.headers['x-dlq-errors'])).toContain('data.assignee_public_id');
    expect(letters.some((l) => l.value.value === 'this is not json')).toBe(true);
  });
});
