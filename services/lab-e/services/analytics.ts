// analytics: the read side. Its own copy of accounts, tasks and transactions, built from the topics (idempotent by
// event_id); GET /analytics answers today's management income (fees charged − rewards paid, by event time, UTC), the
// workers with a negative balance, and the most expensive task (the highest reward paid) of the day, week and month.
import { claimEvent, type EventHandler } from '../consumer.js';
import { INBOX_OUTBOX_SQL, type Migration } from '../db.js';
import { entityOf } from '../events.js';
import { splitJiraId } from '../pricing.js';
import {
  createService,
  type CommonConfig,
  type LabEServiceHandle,
  type ServiceContext,
  type ServiceDeps,
} from '../runtime.js';
import type { Role } from '../schema.js';

export interface AnalyticsConfig extends CommonConfig {
  databaseUrl: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE accounts (
        public_id uuid PRIMARY KEY,
        email text NULL,
        full_name text NULL,
        role text NULL
      );
      CREATE TABLE tasks (
        public_id uuid PRIMARY KEY,
        title text NULL,
        jira_id text NULL
      );
      CREATE TABLE transactions (
        transaction_id uuid PRIMARY KEY,
        account_public_id uuid NOT NULL,
        task_public_id uuid NULL,
        kind text NOT NULL,
        debit integer NOT NULL,
        credit integer NOT NULL,
        cycle_id integer NOT NULL,
        at timestamptz NOT NULL
      );
      CREATE INDEX transactions_at_idx ON transactions (at);
      CREATE TABLE balances (
        account_public_id uuid PRIMARY KEY,
        balance bigint NOT NULL DEFAULT 0
      );
      ${INBOX_OUTBOX_SQL}
    `,
  },
];

interface Expensive {
  task_public_id: string;
  title: string | null;
  jira_id: string | null;
  reward: number;
  at: string;
}

export function createAnalytics(config: AnalyticsConfig, deps: ServiceDeps = {}): LabEServiceHandle {
  return createService({
    service: 'analytics',
    config,
    deps,
    migrations: MIGRATIONS,
    setup: (ctx) => ({
      handler: analyticsHandler(ctx),
      routes(app) {
        app.get<{ Querystring: { day?: string } }>(
          '/analytics',
          {
            schema: { querystring: { type: 'object', properties: { day: { type: 'string', format: 'date' } } } },
          },
          async (req) => {
            const day = req.query.day ?? ctx.now().toISOString().slice(0, 10);
            const [{ rows: income }, { rows: negative }, ...expensive] = await Promise.all([
              ctx.pool.query<{ income: string | null; fees: string | null; rewards: string | null }>(
                `SELECT sum(debit) FILTER (WHERE kind = 'fee') AS fees, sum(credit) FILTER (WHERE kind = 'reward') AS rewards
                 FROM transactions WHERE (at AT TIME ZONE 'UTC')::date = $1::date`,
                [day],
              ),
              ctx.pool.query<{ public_id: string; full_name: string | null; email: string | null; balance: string }>(
                `SELECT b.account_public_id AS public_id, a.full_name, a.email, b.balance FROM balances b
                 LEFT JOIN accounts a ON a.public_id = b.account_public_id
                 WHERE b.balance < 0 ORDER BY b.balance, b.account_public_id`,
              ),
              ...(['day', 'week', 'month'] as const).map((unit) =>
                ctx.pool.query<Expensive>(
                  `SELECT t.task_public_id, k.title, k.jira_id, t.credit AS reward, t.at
                   FROM transactions t LEFT JOIN tasks k ON k.public_id = t.task_public_id
                   WHERE t.kind = 'reward'
                     AND date_trunc('${unit}', t.at AT TIME ZONE 'UTC') = date_trunc('${unit}', $1::date::timestamp)
                   ORDER BY t.credit DESC, t.at LIMIT 1`,
                  [day],
                ),
              ),
            ]);
            const fees = Number(income[0]?.fees ?? 0);
            const rewards = Number(income[0]?.rewards ?? 0);
            const pick = (i: number) => {
              const r = expensive[i]?.rows[0];
              return r === undefined ? null : { ...r, at: new Date(r.at).toISOString() };
            };
            return {
              day,
              management_income: fees - rewards,
              fees_charged: fees,
              rewards_paid: rewards,
              negative_balances: {
                count: negative.length,
                accounts: negative.map((n) => ({ ...n, balance: Number(n.balance) })),
              },
              most_expensive: { day: pick(0), week: pick(1), month: pick(2) },
            };
          },
        );
      },
    }),
  });
}

function analyticsHandler(ctx: ServiceContext): EventHandler {
  return {
    supports: {
      AccountCreated: [1],
      AccountUpdated: [1],
      AccountRoleChanged: [1],
      TaskCreated: [1, 2],
      TaskUpdated: [1],
      TransactionApplied: [1],
    },
    async handle(event, where) {
      const d = event.data;
      const { entity } = entityOf(event.event_name, d);
      const first = await ctx.tx(async (client) => {
        if (!(await claimEvent(client, event, where))) return false;
        switch (event.event_name) {
          case 'AccountCreated':
          case 'AccountUpdated':
          case 'AccountRoleChanged': {
            const a = d as { public_id: string; email?: string; full_name?: string; role: Role };
            await client.query(
              `INSERT INTO accounts (public_id, email, full_name, role) VALUES ($1, $2, $3, $4)
               ON CONFLICT (public_id) DO UPDATE SET email = COALESCE(EXCLUDED.email, accounts.email),
                 full_name = COALESCE(EXCLUDED.full_name, accounts.full_name),
                 role = CASE WHEN $5 THEN COALESCE(accounts.role, EXCLUDED.role) ELSE EXCLUDED.role END`,
              [a.public_id, a.email ?? null, a.full_name ?? null, a.role, event.event_name === 'AccountCreated'],
            );
            break;
          }
          case 'TaskCreated':
          case 'TaskUpdated': {
            const t =
              event.event_name === 'TaskCreated' && event.event_version === 1
                ? splitJiraId(String(d.title))
                : { title: String(d.title), jira_id: typeof d.jira_id === 'string' ? d.jira_id : null };
            await client.query(
              `INSERT INTO tasks (public_id, title, jira_id) VALUES ($1, $2, $3)
               ON CONFLICT (public_id) DO UPDATE SET title = EXCLUDED.title, jira_id = COALESCE(EXCLUDED.jira_id, tasks.jira_id)`,
              [d.public_id, t.title, t.jira_id],
            );
            break;
          }
          case 'TransactionApplied': {
            const { rowCount } = await client.query(
              `INSERT INTO transactions (transaction_id, account_public_id, task_public_id, kind, debit, credit, cycle_id, at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (transaction_id) DO NOTHING`,
              [
                d.transaction_id,
                d.account_public_id,
                d.task_public_id,
                d.kind,
                d.debit,
                d.credit,
                d.cycle_id,
                event.event_time,
              ],
            );
            if (rowCount === 1)
              await client.query(
                `INSERT INTO balances (account_public_id, balance) VALUES ($1, $2)
                 ON CONFLICT (account_public_id) DO UPDATE SET balance = balances.balance + EXCLUDED.balance`,
                [d.account_public_id, Number(d.credit) - Number(d.debit)],
              );
            break;
          }
        }
        return true;
      });
      return {
        outcome: first ? 'applied' : 'duplicate',
        entity,
        entityKind: event.event_name.startsWith('Task') ? 'task' : 'account',
      };
    },
  };
}
