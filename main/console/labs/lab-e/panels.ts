// What Lab E's own panels ask the console (contract.ts): the schema registry and check-compat's verdicts (the Schemas
// panel), per topic what the services' lines say about validation (counted as the lines arrive), accounting's ledger
// read from its own database and the day closed through the gateway (the Ledger panel).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { checkAll, checkPair, dataSchemaOf } from '../../../../services/lab-e/check-compat.js';
import { schemaRegistry } from '../../../../services/lab-e/registry.js';
import { SCHEMA_FILES } from '../../../../services/lab-e/schemas/index.js';
import { dlqOf, type LabELine, type TopicKey } from '../../../../services/lab-e/schema.js';
import { AppError, toAppError } from '../../../../services/shared/app-error.js';
import type {
  CloseDayResult,
  CompatResult,
  Ledger,
  LedgerWorker,
  SchemaFailure,
  SchemaRegistryView,
  SchemaStats,
  TopicSchemaStats,
} from './contract.js';
import { gatewayCall, signup, type Account } from './checks/support.js';

const FAILURES_KEPT = 20;

// --- the registry ------------------------------------------------------------------------------------------------

/** The registry as the Schemas panel shows it: each version's `data` schema, topics with the console's prefix. */
export function registryView(prefix: string): SchemaRegistryView {
  const events = schemaRegistry()
    .events()
    .map((e) => ({
      domain: e.domain,
      event: e.event,
      topic: `${prefix}${e.topic}`,
      versions: SCHEMA_FILES.filter((f) => f.event === e.event)
        .sort((a, b) => a.version - b.version)
        .map((f) => ({
          version: f.version,
          file: f.file,
          title: typeof f.schema.title === 'string' ? f.schema.title : `${f.event} v${f.version}`,
          description: typeof f.schema.description === 'string' ? f.schema.description : '',
          data: dataSchemaOf(f.schema),
        })),
    }));
  return { events, compat: checkAll() };
}

/** check-compat's verdict on `to` as a change of `from` (any two versions of one event, either order). */
export function schemaDiff(event: string, from: number, to: number): CompatResult {
  const registry = schemaRegistry();
  const a = registry.schema(event, from);
  const b = registry.schema(event, to);
  if (a === undefined || b === undefined) {
    const known = registry.versions(event);
    throw new AppError(
      'NOT_FOUND',
      known.length === 0
        ? `event: no ${event} in the registry`
        : `${event} has versions ${known.join(', ')}, not ${a === undefined ? from : to}`,
      { field: a === undefined ? 'from' : 'to', known },
    );
  }
  return checkPair(event, from, a.schema, to, b.schema);
}

// --- per topic, from the services' lines ---------------------------------------------------------------------------

/** Counts the lines of the lab's services per topic as they arrive (bounded: the newest failures only). */
export class SchemaStatsCounter {
  private readonly since = Date.now();
  private readonly byTopic = new Map<string, TopicSchemaStats>();
  /** event name → its topic (x-topic of its newest version, prefixed): where a refused event would have gone */
  private readonly topicOfEvent = new Map<string, string>();

  constructor(topics: Readonly<Record<TopicKey, string>>, prefix: string) {
    for (const t of Object.values(topics)) this.byTopic.set(t, this.empty(t));
    for (const e of schemaRegistry().events()) this.topicOfEvent.set(e.event, `${prefix}${e.topic}`);
  }

  add(line: LabELine): void {
    switch (line.type) {
      case 'produced': {
        const t = this.topic(line.topic);
        t.produced++;
        const k = `${line.event_name} v${line.event_version}`;
        t.byEvent[k] = (t.byEvent[k] ?? 0) + 1;
        return;
      }
      case 'consumed': {
        const t = this.topic(line.topic);
        t.consumed[line.service] = (t.consumed[line.service] ?? 0) + 1;
        return;
      }
      case 'duplicate':
        this.topic(line.topic).duplicates++;
        return;
      case 'refused': {
        const t = this.topic(this.topicOfEvent.get(line.event_name) ?? '(unknown topic)');
        t.refused++;
        this.fail(t, {
          at: Date.parse(line.ts),
          service: line.service,
          kind: 'refused',
          reason: null,
          eventName: line.event_name,
          eventVersion: line.event_version,
          entity: line.entity,
          errors: line.errors,
          record: null,
          dlq: null,
        });
        return;
      }
      case 'dead_lettered': {
        const t = this.topic(line.topic);
        t.deadLettered[line.service] = (t.deadLettered[line.service] ?? 0) + 1;
        this.fail(t, {
          at: Date.parse(line.ts),
          service: line.service,
          kind: 'dead-lettered',
          reason: line.reason,
          eventName: line.event_name,
          eventVersion: line.event_version,
          entity: line.entity,
          errors: line.errors,
          record: { topic: line.topic, partition: line.partition, offset: line.offset },
          dlq: { topic: line.dlq_topic, partition: line.dlq_partition, offset: line.dlq_offset },
        });
        return;
      }
      default:
        return;
    }
  }

  snapshot(): SchemaStats {
    return { since: this.since, topics: [...this.byTopic.values()].map((t) => structuredClone(t)) };
  }

  private topic(name: string): TopicSchemaStats {
    let t = this.byTopic.get(name);
    if (t === undefined) {
      t = this.empty(name);
      this.byTopic.set(name, t);
    }
    return t;
  }

  private empty(topic: string): TopicSchemaStats {
    return {
      topic,
      dlqTopic: dlqOf(topic),
      produced: 0,
      refused: 0,
      consumed: {},
      duplicates: 0,
      deadLettered: {},
      byEvent: {},
      failures: [],
    };
  }

  private fail(t: TopicSchemaStats, f: SchemaFailure): void {
    t.failures.unshift(f);
    if (t.failures.length > FAILURES_KEPT) t.failures.length = FAILURES_KEPT;
  }
}

// --- the ledger ----------------------------------------------------------------------------------------------------

const LEDGER_ROWS_PER_WORKER = 30;
const WORKERS_SHOWN = 200;

async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await work(c);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '3D000' || code === '42P01')
      throw new AppError('DB_ERROR', "accounting's database is not there yet: start accounting first", { code });
    if (err instanceof AppError) throw err;
    throw new AppError('DB_ERROR', `accounting's database: ${toAppError(err).message}`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const num = (v: unknown): number => Number(v ?? 0);

/** Accounting's ledger from its own database (the tables of services/lab-e ACCOUNTING_TABLES). */
export function readLedger(url: string): Promise<Ledger> {
  return withClient(url, async (c) => {
    const cycle = (
      await c.query<{ id: number; day: string }>(
        `SELECT id, to_char(day, 'YYYY-MM-DD') AS day FROM billing_cycles WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1`,
      )
    ).rows[0];
    const income = (
      await c.query<{ fees: string; rewards: string }>(
        `SELECT coalesce(sum(debit) FILTER (WHERE kind = 'fee'), 0) AS fees,
                coalesce(sum(credit) FILTER (WHERE kind = 'reward'), 0) AS rewards
         FROM ledger WHERE cycle_id = $1`,
        [cycle?.id ?? -1],
      )
    ).rows[0];
    const { rows: workers } = await c.query<{
      public_id: string;
      email: string | null;
      full_name: string | null;
      role: string | null;
      balance: string;
      ledger_sum: string;
      n: number;
    }>(
      `WITH ids AS (SELECT public_id AS id FROM accounts WHERE role = 'worker'
                    UNION SELECT account_public_id FROM balances)
       SELECT ids.id::text AS public_id, a.email, a.full_name, a.role, coalesce(b.balance, 0) AS balance,
              coalesce(l.total, 0) AS ledger_sum, coalesce(l.n, 0)::int AS n
       FROM ids LEFT JOIN accounts a ON a.public_id = ids.id
         LEFT JOIN balances b ON b.account_public_id = ids.id
         LEFT JOIN (SELECT account_public_id, sum(credit - debit) AS total, count(*) AS n FROM ledger
                    GROUP BY account_public_id) l ON l.account_public_id = ids.id
       ORDER BY coalesce(l.n, 0) DESC, ids.id LIMIT ${WORKERS_SHOWN}`,
    );
    const { rows: ledger } = await c.query<{
      account: string;
      transaction_id: string;
      at: Date;
      kind: 'fee' | 'reward' | 'payout';
      task: string | null;
      title: string | null;
      debit: number;
      credit: number;
      balance_after: string;
      cycle_id: number;
    }>(
      `SELECT account_public_id::text AS account, transaction_id::text, created_at AS at, kind, task, title, debit,
              credit, balance_after, cycle_id
       FROM (SELECT l.*, l.task_public_id::text AS task, t.title,
                    row_number() OVER (PARTITION BY l.account_public_id ORDER BY l.id DESC) AS rn
             FROM ledger l LEFT JOIN tasks t ON t.public_id = l.task_public_id
             WHERE l.account_public_id = ANY($1::uuid[])) x
       WHERE rn <= ${LEDGER_ROWS_PER_WORKER} ORDER BY account_public_id, id DESC`,
      [workers.map((w) => w.public_id)],
    );
    const rowsOf = new Map<string, LedgerWorker['ledger']>();
    for (const r of ledger) {
      const list = rowsOf.get(r.account) ?? [];
      list.push({
        transactionId: r.transaction_id,
        at: r.at.toISOString(),
        kind: r.kind,
        task: r.task,
        taskTitle: r.title,
        debit: r.debit,
        credit: r.credit,
        balanceAfter: num(r.balance_after),
        cycleId: r.cycle_id,
      });
      rowsOf.set(r.account, list);
    }
    const { rows: closed } = await c.query<{ id: number; day: string; closed_at: Date; management_income: number }>(
      `SELECT id, to_char(day, 'YYYY-MM-DD') AS day, closed_at, coalesce(management_income, 0) AS management_income
       FROM billing_cycles WHERE closed_at IS NOT NULL ORDER BY id DESC LIMIT 10`,
    );
    const { rows: payments } = await c.query<{
      cycle_id: number;
      account: string;
      email: string | null;
      amount: number;
    }>(
      `SELECT p.cycle_id, p.account_public_id::text AS account, a.email, p.amount
       FROM payments p LEFT JOIN accounts a ON a.public_id = p.account_public_id
       WHERE p.cycle_id = ANY($1::int[]) ORDER BY p.cycle_id DESC, p.created_at`,
      [closed.map((d) => d.id)],
    );
    const mails = await mailsAfter(c, 0, 20);
    const fees = num(income?.fees);
    const rewards = num(income?.rewards);
    return {
      cycle: cycle === undefined ? null : { id: cycle.id, day: cycle.day },
      income: { fees, rewards, managementIncome: fees - rewards },
      workers: workers.map((w) => ({
        publicId: w.public_id,
        email: w.email,
        fullName: w.full_name,
        role: w.role,
        balance: num(w.balance),
        ledgerSum: num(w.ledger_sum),
        rows: w.n,
        ledger: rowsOf.get(w.public_id) ?? [],
      })),
      closed: closed.map((d) => ({
        cycleId: d.id,
        day: d.day,
        closedAt: d.closed_at.toISOString(),
        managementIncome: d.management_income,
        payouts: payments
          .filter((p) => p.cycle_id === d.id)
          .map((p) => ({ account: p.account, email: p.email, amount: p.amount })),
      })),
      mails,
    };
  });
}

/** mails with an id above `afterId`, the newest first */
async function mailsAfter(c: pg.Client, afterId: number, limit: number): Promise<Ledger['mails']> {
  const { rows } = await c.query<{ account: string; to_email: string | null; subject: string; body: string; at: Date }>(
    `SELECT account_public_id::text AS account, to_email, subject, body, created_at AS at FROM mail_outbox
     WHERE id > $1 ORDER BY id DESC LIMIT $2`,
    [afterId, limit],
  );
  return rows.map((m) => ({
    account: m.account,
    to: m.to_email,
    subject: m.subject,
    body: m.body,
    at: m.at.toISOString(),
  }));
}

interface CloseDayAnswer {
  cycle_id: number;
  day: string;
  next_cycle_id: number;
  payouts: { account: string; amount: number }[];
  carried_over: { account: string; balance: number }[];
  management_income: number;
}

/** The console's accountant (signed up once per console through the gateway; closes the day). */
export class ConsoleAccountant {
  private account: Promise<Account> | undefined;
  private readonly email = `eventscope-console-${randomUUID().slice(0, 8)}-accountant@popug.console`;

  constructor(private readonly gatewayUrl: () => string) {}

  get(): Promise<Account> {
    this.account ??= signup({ gatewayUrl: this.gatewayUrl }, this.email, 'accountant');
    this.account.catch(() => (this.account = undefined));
    return this.account;
  }

  /** POST /accounting/close-day through the gateway; the mails it wrote read from accounting's database */
  async closeDay(databaseUrl: string): Promise<CloseDayResult> {
    let me: Account;
    try {
      me = await this.get();
    } catch (err) {
      throw new AppError(
        'BROKER_UNAVAILABLE',
        `the gateway does not let the console sign up its accountant (${toAppError(err).message}): start the services first`,
      );
    }
    const before = await withClient(databaseUrl, async (c) =>
      num((await c.query<{ n: string }>('SELECT coalesce(max(id), 0) AS n FROM mail_outbox')).rows[0]?.n),
    ).catch(() => undefined);
    const r = await gatewayCall({ gatewayUrl: this.gatewayUrl }, 'POST', '/accounting/close-day', { token: me.token });
    if (r.status === 401) this.account = undefined; // a gateway with another secret: sign up again next time
    if (r.status !== 200)
      throw new AppError(
        r.status === 0 ? 'BROKER_UNAVAILABLE' : 'INTERNAL',
        `POST /accounting/close-day answered ${r.error ?? r.status}: ${JSON.stringify(r.body).slice(0, 300)}`,
      );
    const a = r.body as CloseDayAnswer;
    const extra =
      before === undefined
        ? { mails: [] as Ledger['mails'], emails: new Map<string, string | null>() }
        : await withClient(databaseUrl, async (c) => {
            const accounts = [...a.payouts.map((p) => p.account), ...a.carried_over.map((p) => p.account)];
            const { rows } = await c.query<{ id: string; email: string | null }>(
              'SELECT public_id::text AS id, email FROM accounts WHERE public_id = ANY($1::uuid[])',
              [accounts],
            );
            return {
              mails: await mailsAfter(c, before, Math.max(a.payouts.length, 1) * 2),
              emails: new Map(rows.map((x) => [x.id, x.email])),
            };
          }).catch(() => ({ mails: [] as Ledger['mails'], emails: new Map<string, string | null>() }));
    return {
      cycleId: a.cycle_id,
      day: a.day,
      nextCycleId: a.next_cycle_id,
      managementIncome: a.management_income,
      payouts: a.payouts.map((p) => ({ ...p, email: extra.emails.get(p.account) ?? null })),
      carriedOver: a.carried_over.map((p) => ({ ...p, email: extra.emails.get(p.account) ?? null })),
      mails: extra.mails,
    };
  }
}
