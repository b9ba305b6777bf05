// The checks matrix of Lab B: every check PASSes against the correct services, each broken mode FAILs the check it
// names with evidence that points at the bug, and check 1 FAILs in the bad-setup case of LABS.md
// (security.failed-logins also bound to auth.login.*). Two consoles, started side by side:
// - one on the shared RabbitMQ and Postgres (a unique prefix and database, all seven instances): durability ends SKIP
//   there (its declarations and messages are right, and the shared node is never restarted); a mode is switched on by
//   restarting only the instance(s) it changes, the four consumer/publisher modes at once (each on another service);
// - one on a RabbitMQ node of the test's own (the local provider's own node on ports of its own and its own folders,
//   started and stopped here; audit, users and auth only): durability through real restarts, PASS correct, FAIL
//   non-durable with the messages lost. These two cases run in the background while the first console's run.
// Prints the matrix to stderr (EVENTSCOPE_MATRIX_VERBOSE=1: every result with its evidence).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../services/shared/app-error.js';
import { EXCHANGES, QUEUES } from '../../services/lab-b/schema.js';
import { LAB_B_CHECK_LIST } from '../../main/console/labs/lab-b/checks/catalog.js';
import type { CheckResult } from '../../main/console/contract/console-api.js';
import { LocalStackProvider } from '../../main/console/stack/local/provider.js';
import type { StackEndpoints, StackProvider } from '../../main/console/stack/types.js';
import { endpoints } from './support/index.js';
import { isPortOpen } from '../../main/console/stack/local/process.js';
import { MatrixTable } from './checks/lab-d-console.js';
import { sharedRabbitProvider, startLabBConsole, type LabBConsole } from './checks/lab-b-console.js';

const started = Date.now();
const table = new MatrixTable(LAB_B_CHECK_LIST.map((c) => c.id));

function record(caseName: string | ((check: string) => string), results: CheckResult[]): Map<string, CheckResult> {
  for (const r of results) {
    table.add(
      typeof caseName === 'string' ? caseName : caseName(r.check),
      r.check,
      r.status,
      r.finishedAt - r.startedAt,
    );
    if (process.env.EVENTSCOPE_MATRIX_VERBOSE) process.stderr.write(`\n[${r.check}] ${show(r)}\n`);
  }
  return new Map(results.map((r) => [r.check, r]));
}

const show = (r: CheckResult | undefined) =>
  r === undefined
    ? 'no result'
    : `${r.status}: ${r.summary}\n${r.evidence.map((e) => `  ${e.ref}: ${e.detail}`).join('\n')}`;

function expectStatus(r: CheckResult | undefined, status: string): CheckResult {
  expect(r?.status, show(r)).toBe(status);
  return r!;
}

const details = (r: CheckResult) => r.evidence.map((e) => `${e.ref}: ${e.detail}`).join('\n');

/** the console on the shared broker */
let c: LabBConsole;
/** the console on the test's own node, and that node */
let r: LabBConsole;
let own: LocalStackProvider;
const ownDir = mkdtempSync(path.join(tmpdir(), 'eventscope-lab-b-matrix-'));

/**
 * Eventscope's own RabbitMQ node, the only broker this test may stop and start; on ports below the kernel's ephemeral
 * range (as the other tests that stop and start servers), so that no outgoing connection takes one between restarts.
 */
const OWN_PORTS = { rabbitmq: 29691, rabbitmqManagement: 29692, rabbitmqDist: 29693 };
async function ownNodeProvider(): Promise<StackProvider> {
  for (const port of Object.values(OWN_PORTS))
    if (await isPortOpen(port)) throw new Error(`port ${port} is taken: another run of this matrix?`);
  const ports = OWN_PORTS;
  own = new LocalStackProvider({ owner: 'tests', dir: ownDir, stateDir: ownDir, ports, rabbitmqNode: 'own' });
  await own.startComponent('rabbitmq');
  const where = (): StackEndpoints => ({ ...endpoints(), rabbitmq: own.endpoints().rabbitmq });
  const onlyRabbit = (name: string, work: () => Promise<void>) =>
    name === 'rabbitmq'
      ? work()
      : Promise.reject(new AppError('CONFLICT', `${name} is shared by every test run: never stopped here`));
  return {
    ...sharedRabbitProvider(where),
    stopComponent: (name) => onlyRabbit(name, () => own.stopComponent('rabbitmq')),
    startComponent: (name) => onlyRabbit(name, () => own.startComponent('rabbitmq')),
  };
}

beforeAll(async () => {
  await Promise.all([
    (async () => {
      c = await startLabBConsole();
      await c.startAll();
    })(),
    (async () => {
      r = await startLabBConsole({ provider: await ownNodeProvider() });
      await r.startIn(['audit', 'users', 'auth'], null);
      // the restart cases run on their own console while the shared broker's cases run (their tests read the results)
      restartCases = runRestartCases();
      restartCases.catch(() => undefined); // awaited by the tests below
    })(),
  ]);
}, 150_000);

/** Durability on the test's own node: correct, then audit and auth in the non-durable mode. */
let restartCases: Promise<{ correct: CheckResult; nonDurable: CheckResult }>;
async function runRestartCases(): Promise<{ correct: CheckResult; nonDurable: CheckResult }> {
  const correct = record('correct (restart)', await r.runChecks(['durability'])).get('durability')!;
  await Promise.all(['audit', 'auth'].map((instance) => r.call('services:stop', { instance })));
  // the mode declares audit's queues otherwise: the durable ones must go first (406 otherwise)
  const ch = await r.world.channel();
  for (const q of [QUEUES.auditAuth, QUEUES.failedLogins]) await ch.deleteQueue(r.world.name(q));
  await r.startIn(['audit', 'auth'], 'non-durable');
  const nonDurable = record('non-durable (restart)', await r.runChecks(['durability'])).get('durability')!;
  return { correct, nonDurable };
}

afterAll(async () => {
  await Promise.allSettled([c?.stop(), r?.stop()]);
  await own?.down({ only: ['rabbitmq'] });
  rmSync(ownDir, { recursive: true, force: true });
  process.stderr.write(
    `\n[checks-matrix lab-b] ${((Date.now() - started) / 1000).toFixed(0)} s\n${table.render()}\n\n`,
  );
});

describe('checks matrix: Lab B on the shared RabbitMQ', () => {
  it('correct services: every check passes; durability says its restart was not done on the shared node', async () => {
    const ids = LAB_B_CHECK_LIST.map((x) => x.id);
    const results = record('correct', await c.runChecks(ids));
    for (const id of ids.filter((x) => x !== 'durability')) expectStatus(results.get(id), 'PASS');
    const three = expectStatus(results.get('durability'), 'SKIP');
    expect(three.counts).toMatchObject({ nonDurable: 0, transient: 0 });
    expect(three.summary).toMatch(/restart itself was not done: rabbitmq is shared by every test run/);
    expect(details(three)).toMatch(/user_registered.*finding .*not durable, as the seed declares it/s);
    const four = results.get('redelivery')!;
    expect(four.counts.held).toBeGreaterThan(0);
    expect(four.counts.redelivered).toBe(four.counts.held);
  }, 120_000);

  it('bad setup: security.failed-logins also bound to auth.login.* fails routing', async () => {
    const ch = await c.world.channel();
    const queue = c.world.name(QUEUES.failedLogins);
    const exchange = c.world.name(EXCHANGES.auth);
    await ch.bindQueue(queue, exchange, 'auth.login.*');
    try {
      const one = expectStatus(record('bad setup', await c.runChecks(['routing'])).get('routing'), 'FAIL');
      expect(one.counts).toMatchObject({ misrouted: 1, missing: 0, lost: 0, duplicated: 0, consumers: 2 });
      expect(details(one)).toMatch(/a succeeded login reached .*security\.failed-logins/);
    } finally {
      await ch.unbindQueue(queue, exchange, 'auth.login.*');
    }
  }, 60_000);

  it('broken modes, one per consumer or publisher at once: no-dedupe (audit) fails audit-matches-logins, no-mandatory (auth) unroutable, auto-ack (notification-1) redelivery, requeue-poison (reports) poison', async () => {
    await Promise.all([
      c.restartIn(['audit'], 'no-dedupe'),
      c.restartIn(['auth'], 'no-mandatory'),
      // the instance the check kills (the first notification instance); the other one stays correct
      c.restartIn(['notification-1'], 'auto-ack'),
      c.restartIn(['reports'], 'requeue-poison'),
    ]);
    const mode: Record<string, string> = {
      'audit-matches-logins': 'no-dedupe',
      unroutable: 'no-mandatory',
      redelivery: 'auto-ack',
      poison: 'requeue-poison',
    };
    const byId = record((check) => mode[check] ?? '?', await c.runChecks(Object.keys(mode)));

    const two = expectStatus(byId.get('audit-matches-logins'), 'FAIL');
    expect(two.counts.duplicated).toBeGreaterThan(0);
    expect(details(two)).toMatch(/2 audit rows for one event id \(after its second copy/);

    const five = expectStatus(byId.get('unroutable'), 'FAIL');
    expect(five.counts.dropped).toBe(1);
    expect(details(five)).toMatch(/mandatory off: the broker dropped it/);

    const four = expectStatus(byId.get('redelivery'), 'FAIL');
    expect(four.counts.lost).toBeGreaterThan(0);
    expect(details(four)).toMatch(
      /acked at once \(auto-ack\), never notified by anyone: lost with the killed instance/,
    );

    const six = expectStatus(byId.get('poison'), 'FAIL');
    expect(six.counts.looping).toBe(1);
    expect(details(six)).toMatch(/reports\.vacation is not in .*lab-b\.dead: requeued \d+ times .*it loops/);
  }, 120_000);

  it('non-durable (vacation, auth) fails durability: a work queue and the messages would not survive a restart', async () => {
    await c.call('services:stop', { instance: 'vacation' });
    // the mode declares vacation's queue otherwise: the durable one must go first (406 otherwise)
    await (await c.world.channel()).deleteQueue(c.world.name(QUEUES.vacationUsers));
    await Promise.all([c.startIn(['vacation'], 'non-durable'), c.restartIn(['auth'], 'non-durable')]);
    const three = expectStatus(record('non-durable', await c.runChecks(['durability'])).get('durability'), 'FAIL');
    expect(three.counts).toMatchObject({ nonDurable: 1, transient: 1 });
    expect(details(three)).toMatch(/vacation\.users: NOT durable: the broker refused a durable declaration/);
    expect(details(three)).toMatch(/auth publishes transient messages/);
  }, 90_000);
});

describe("checks matrix: Lab B's durability through restarts of a RabbitMQ node of the test's own", () => {
  it('correct services: what audit held in the durable queues comes back, redelivered, after the restart', async () => {
    const three = expectStatus((await restartCases).correct, 'PASS');
    expect(three.counts).toMatchObject({ nonDurable: 0, transient: 0, held: 6, back: 6, lost: 0 });
    expect(details(three)).toMatch(/audit\.auth: 3 held unacked at the restart, 3 redelivered after it/);
    expect(details(three)).toMatch(/user_registered: finding .*not durable, as the seed declares it: [12] lost/);
  }, 120_000);

  it('non-durable (audit, auth): the queues and their messages are gone after the restart', async () => {
    const three = expectStatus((await restartCases).nonDurable, 'FAIL');
    expect(three.counts).toMatchObject({ nonDurable: 2, transient: 1 });
    expect(three.counts.lost).toBeGreaterThan(0);
    expect(details(three)).toMatch(/audit\.auth: 3 held unacked at the restart, 0 redelivered after it: 3 lost/);
  }, 120_000);
});
