// Lab C's checks. The passive ones (1–3) read the services' databases only (the rows a student's services would have
// too: orders and their status, the outboxes, payments with their order id and status, the ledger of top-ups and
// debits, the accounts' balances) and return PASS or FAIL with the first counterexamples; the active ones (4, 5) drive
// the services (active-checks.ts). The cases of invariant 2 (a duplicate, a group reset, racing replicas, a kill) are
// the module's faults; check 2 judges what they left.
import pg from 'pg';
import type { LabManifest } from '../../contract/manifest.js';
import type { Check, CheckContext, CheckOutcome } from '../types.js';

type ManifestCheck = LabManifest['checks'][number];

export const LAB_C_CHECK_LIST: ManifestCheck[] = [
  {
    id: 'orders-final',
    title: '1 · Every order ends; outboxes drain',
    invariant:
      'Every order older than the funds window (and a grace) is paid or payment_failed, and neither outbox has a row pending that long.',
    active: false,
  },
  {
    id: 'exactly-once',
    title: '2 · Paid exactly once',
    invariant:
      'Every order has at most one completed payment and at most one debit in the ledger, whatever duplicates, replays or racing replicas delivered its order.created.',
    active: false,
  },
  {
    id: 'money-conserved',
    title: '3 · Money conserved',
    invariant:
      'Every account’s balance = its top-ups − its completed payments = the sum of its ledger rows (top-ups minus debits).',
    active: false,
  },
  {
    id: 'no-loss-outage',
    title: '4 · No loss while a database is down',
    invariant:
      "Orders accepted while payments' database is down (its link cut) all end once it is back: paid or payment_failed, none left open.",
    active: true,
  },
  {
    id: 'sse-streams',
    title: '5 · Live stream on every replica',
    invariant:
      "A user's event stream, on whichever orders replica, gets created and the final status of each of the user's orders, and nothing of another user's.",
    active: true,
  },
];

/** LABS.md's invariants (services/lab-c/broken-modes.ts) → the ids of the checks here */
const BY_INVARIANT: Readonly<Record<string, string>> = {
  '1': 'orders-final',
  '2': 'exactly-once',
  '2c': 'exactly-once',
  '2d': 'exactly-once',
  '3': 'money-conserved',
  '4': 'no-loss-outage',
  '5': 'sse-streams',
};

export function checkIdsOf(invariants: readonly string[]): string[] {
  return [...new Set(invariants.flatMap((i) => (BY_INVARIANT[i] === undefined ? [] : [BY_INVARIANT[i]])))];
}

/** Runs `work` on a service's database; SKIP when it does not exist yet (the service never started). */
async function onDatabase(url: string, work: (db: pg.Client) => Promise<CheckOutcome>): Promise<CheckOutcome> {
  const db = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  db.on('error', () => undefined);
  try {
    await db.connect();
  } catch (err) {
    if ((err as { code?: string }).code === '3D000')
      return { status: 'SKIP', summary: 'no database yet: start the services and create some orders' };
    throw err;
  }
  try {
    return await work(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

const money = (v: string | number): string => Number(v).toFixed(2);

export function labCChecks(opts: {
  ordersDatabaseUrl: (ctx: CheckContext) => string;
  paymentsDatabaseUrl: (ctx: CheckContext) => string;
  /** an order may be open this long (the funds window and a grace) */
  openForMs: number;
}): Check[] {
  const { paymentsDatabaseUrl, ordersDatabaseUrl, openForMs } = opts;
  /** rows of an outbox pending longer than an order may be open (0 when its database does not exist yet) */
  const pendingOutbox = async (url: string, table: string): Promise<number> => {
    let pending = 0;
    await onDatabase(url, async (db) => {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ${table}
         WHERE sent_at IS NULL AND created_at < now() - make_interval(secs => $1::double precision / 1000)`,
        [openForMs],
      );
      pending = Number(rows[0]?.n ?? 0);
      return { status: 'PASS', summary: '' };
    });
    return pending;
  };
  return [
    {
      id: 'orders-final',
      run: (ctx) =>
        onDatabase(ordersDatabaseUrl(ctx), async (db) => {
          const { rows } = await db.query<{ id: string; status: string; age_ms: string }>(
            `SELECT id::text AS id, status, (extract(epoch FROM now() - created_at) * 1000)::bigint::text AS age_ms
             FROM orders WHERE status NOT IN ('paid', 'payment_failed', 'completed', 'cancelled')
               AND created_at < now() - make_interval(secs => $1::double precision / 1000)
             ORDER BY created_at LIMIT 50`,
            [openForMs],
          );
          const total = Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM orders')).rows[0]?.n);
          const ordersPending = await pendingOutbox(ordersDatabaseUrl(ctx), 'orders_outbox');
          const paymentsPending = await pendingOutbox(paymentsDatabaseUrl(ctx), 'payments_outbox');
          const counts = {
            orders: total,
            open: rows.length,
            ordersOutboxPending: ordersPending,
            paymentsOutboxPending: paymentsPending,
          };
          if (total === 0) return { status: 'SKIP', summary: 'no orders yet', counts };
          if (rows.length === 0 && ordersPending === 0 && paymentsPending === 0)
            return {
              status: 'PASS',
              summary: `${total} orders: every one older than ${openForMs} ms is final; both outboxes drained`,
              counts,
            };
          return {
            status: 'FAIL',
            summary: `${rows.length} orders still open after ${openForMs} ms; outbox rows pending: orders ${ordersPending}, payments ${paymentsPending}`,
            counts,
            evidence: rows.slice(0, 10).map((r) => ({
              source: 'row' as const,
              ref: `orders ${r.id}`,
              detail: `still ${r.status} after ${(Number(r.age_ms) / 1000).toFixed(1)} s`,
              entity: r.id,
            })),
          };
        }),
    },
    {
      id: 'exactly-once',
      run: (ctx) =>
        onDatabase(paymentsDatabaseUrl(ctx), async (db) => {
          const { rows } = await db.query<{ order_id: string; completed: string; debits: string; total: string }>(
            `WITH p AS (SELECT order_id, count(*) FILTER (WHERE status = 'completed') AS completed FROM payments GROUP BY order_id),
                  d AS (SELECT order_id, count(*) AS debits, sum(amount) AS total FROM ledger WHERE kind = 'debit' GROUP BY order_id)
             SELECT COALESCE(p.order_id, d.order_id)::text AS order_id, COALESCE(p.completed, 0)::text AS completed,
                    COALESCE(d.debits, 0)::text AS debits, COALESCE(d.total, 0)::text AS total
             FROM p FULL JOIN d ON p.order_id = d.order_id`,
          );
          const bad = rows.filter((r) => Number(r.completed) > 1 || Number(r.debits) > 1);
          const counts = {
            orders: rows.length,
            paidTwice: bad.filter((r) => Number(r.completed) > 1).length,
            debitedTwice: bad.filter((r) => Number(r.debits) > 1).length,
          };
          if (rows.length === 0) return { status: 'SKIP', summary: 'no payments yet: create some orders', counts };
          if (bad.length === 0)
            return { status: 'PASS', summary: `${rows.length} orders, each paid and debited at most once`, counts };
          return {
            status: 'FAIL',
            summary: `${bad.length} of ${rows.length} orders paid or debited more than once`,
            counts,
            evidence: bad.slice(0, 10).map((r) => ({
              source: 'row' as const,
              ref: `payments/ledger order ${r.order_id}`,
              detail: `${r.completed} completed payments, ${r.debits} debits (${money(r.total)} taken)`,
              entity: r.order_id,
            })),
          };
        }),
    },
    {
      id: 'money-conserved',
      run: (ctx) =>
        onDatabase(paymentsDatabaseUrl(ctx), async (db) => {
          const { rows } = await db.query<{
            user_id: string;
            balance: string;
            topups: string;
            paid: string;
            ledger: string;
          }>(
            `SELECT a.user_id::text AS user_id, a.balance::text AS balance,
               (SELECT COALESCE(sum(amount), 0) FROM ledger l WHERE l.account_id = a.id AND kind = 'topup')::text AS topups,
               (SELECT COALESCE(sum(amount), 0) FROM payments p WHERE p.user_id = a.user_id AND p.status = 'completed')::text AS paid,
               (SELECT COALESCE(sum(CASE WHEN kind = 'topup' THEN amount ELSE -amount END), 0) FROM ledger l WHERE l.account_id = a.id)::text AS ledger
             FROM accounts a`,
          );
          const cents = (v: string) => Math.round(Number(v) * 100);
          const bad = rows.filter(
            (r) => cents(r.balance) !== cents(r.topups) - cents(r.paid) || cents(r.balance) !== cents(r.ledger),
          );
          const counts = { accounts: rows.length, unbalanced: bad.length };
          if (rows.length === 0) return { status: 'SKIP', summary: 'no accounts yet', counts };
          if (bad.length === 0)
            return {
              status: 'PASS',
              summary: `${rows.length} accounts: balance = top-ups − payments = ledger`,
              counts,
            };
          return {
            status: 'FAIL',
            summary: `${bad.length} of ${rows.length} accounts do not add up`,
            counts,
            evidence: bad.slice(0, 10).map((r) => ({
              source: 'row' as const,
              ref: `accounts user ${r.user_id}`,
              detail: `balance ${money(r.balance)}, top-ups ${money(r.topups)} − completed payments ${money(r.paid)} = ${money(cents(r.topups) / 100 - cents(r.paid) / 100)}, ledger ${money(r.ledger)}`,
            })),
          };
        }),
    },
  ];
}
