// The checks matrix of Lab C: every check PASSes against the correct services (payments ×3, orders ×2, the gateway),
// the module's faults leave nothing lost, nothing paid twice and money conserved, and each broken mode FAILs the checks
// it names (services/lab-c/broken-modes.ts → LABS.md's invariants → the manifest's `breaks`) with evidence that points
// at the bug, driven by the fault that opens its race (kill-payments for inbox-mark-outside-tx, race-payments for
// no-claim-lock and lost-update-balance, check 4's database outage for commit-on-error); check 5 FAILs in the bad-setup
// case of LABS.md, an orders replica (orders-3) that does not subscribe to the SSE channel. One console on the shared
// stack with a prefix, databases, a Redis channel and ports of its own. Prints the matrix (check × case) to stderr.
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { withDatabase } from '../../services/shared/database.js';
import { waitFor } from '../../services/shared/wait.js';
import { LAB_C_BROKEN_MODES } from '../../services/lab-c/broken-modes.js';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import { createConsole, type Console } from '../../main/console/create-console.js';
import { createLabC } from '../../main/console/labs/lab-c/index.js';
import { LAB_C_CHECK_LIST } from '../../main/console/labs/lab-c/checks.js';
import { fundedUser, labCHttp } from '../../main/console/labs/lab-c/active-checks.js';
import type { CheckResult } from '../../main/console/contract/console-api.js';
import type { LabModule } from '../../main/console/labs/types.js';
import { endpoints, uniqueName } from './support/index.js';
import { callerOf, freePort, sharedStackProvider } from './support/test-provider.js';
import { REPO_ROOT, testKafka } from './lab-d/harness.js';
import { MatrixTable } from './checks/lab-d-console.js';
import { LinkProxy } from '../../main/console/faults/link-proxy.js';

const started = Date.now();
const ALL = LAB_C_CHECK_LIST.map((c) => c.id);
const PASSIVE = ['orders-final', 'exactly-once', 'money-conserved'];
const PAYMENTS = ['payments-1', 'payments-2', 'payments-3'];
const CORRECT = [...PAYMENTS, 'orders-1', 'orders-2', 'gateway'];
const table = new MatrixTable(ALL);
const failures: string[] = [];
const prefix = `${uniqueName('matrix-c')}.`;
const dbPrefix = uniqueName('es_matrix_c', '_').slice(0, 40);
let admin: Admin;
let gateway = '';
let console_: Console;
let lab: LabModule;
/** the services' database links (the module's own listen from its creation; these are listening before it starts) */
const links = { orders: new LinkProxy(), payments: new LinkProxy() };
const done: CheckResult[] = [];
const call = callerOf(() => console_);

const show = (r: CheckResult | undefined) =>
  r === undefined
    ? 'no result'
    : `${r.status}: ${r.summary}\n${r.evidence.map((e) => `  ${e.ref}: ${e.detail}`).join('\n')}`;
const details = (r: CheckResult) => r.evidence.map((e) => `${e.ref}: ${e.detail}`).join('\n');

function expectStatus(r: CheckResult | undefined, status: string): CheckResult {
  expect(r?.status, show(r)).toBe(status);
  return r!;
}

/** runs checks one after another (the active ones drive the services), records each under `kase` */
async function run(ids: string[], kase: string): Promise<Map<string, CheckResult>> {
  const out = new Map<string, CheckResult>();
  for (const id of ids) {
    const { runId } = await call('checks:run', { checks: [id] });
    const r = await waitFor(() => done.find((x) => x.runId === runId), {
      timeoutMs: 180_000,
      intervalMs: 100,
      what: `check ${id}`,
    });
    table.add(kase, r.check, r.status, r.finishedAt - r.startedAt);
    if (r.status === 'FAIL') failures.push(`${r.check} × ${kase}: ${r.summary}\n    ${details(r).split('\n')[0]}`);
    out.set(id, r);
  }
  return out;
}

async function listening(instance: string, since: number): Promise<void> {
  await waitFor(
    async () => {
      const { lines } = await call('services:logs', { instance, lines: 300 });
      const state = (await call('services:list')).instances.find((i) => i.instance === instance)?.state;
      if (state === 'exited' || state === 'stopped')
        throw new Error(`${instance} ${state}: ${lines.map((l) => l.text).join('\n')}`);
      if (lines.some((l) => l.at >= since && l.kind === 'lifecycle' && l.text.includes('"listening"'))) return true;
      throw new Error(
        `${instance} ${state}; its last lines:\n${lines
          .slice(-12)
          .map((l) => l.text.slice(0, 300))
          .join('\n')}`,
      );
    },
    { timeoutMs: 90_000, intervalMs: 100, what: `${instance} listening` },
  );
}

/** restarts the payments replicas in `mode` (null: correct) and waits until each listens again */
async function payments(mode: string | null): Promise<void> {
  const since = Date.now();
  await Promise.all(PAYMENTS.map((instance) => call('services:restart', { instance, brokenMode: mode })));
  await Promise.all(PAYMENTS.map((i) => listening(i, since)));
}

const fault = async (id: string, args: Record<string, string | number> = {}) =>
  (await call('faults:run', { fault: id, args })).result;

/** the payments group has consumed orders-events to its end; when it does not, the error says where it stands */
async function paymentsCaughtUp(): Promise<void> {
  const topic = `${prefix}orders-events`;
  const groupId = `${prefix}payments-service-group`;
  let behind = '';
  try {
    await waitFor(
      async () => {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const at = (p: number) => committed?.partitions.find((c) => c.partition === p)?.offset;
        behind = ends.map((e) => `p${e.partition} ${at(e.partition)}/${e.high}`).join(', ');
        // a partition without records has nothing to commit: it keeps the reset's -2 (earliest), as CI saw
        const done = (e: { partition: number; low: string; high: string }) =>
          at(e.partition) === e.high || (e.low === e.high && Number(at(e.partition) ?? -1) < 0);
        return ends.every(done) || undefined;
      },
      { timeoutMs: 120_000, intervalMs: 300, what: 'the payments group at the end of orders-events' },
    );
  } catch (err) {
    const group = (await admin.describeGroups([groupId]).catch(() => undefined))?.groups[0];
    const { instances } = await call('services:list');
    const tails = await Promise.all(
      PAYMENTS.map(async (instance) => {
        const { lines } = await call('services:logs', { instance, lines: 8 });
        const state = instances.find((i) => i.instance === instance)?.state;
        return `${instance} (${state}):\n${lines.map((l) => `  ${l.text.slice(0, 300)}`).join('\n')}`;
      }),
    );
    throw new Error(
      `${(err as Error).message}; committed/end: ${behind}; group ${group?.state ?? '?'} with ${group?.members.length ?? '?'} members\n${tails.join('\n')}`,
    );
  }
}

beforeAll(async () => {
  admin = testKafka(endpoints().kafka.brokers).admin();
  await admin.connect();
  const ports = await Promise.all(Array.from({ length: 7 }, () => freePort()));
  gateway = `http://127.0.0.1:${ports[0]}`;
  await Promise.all([links.orders.start(), links.payments.start()]);
  lab = createLabC(
    {
      EVENTSCOPE_LAB_C_PREFIX: prefix,
      EVENTSCOPE_LAB_C_DATABASE_PREFIX: dbPrefix,
      EVENTSCOPE_LAB_C_GATEWAY_PORT: String(ports[0]),
      EVENTSCOPE_LAB_C_ORDERS_PORTS: ports.slice(1, 4).join(','),
      EVENTSCOPE_LAB_C_PAYMENTS_PORTS: ports.slice(4).join(','),
      EVENTSCOPE_LAB_C_SSE_CHANNEL: `${prefix}sse-updates`,
      EVENTSCOPE_LAB_C_FUNDS_WINDOW_MS: '500',
      EVENTSCOPE_LAB_C_FINAL_GRACE_MS: '5000',
      EVENTSCOPE_LAB_C_SESSION_TIMEOUT_MS: '6000',
      EVENTSCOPE_LAB_C_SSE_UNSUBSCRIBED: 'orders-3',
    },
    { links },
  );
  console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, { EVENTSCOPE_POLL_MS: '500' }),
    provider: sharedStackProvider(['kafka', 'postgres', 'redis']),
    logger: createMemoryLogger('console').logger,
    mode: 'web',
    version: 'test',
    labs: [lab],
  });
  console_.subscribe((e) => {
    if (e.name === 'checks:done') done.push(e.payload.result);
  });
  await console_.start();
  await call('labs:select', { lab: 'lab-c' });
  // the replicas together (each creates the topics it needs), then the gateway
  for (const wave of [CORRECT.filter((i) => i !== 'gateway'), ['gateway']]) {
    const since = Date.now();
    await Promise.all(wave.map((instance) => call('services:start', { instance })));
    await Promise.all(wave.map((i) => listening(i, since)));
  }
}, 200_000);

afterAll(async () => {
  await console_?.stop();
  await Promise.allSettled([links.orders.stop(), links.payments.stop()]);
  const pgAdmin = new pg.Client({ connectionString: endpoints().postgres.url });
  pgAdmin.on('error', () => undefined);
  await pgAdmin.connect().then(
    async () => {
      for (const s of ['orders', 'payments'])
        await pgAdmin.query(`DROP DATABASE IF EXISTS "${dbPrefix}_${s}" WITH (FORCE)`).catch(() => undefined);
      await pgAdmin.end();
    },
    () => undefined,
  );
  if (admin !== undefined) {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  }
  process.stderr.write(
    `\n[checks-matrix lab-c] ${((Date.now() - started) / 1000).toFixed(0)} s\n${table.render()}\n\n${failures.join('\n')}\n\n`,
  );
});

describe('checks matrix: Lab C on the shared stack', () => {
  it('the manifest: every broken mode names checks; every check but sse-streams (a bad setup) is named by one', () => {
    expect(lab.manifest.checks.map((x) => x.id)).toEqual(ALL);
    expect(lab.checks?.map((x) => x.id)).toEqual(ALL);
    expect(lab.manifest.brokenModes.map((m) => m.id)).toEqual(LAB_C_BROKEN_MODES.map((m) => m.id));
    for (const m of lab.manifest.brokenModes) expect(m.breaks.length, m.id).toBeGreaterThan(0);
    const named = new Set(lab.manifest.brokenModes.flatMap((m) => m.breaks));
    expect([...named].sort()).toEqual(ALL.filter((c) => c !== 'sse-streams').sort());
    expect(lab.manifest.faults.map((f) => f.id)).toEqual(lab.faults?.map((f) => f.id));
  });

  it('correct services: every check passes', async () => {
    const results = await run(['no-loss-outage', 'sse-streams', ...PASSIVE], 'correct');
    for (const id of ALL) expectStatus(results.get(id), 'PASS');
    expect(results.get('sse-streams')?.counts).toMatchObject({ streams: 2, orders: 4, missing: 0, foreign: 0 });
    expect(results.get('no-loss-outage')?.counts).toMatchObject({ orders: 3, open: 0 });
    // payments tried the events while its database was away (a member gives up its batch at the first failure)
    expect(results.get('no-loss-outage')?.counts?.tried).toBeGreaterThan(0);
  }, 240_000);

  it('faults on the correct services: nothing lost, nothing paid twice, money conserved', async () => {
    expect(await fault('duplicate-event')).toMatch(/^re-sent an event on .*orders-events p\d@\d+/);
    const reset = await fault('reset-payments-group');
    expect(reset).toMatch(
      /^stopped payments-1, payments-2, payments-3; reset .*payments-service-group on .*orders-events/,
    );
    await paymentsCaughtUp();
    const killed = await fault('kill-payments', { pauseMs: 3000 });
    expect(killed).toMatch(
      /^killed payments-\d \(pid \d+\) paused before-commit on order [0-9a-f-]{36}; .*: the order is paid, 1 payment row, 1 debit$/,
    );
    const raced = await fault('race-payments', { pauseMs: 1500 });
    expect(raced).toMatch(/: the order is paid, 1 payment row, 1 debit$/);
    // the orders database away while its payment event comes: the order is paid once it is back
    const user = await fundedUser(`${gateway}`, 2000);
    const order = await labCHttp<{ id: string }>('POST', `${gateway}/orders-api/orders`, { user_id: user });
    // its order.created must be out of orders' outbox first (the relay needs that database too)
    const ordersDb = new pg.Client({ connectionString: withDatabase(endpoints().postgres.url, `${dbPrefix}_orders`) });
    await ordersDb.connect();
    try {
      await waitFor(
        async () =>
          (
            await ordersDb.query(
              'SELECT 1 FROM orders_outbox WHERE aggregate_id = $1 AND sent_at IS NOT NULL AND event_type = $2',
              [order.id, 'order.created'],
            )
          ).rowCount === 1 || undefined,
        { timeoutMs: 20_000, intervalMs: 50, what: `the order.created of ${order.id} published` },
      );
    } finally {
      await ordersDb.end();
    }
    expect(await fault('db-link-cut', { service: 'orders' })).toMatch(/^orders' link to its database cut/);
    try {
      await waitFor(
        async () => {
          for (const instance of PAYMENTS) {
            const { lines } = await call('services:logs', { instance, lines: 500 });
            if (lines.some((l) => l.text.includes('"payment_committed"') && l.text.includes(order.id))) return true;
          }
          return undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: `the payment of ${order.id} while orders' database is away` },
      );
    } finally {
      await fault('db-link-restore', { service: 'orders' });
    }
    await waitFor(
      async () =>
        (await labCHttp<{ status: string }>('GET', `${gateway}/orders-api/orders/${order.id}`)).status === 'paid' ||
        undefined,
      { timeoutMs: 60_000, intervalMs: 300, what: `${order.id} paid after orders' database came back` },
    );
    const results = await run(PASSIVE, 'faults (correct)');
    for (const id of PASSIVE) expectStatus(results.get(id), 'PASS');
  }, 300_000);

  it('bad setup: an orders replica not subscribed to the SSE channel fails sse-streams', async () => {
    const since = Date.now();
    await call('services:start', { instance: 'orders-3' });
    await listening('orders-3', since);
    try {
      const five = expectStatus((await run(['sse-streams'], 'bad setup')).get('sse-streams'), 'FAIL');
      expect(five.counts?.missing).toBeGreaterThan(0);
      expect(five.counts?.foreign).toBe(0);
      expect(details(five)).toMatch(
        /stream of user [0-9a-f-]{36} on orders-3: never got order [0-9a-f-]{36} (created|paid)/,
      );
      expect(details(five)).not.toMatch(/on orders-[12]:/);
    } finally {
      await call('services:stop', { instance: 'orders-3' });
    }
  }, 180_000);

  it('commit-on-error fails no-loss-outage and orders-final: the order of the outage is given up', async () => {
    await payments('commit-on-error');
    const results = await run(['no-loss-outage', 'orders-final'], 'commit-on-error');
    const four = expectStatus(results.get('no-loss-outage'), 'FAIL');
    expect(four.counts?.open).toBeGreaterThan(0);
    expect(details(four)).toMatch(/accepted during payments' database outage, still created .* gave its event up/);
    const one = expectStatus(results.get('orders-final'), 'FAIL');
    const lost = four.evidence.map((e) => e.entity);
    expect(one.evidence.map((e) => e.entity)).toEqual(expect.arrayContaining(lost));
  }, 240_000);

  // before no-claim-lock: that mode drops the unique order_id and leaves orders paid twice, and this one's payment
  // insert (ON CONFLICT (order_id) DO NOTHING) needs the unique index back
  it('inbox-mark-outside-tx fails exactly-once and money-conserved: a kill between the commit and the mark', async () => {
    await payments('inbox-mark-outside-tx');
    const killed = await fault('kill-payments', { pauseMs: 3000 });
    expect(killed).toMatch(/paused before-mark on order/);
    const order = /on order ([0-9a-f-]{36})/.exec(killed)?.[1];
    // the redelivered event is paid again once a replica takes its partition
    const results = await waitFor(
      async () => {
        const r = await run(['exactly-once', 'money-conserved'], 'inbox-mark-outside-tx');
        return r.get('exactly-once')?.evidence.some((e) => e.entity === order) ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `the second debit of ${order}` },
    );
    const two = expectStatus(results.get('exactly-once'), 'FAIL');
    expect(details(two)).toMatch(new RegExp(`order ${order}: 1 completed payments, 2 debits`));
    const three = expectStatus(results.get('money-conserved'), 'FAIL');
    expect(details(three)).toMatch(/balance [\d.]+, top-ups [\d.]+ − completed payments [\d.]+ = [\d.]+, ledger/);
  }, 180_000);

  it('no-claim-lock fails exactly-once: the replicas racing on one order all pay it', async () => {
    await payments('no-claim-lock');
    const raced = await fault('race-payments', { pauseMs: 1500 });
    const order = /order ([0-9a-f-]{36}) held/.exec(raced)?.[1];
    expect(raced).toMatch(/[2-9] payment rows, [2-9] debits$/);
    const two = expectStatus((await run(['exactly-once'], 'no-claim-lock')).get('exactly-once'), 'FAIL');
    expect(two.evidence.map((e) => e.entity)).toContain(order);
    expect(details(two)).toMatch(/[2-9] completed payments, [2-9] debits/);
  }, 180_000);

  it('lost-update-balance fails money-conserved: a top-up overwritten by a debit', async () => {
    await payments('lost-update-balance');
    const before = (await run(['money-conserved'], 'lost-update (before)')).get('money-conserved')!;
    const raced = await fault('race-payments', { pauseMs: 1500 });
    expect(raced).toMatch(/: the order is paid, 1 payment row, 1 debit$/);
    const three = expectStatus((await run(['money-conserved'], 'lost-update-balance')).get('money-conserved'), 'FAIL');
    expect(three.counts?.unbalanced).toBeGreaterThan(before.counts?.unbalanced ?? 0);
  }, 180_000);
});
