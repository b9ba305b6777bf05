// accounting: prices, the ledger (audit log), balances and the day close. A task's price (fee 10..20, reward 20..40)
// is fixed once, when accounting first sees the task, whichever of its events comes first; every TaskAssigned charges
// the fee to the new assignee, TaskCompleted pays the reward to the one who completed it. Each change is one ledger
// row, applied to the balance in the same transaction as the event's inbox row (a duplicate changes nothing) and its
// TransactionApplied event (outbox). Closing the day (a request or the clock) pays out every positive balance (payout
// row, payment, a mail in mail_outbox, balance 0), carries negative balances over, and opens the next billing cycle.
import type { PoolClient } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { claimEvent, type EventHandler } from '../consumer.js';
import { INBOX_OUTBOX_SQL, type Migration } from '../db.js';
import type { Envelope } from '../events.js';
import {
  drawPrice,
  ledgerAmounts,
  managementIncome,
  planDayClose,
  splitJiraId,
  type LedgerKind,
  type Price,
} from '../pricing.js';
import {
  createService,
  identityOf,
  type CommonConfig,
  type LabEServiceHandle,
  type ServiceContext,
  type ServiceDeps,
} from '../runtime.js';
import type { LabELine, LabELineOf, Role } from '../schema.js';

export interface AccountingConfig extends CommonConfig {
  databaseUrl: string;
  /** close the day every N ms (0 or undefined: not by interval) */
  closeDayEveryMs?: number;
  /** close the day at this UTC time of day, "HH:MM" */
  closeDayAt?: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE accounts (
        public_id uuid PRIMARY KEY,
        email text NULL,
        full_name text NULL,
        role text NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE tasks (
        public_id uuid PRIMARY KEY,
        title text NULL,
        jira_id text NULL,
        description text NULL,
        status text NULL,
        assignee_public_id uuid NULL,
        fee integer NOT NULL,
        reward integer NOT NULL,
        priced_by text NOT NULL,
        priced_event_id uuid NOT NULL,
        priced_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE billing_cycles (
        id serial PRIMARY KEY,
        day date NOT NULL,
        opened_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz NULL,
        management_income integer NULL
      );
      CREATE UNIQUE INDEX billing_cycles_one_open ON billing_cycles ((true)) WHERE closed_at IS NULL;
      CREATE TABLE balances (
        account_public_id uuid PRIMARY KEY,
        balance bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ledger (
        id bigserial PRIMARY KEY,
        transaction_id uuid NOT NULL UNIQUE,
        account_public_id uuid NOT NULL,
        task_public_id uuid NULL,
        kind text NOT NULL CHECK (kind IN ('fee', 'reward', 'payout')),
        debit integer NOT NULL CHECK (debit >= 0),
        credit integer NOT NULL CHECK (credit >= 0),
        balance_after bigint NOT NULL,
        cycle_id integer NOT NULL REFERENCES billing_cycles (id),
        event_id uuid NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ledger_account_idx ON ledger (account_public_id, id);
      CREATE INDEX ledger_cycle_idx ON ledger (cycle_id);
      CREATE TABLE payments (
        payment_id uuid PRIMARY KEY,
        account_public_id uuid NOT NULL,
        amount integer NOT NULL CHECK (amount > 0),
        cycle_id integer NOT NULL REFERENCES billing_cycles (id),
        day date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE mail_outbox (
        id bigserial PRIMARY KEY,
        account_public_id uuid NOT NULL,
        to_email text NULL,
        subject text NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz NULL
      );
      ${INBOX_OUTBOX_SQL}
    `,
  },
];

export interface CloseDayResult {
  cycle_id: number;
  day: string;
  next_cycle_id: number;
  payouts: { account: string; amount: number }[];
  carried_over: { account: string; balance: number }[];
  management_income: number;
}

interface LedgerRow {
  transaction_id: string;
  account_public_id: string;
  task_public_id: string | null;
  kind: LedgerKind;
  debit: number;
  credit: number;
  balance_after: string;
  cycle_id: number;
  event_id: string | null;
  created_at: Date;
}

const dayOf = (d: Date): string => d.toISOString().slice(0, 10);

/** ms from `now` to the next `HH:MM` UTC */
export function msUntil(at: string, now: Date): number {
  const m = /^(\d{2}):(\d{2})$/.exec(at);
  if (m === null) throw new RangeError(`closeDayAt must be HH:MM: ${at}`);
  const next = new Date(now);
  next.setUTCHours(Number(m[1]), Number(m[2]), 0, 0);
  if (next.getTime() <= now.getTime()) next.setUTCDate(next.getUTCDate() + 1);
  return next.getTime() - now.getTime();
}

export interface Accounting extends LabEServiceHandle {
  closeDay(trigger?: 'request' | 'clock'): Promise<CloseDayResult>;
}

export function createAccounting(config: AccountingConfig, deps: ServiceDeps = {}): Accounting {
  const mode = config.brokenMode;
  let closeDay: ((trigger: 'request' | 'clock') => Promise<CloseDayResult>) | undefined;
  const service = createService({
    service: 'accounting',
    config,
    deps,
    migrations: MIGRATIONS,
    setup: (ctx) => {
      const ledger = new Ledger(ctx);
      closeDay = (trigger) => ledger.closeDay(trigger, mode === 'no-carry-over');
      const timers: ReturnType<typeof setTimeout>[] = [];
      let stopping = false;
      const onClock = (): void => {
        void ledger
          .closeDay('clock', mode === 'no-carry-over')
          .catch((err: unknown) => ctx.logger.error({ err: (err as Error).message }, 'close day (clock) failed'));
      };
      return {
        handler: accountingHandler(ctx, ledger),
        started() {
          if (config.closeDayEveryMs) {
            const t = setInterval(onClock, config.closeDayEveryMs);
            t.unref();
            timers.push(t);
          }
          if (config.closeDayAt) {
            const at = config.closeDayAt;
            const schedule = (): void => {
              if (stopping) return;
              const t = setTimeout(
                () => {
                  onClock();
                  schedule();
                },
                msUntil(at, ctx.now()),
              );
              t.unref();
              timers.push(t);
            };
            schedule();
          }
        },
        stopping() {
          stopping = true;
          for (const t of timers) clearTimeout(t);
        },
        routes(app) {
          app.get('/accounting/me', async (req) => {
            const me = identityOf(req);
            const [{ rows: bal }, { rows }] = await Promise.all([
              ctx.pool.query<{ balance: string }>('SELECT balance FROM balances WHERE account_public_id = $1', [
                me.publicId,
              ]),
              ctx.pool.query<LedgerRow>(
                'SELECT * FROM ledger WHERE account_public_id = $1 ORDER BY id DESC LIMIT 500',
                [me.publicId],
              ),
            ]);
            return { public_id: me.publicId, balance: Number(bal[0]?.balance ?? 0), ledger: rows.map(ledgerJson) };
          });

          app.get('/accounting/summary', async () => {
            const cycle = await ctx.tx((client) => ledger.openCycle(client, false));
            const [{ rows: income }, { rows: accounts }, { rows: closed }] = await Promise.all([
              ctx.pool.query<{ kind: LedgerKind; debit: number; credit: number }>(
                'SELECT kind, debit, credit FROM ledger WHERE cycle_id = $1',
                [cycle.id],
              ),
              ctx.pool.query<{
                public_id: string;
                email: string | null;
                full_name: string | null;
                role: Role | null;
                balance: string;
              }>(
                `SELECT b.account_public_id AS public_id, a.email, a.full_name, a.role, b.balance
                 FROM balances b LEFT JOIN accounts a ON a.public_id = b.account_public_id ORDER BY b.account_public_id`,
              ),
              ctx.pool.query<{ id: number; day: string; closed_at: Date; management_income: number }>(
                `SELECT id, to_char(day, 'YYYY-MM-DD') AS day, closed_at, management_income FROM billing_cycles
                 WHERE closed_at IS NOT NULL ORDER BY id DESC LIMIT 30`,
              ),
            ]);
            return {
              cycle: { id: cycle.id, day: cycle.day },
              management_income: managementIncome(income),
              accounts: accounts.map((a) => ({ ...a, balance: Number(a.balance) })),
              closed_cycles: closed.map((c) => ({ ...c, closed_at: c.closed_at.toISOString() })),
            };
          });

          app.get<{ Querystring: { account?: string; task?: string; limit?: string } }>(
            '/accounting/ledger',
            {
              schema: {
                querystring: {
                  type: 'object',
                  properties: {
                    account: { type: 'string', format: 'uuid' },
                    task: { type: 'string', format: 'uuid' },
                    limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' },
                  },
                },
              },
            },
            async (req) => {
              const { account, task, limit } = req.query;
              const { rows } = await ctx.pool.query<LedgerRow>(
                `SELECT * FROM ledger WHERE ($1::uuid IS NULL OR account_public_id = $1)
                   AND ($2::uuid IS NULL OR task_public_id = $2) ORDER BY id LIMIT $3`,
                [account ?? null, task ?? null, limit === undefined ? 1000 : Number(limit)],
              );
              return { rows: rows.map(ledgerJson) };
            },
          );

          app.post('/accounting/close-day', async () => ledger.closeDay('request', mode === 'no-carry-over'));
        },
      };
    },
  });
  return Object.assign(service, {
    closeDay(trigger: 'request' | 'clock' = 'request') {
      return closeDay!(trigger);
    },
  });
}

function ledgerJson(r: LedgerRow) {
  return {
    transaction_id: r.transaction_id,
    account_public_id: r.account_public_id,
    task_public_id: r.task_public_id,
    kind: r.kind,
    debit: r.debit,
    credit: r.credit,
    balance_after: Number(r.balance_after),
    cycle_id: r.cycle_id,
    event_id: r.event_id,
    created_at: r.created_at.toISOString(),
  };
}

/** The ledger: one transaction's worth of changes, with the fact lines to print once it committed. */
class Ledger {
  constructor(private readonly ctx: ServiceContext) {}

  /** the open billing cycle (created on first use); `lock`: FOR UPDATE (the close), else FOR SHARE */
  async openCycle(client: PoolClient, lock: boolean | 'share' = 'share'): Promise<{ id: number; day: string }> {
    const select = `SELECT id, to_char(day, 'YYYY-MM-DD') AS day FROM billing_cycles WHERE closed_at IS NULL${
      lock === true ? ' FOR UPDATE' : lock === 'share' ? ' FOR SHARE' : ''
    }`;
    let { rows } = await client.query<{ id: number; day: string }>(select);
    if (rows[0] === undefined) {
      await client.query(
        'INSERT INTO billing_cycles (day) VALUES ($1) ON CONFLICT ((true)) WHERE closed_at IS NULL DO NOTHING',
        [dayOf(this.ctx.now())],
      );
      ({ rows } = await client.query<{ id: number; day: string }>(select));
    }
    return rows[0]!;
  }

  /** The task's price: fixed now when this is the first event about the task (reroll-price: drawn again on every assignment). */
  async priceOf(client: PoolClient, task: string, event: Envelope, lines: LabELine[], reroll: boolean): Promise<Price> {
    const drawn = drawPrice(this.ctx.random);
    const { rows } = await client.query<Price>(
      `INSERT INTO tasks (public_id, fee, reward, priced_by, priced_event_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (public_id) DO NOTHING RETURNING fee, reward`,
      [task, drawn.fee, drawn.reward, event.event_name, event.event_id],
    );
    let price = rows[0];
    if (price === undefined && reroll) {
      // the bug of reroll-price: a sampled student draws the price again on every assignment
      ({
        rows: [price],
      } = await client.query<Price>(
        `UPDATE tasks SET fee = $2, reward = $3, priced_by = $4, priced_event_id = $5, priced_at = now()
         WHERE public_id = $1 RETURNING fee, reward`,
        [task, drawn.fee, drawn.reward, event.event_name, event.event_id],
      ));
    }
    if (price !== undefined) {
      lines.push({
        type: 'price_fixed',
        ts: '',
        service: 'accounting',
        entity: task,
        entity_kind: 'task',
        fee: price.fee,
        reward: price.reward,
        first_event: event.event_name,
        event_id: event.event_id,
      });
      return price;
    }
    const { rows: existing } = await client.query<Price>('SELECT fee, reward FROM tasks WHERE public_id = $1', [task]);
    return existing[0]!;
  }

  /** one ledger row, its balance change and its TransactionApplied event */
  async apply(
    client: PoolClient,
    args: {
      account: string;
      task: string | null;
      kind: LedgerKind;
      amount: number;
      eventId: string | null;
      cycleId?: number;
    },
    lines: LabELine[],
  ): Promise<number> {
    const { debit, credit } = ledgerAmounts(args.kind, args.amount);
    const cycleId = args.cycleId ?? (await this.openCycle(client)).id;
    const { rows } = await client.query<{ balance: string }>(
      `INSERT INTO balances (account_public_id, balance) VALUES ($1, $2)
       ON CONFLICT (account_public_id) DO UPDATE SET balance = balances.balance + EXCLUDED.balance, updated_at = now()
       RETURNING balance`,
      [args.account, credit - debit],
    );
    const balanceAfter = Number(rows[0]!.balance);
    const transactionId = uuidv7();
    await client.query(
      `INSERT INTO ledger (transaction_id, account_public_id, task_public_id, kind, debit, credit, balance_after, cycle_id, event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [transactionId, args.account, args.task, args.kind, debit, credit, balanceAfter, cycleId, args.eventId],
    );
    await this.ctx.writer.add(client, {
      topic: this.ctx.topics.transactions,
      key: args.account,
      entityKind: 'account',
      name: 'TransactionApplied',
      version: 1,
      data: {
        transaction_id: transactionId,
        account_public_id: args.account,
        task_public_id: args.task,
        kind: args.kind,
        debit,
        credit,
        balance_after: balanceAfter,
        cycle_id: cycleId,
      },
    });
    lines.push({
      type: 'ledger',
      ts: '',
      service: 'accounting',
      entity: args.account,
      entity_kind: 'account',
      transaction_id: transactionId,
      task: args.task,
      kind: args.kind,
      debit,
      credit,
      balance_after: balanceAfter,
      cycle_id: cycleId,
      event_id: args.eventId,
    });
    return balanceAfter;
  }

  print(lines: readonly LabELine[]): void {
    const ts = new Date().toISOString();
    for (const l of lines) this.ctx.out({ ...l, ts });
  }

  async closeDay(trigger: 'request' | 'clock', resetNegatives: boolean): Promise<CloseDayResult> {
    const lines: LabELine[] = [];
    const result = await this.ctx.tx(async (client) => {
      const cycle = await this.openCycle(client, true);
      const { rows } = await client.query<{ account_public_id: string; balance: string }>(
        'SELECT account_public_id, balance FROM balances WHERE balance <> 0 ORDER BY account_public_id FOR UPDATE',
      );
      const plan = planDayClose(
        rows.map((r) => ({ account: r.account_public_id, balance: Number(r.balance) })),
        { carryOver: !resetNegatives },
      );
      for (const p of plan.payouts) {
        await this.apply(
          client,
          { account: p.account, task: null, kind: 'payout', amount: p.amount, eventId: null, cycleId: cycle.id },
          lines,
        );
        const paymentId = uuidv7();
        await client.query(
          'INSERT INTO payments (payment_id, account_public_id, amount, cycle_id, day) VALUES ($1, $2, $3, $4, $5)',
          [paymentId, p.account, p.amount, cycle.id, cycle.day],
        );
        await client.query(
          `INSERT INTO mail_outbox (account_public_id, to_email, subject, body)
           SELECT $1::uuid, (SELECT email FROM accounts WHERE public_id = $1::uuid), $2, $3`,
          [
            p.account,
            `Your popug payout for ${cycle.day}`,
            `You earned ${p.amount} on ${cycle.day}; it has been paid out and your balance is 0.`,
          ],
        );
        await this.ctx.writer.add(client, {
          topic: this.ctx.topics.transactions,
          key: p.account,
          entityKind: 'account',
          name: 'PaymentMade',
          version: 1,
          data: {
            payment_id: paymentId,
            account_public_id: p.account,
            amount: p.amount,
            cycle_id: cycle.id,
            day: cycle.day,
          },
        });
      }
      // the bug of no-carry-over: the debt is wiped without a ledger row
      for (const r of plan.reset)
        await client.query('UPDATE balances SET balance = 0, updated_at = now() WHERE account_public_id = $1', [
          r.account,
        ]);
      const { rows: cycleRows } = await client.query<{ kind: LedgerKind; debit: number; credit: number }>(
        'SELECT kind, debit, credit FROM ledger WHERE cycle_id = $1',
        [cycle.id],
      );
      const income = managementIncome(cycleRows);
      const closedAt = this.ctx.now();
      await client.query('UPDATE billing_cycles SET closed_at = $2, management_income = $3 WHERE id = $1', [
        cycle.id,
        closedAt,
        income,
      ]);
      const next = await this.openCycle(client, false);
      await this.ctx.writer.add(client, {
        topic: this.ctx.topics.transactions,
        key: String(cycle.id),
        entityKind: 'cycle',
        name: 'BillingCycleClosed',
        version: 1,
        data: {
          cycle_id: cycle.id,
          day: cycle.day,
          closed_at: closedAt.toISOString(),
          payouts: plan.payouts.length,
          paid_total: plan.payouts.reduce((s, p) => s + p.amount, 0),
          carried_over: plan.carriedOver.length,
          management_income: income,
        },
      });
      return {
        cycle_id: cycle.id,
        day: cycle.day,
        next_cycle_id: next.id,
        payouts: plan.payouts,
        carried_over: plan.carriedOver,
        management_income: income,
      };
    });
    this.print(lines);
    const closed: LabELineOf<'day_closed'> = {
      type: 'day_closed',
      ts: new Date().toISOString(),
      service: 'accounting',
      entity: String(result.cycle_id),
      entity_kind: 'cycle',
      trigger,
      ...result,
    };
    this.ctx.out(closed);
    return result;
  }
}

function accountingHandler(ctx: ServiceContext, ledger: Ledger): EventHandler {
  const mode = ctx.brokenMode;
  return {
    supports: {
      AccountCreated: [1],
      AccountUpdated: [1],
      AccountRoleChanged: [1],
      // the bug of v1-only: v2 is dead-lettered as unsupported
      TaskCreated: mode === 'v1-only' ? [1] : [1, 2],
      TaskUpdated: [1],
      TaskAdded: [1],
      TaskAssigned: [1],
      TaskCompleted: [1],
    },
    async handle(event, where) {
      const d = event.data as Record<string, unknown> & { public_id: string };
      const isTask = event.event_name.startsWith('Task');
      const lines: LabELine[] = [];
      const first = await ctx.tx(async (client) => {
        const fresh = await claimEvent(client, event, where);
        // the bug of not-idempotent: the inbox row is written but nobody looks at it
        if (!fresh && mode !== 'not-idempotent') return false;
        switch (event.event_name) {
          case 'AccountCreated':
          case 'AccountUpdated':
          case 'AccountRoleChanged': {
            const a = d as unknown as { public_id: string; email?: string; full_name?: string; role: Role };
            await client.query(
              `INSERT INTO accounts (public_id, email, full_name, role) VALUES ($1, $2, $3, $4)
               ON CONFLICT (public_id) DO UPDATE SET email = COALESCE(EXCLUDED.email, accounts.email),
                 full_name = COALESCE(EXCLUDED.full_name, accounts.full_name),
                 role = CASE WHEN $5 THEN COALESCE(accounts.role, EXCLUDED.role) ELSE EXCLUDED.role END, updated_at = now()`,
              [a.public_id, a.email ?? null, a.full_name ?? null, a.role, event.event_name === 'AccountCreated'],
            );
            return true;
          }
          case 'TaskCreated': {
            await ledger.priceOf(client, d.public_id, event, lines, false);
            const t =
              event.event_version === 1
                ? splitJiraId(String(d.title))
                : { title: String(d.title), jira_id: typeof d.jira_id === 'string' ? d.jira_id : null };
            await client.query('UPDATE tasks SET title = $2, jira_id = $3, description = $4 WHERE public_id = $1', [
              d.public_id,
              t.title,
              t.jira_id,
              d.description,
            ]);
            return true;
          }
          case 'TaskUpdated':
          case 'TaskAdded': {
            await ledger.priceOf(client, d.public_id, event, lines, false);
            await client.query(
              `UPDATE tasks SET title = COALESCE($2, title), status = COALESCE($3, status),
                 assignee_public_id = COALESCE($4, assignee_public_id) WHERE public_id = $1`,
              [d.public_id, d.title ?? null, d.status ?? null, d.assignee_public_id ?? null],
            );
            return true;
          }
          case 'TaskAssigned': {
            const price = await ledger.priceOf(client, d.public_id, event, lines, mode === 'reroll-price');
            if (mode === 'fee-once') {
              // the bug of fee-once: a reshuffle does not charge again
              const { rowCount } = await client.query(
                "SELECT 1 FROM ledger WHERE task_public_id = $1 AND kind = 'fee' LIMIT 1",
                [d.public_id],
              );
              if (rowCount !== 0) return true;
            }
            await ledger.apply(
              client,
              {
                account: String(d.assignee_public_id),
                task: d.public_id,
                kind: 'fee',
                amount: price.fee,
                eventId: event.event_id,
              },
              lines,
            );
            return true;
          }
          case 'TaskCompleted': {
            const price = await ledger.priceOf(client, d.public_id, event, lines, false);
            await ledger.apply(
              client,
              {
                account: String(d.assignee_public_id),
                task: d.public_id,
                kind: 'reward',
                amount: price.reward,
                eventId: event.event_id,
              },
              lines,
            );
            return true;
          }
          default:
            return true;
        }
      });
      ledger.print(lines);
      return { outcome: first ? 'applied' : 'duplicate', entity: d.public_id, entityKind: isTask ? 'task' : 'account' };
    },
  };
}
