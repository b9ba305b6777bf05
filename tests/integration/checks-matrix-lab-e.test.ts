// The checks matrix of Lab E: every check PASSes against the correct services, and each broken mode FAILs the check it
// names (services/lab-e/broken-modes.ts → LABS.md's invariant numbers → the manifest's `breaks`), with evidence that
// points at the bug. One console on the shared stack with a prefix, databases and ports of its own; the five services
// are child processes. Broken modes of different services that break different checks are run in one round (one
// restart each at once) to keep the matrix short; each check is asserted only against the mode that names it. Prints
// the matrix (check × mode) to stderr.
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_E_CHECK_LIST } from '../../main/console/labs/lab-e/checks/catalog.js';
import type { CheckResult } from '../../main/console/contract/console-api.js';
import { BROKEN_MODES } from '../../services/lab-e/broken-modes.js';
import { endpoints } from './support/index.js';
import { waitFor } from '../../services/shared/wait.js';
import { testKafka } from './lab-d/harness.js';
import { MatrixTable } from './checks/lab-d-console.js';
import { startLabEConsole, type LabEConsole } from './checks/lab-e-console.js';

const started = Date.now();
const ALL = LAB_E_CHECK_LIST.map((c) => c.id);
const table = new MatrixTable(ALL);
let admin: Admin;
let c: LabEConsole;
let startMs = 0;
/** each FAIL's summary and first evidence row, printed under the table */
const failures: string[] = [];

const show = (r: CheckResult | undefined) =>
  r === undefined
    ? 'no result'
    : `${r.status}: ${r.summary}\n${r.evidence.map((e) => `  ${e.ref}: ${e.detail}`).join('\n')}`;

function expectStatus(r: CheckResult | undefined, status: string): CheckResult {
  expect(r?.status, show(r)).toBe(status);
  return r!;
}

const details = (r: CheckResult) => r.evidence.map((e) => `${e.ref}: ${e.detail}`).join('\n');

/** runs the checks, records each under the mode that names it (or `correct`) */
async function run(ids: string[], caseOf: (check: string) => string): Promise<Map<string, CheckResult>> {
  const results = await c.runChecks(ids);
  for (const r of results) {
    table.add(caseOf(r.check), r.check, r.status, r.finishedAt - r.startedAt);
    if (r.status === 'FAIL')
      failures.push(`${r.check} × ${caseOf(r.check)}: ${r.summary}\n    ${details(r).split('\n')[0]}`);
  }
  return new Map(results.map((r) => [r.check, r]));
}

/** the mode that names a check in the manifest */
const modeOf = (check: string) => c.lab.manifest.brokenModes.find((m) => m.breaks.includes(check))!.id;

beforeAll(async () => {
  admin = testKafka(endpoints().kafka.brokers).admin();
  await admin.connect();
  c = await startLabEConsole(admin, 'matrix-e');
  const t0 = Date.now();
  await c.startAll();
  startMs = Date.now() - t0;
}, 90_000);

afterAll(async () => {
  await c?.stop();
  await admin?.disconnect();
  process.stderr.write(
    `\n[checks-matrix lab-e] ${((Date.now() - started) / 1000).toFixed(0)} s (five services started in ${(startMs / 1000).toFixed(1)} s)\n${table.render()}\n\n${failures.join('\n')}\n\n`,
  );
});

describe('checks matrix: Lab E on the shared stack', () => {
  it('the manifest: every broken mode names checks, every check is named by a broken mode', () => {
    expect(c.lab.manifest.checks.map((x) => x.id)).toEqual(ALL);
    expect(c.lab.checks?.map((x) => x.id)).toEqual(ALL);
    const named = new Set(c.lab.manifest.brokenModes.flatMap((m) => m.breaks));
    expect([...named].sort()).toEqual([...ALL].sort());
    expect(c.lab.manifest.brokenModes.map((m) => m.id)).toEqual(BROKEN_MODES.map((m) => m.id));
    expect(c.lab.manifest.views).toContain('checks');
  });

  it('correct services: every check passes', async () => {
    const results = await run(ALL, () => 'correct');
    for (const id of ALL) expectStatus(results.get(id), 'PASS');
  }, 120_000);

  it("faults: a topic's events replayed as duplicates, a TaskAssigned delivered before its TaskCreated", async () => {
    const before = Date.now();
    const replayed = (
      await c.call('faults:run', { fault: 'replay-topic', args: { topic: 'tasks-lifecycle', count: 5 } })
    ).result;
    expect(replayed).toMatch(/^replayed 5 events of .*tasks-lifecycle with their event_ids/);
    const early = (await c.call('faults:run', { fault: 'assigned-before-created' })).result;
    const task = /a new task ([0-9a-f-]{36})/.exec(early)?.[1];
    expect(early, early).toMatch(/, accounting handled it, then its TaskCreated v2 to .*tasks-stream p\d+@\d+/);
    // accounting priced the task on its TaskAssigned, charged one fee, and took the later TaskCreated
    const t = await waitFor(
      async () => {
        const tl = (await c.call('timeline:get', { lab: 'lab-e', entity: task })).timeline;
        return tl?.steps.some((s) => s.step === 'fee') &&
          tl.steps.some((s) => s.step === 'streamed' || s.step === 'consumed')
          ? tl
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: `the fee of task ${task} on its timeline` },
    );
    expect(t.steps.filter((s) => s.step === 'fee')).toHaveLength(1);
    expect(t.steps.some((s) => s.step === 'dead-lettered')).toBe(false);
    // the duplicates: accounting logged them and changed nothing
    await waitFor(
      async () => {
        const { lines } = await c.call('services:logs', { instance: 'accounting', lines: 2000 });
        return lines.filter((l) => l.at >= before && l.text.includes('"type":"duplicate"')).length >= 5 || undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'accounting to log the 5 replayed events as duplicates' },
    );
  }, 60_000);

  it('reroll-price fails price-fixed, any-assignee fails assignee-workers, open-gateway fails gateway-access', async () => {
    await c.restart({ accounting: 'reroll-price', tasks: 'any-assignee', gateway: 'open-gateway' });
    const results = await run(['price-fixed', 'assignee-workers', 'gateway-access'], modeOf);
    const two = expectStatus(results.get('price-fixed'), 'FAIL');
    expect(two.counts.rerolled).toBeGreaterThan(0);
    expect(details(two)).toMatch(/fees \d+, \d+.* the price was drawn again/);
    const eight = expectStatus(results.get('assignee-workers'), 'FAIL');
    expect(eight.counts.notWorker).toBeGreaterThan(0);
    expect(details(eight)).toMatch(
      /assigned to [0-9a-f-]+, an? (manager|admin|accountant) \(.* p\d+@\d+\): only workers/,
    );
    const seven = expectStatus(results.get('gateway-access'), 'FAIL');
    expect(details(seven)).toMatch(/POST \/tasks\/reshuffle as worker: answered 400, want 403/);
    expect(details(seven)).toMatch(/GET \/analytics as worker: answered 200, want 403/);
  }, 120_000);

  it('fee-once fails fee-per-assignment: a reshuffle charges no fee', async () => {
    // tasks stays in any-assignee and the gateway open: neither changes what fee-per-assignment counts
    await c.restart({ accounting: 'fee-once' });
    const results = await run(['fee-per-assignment'], modeOf);
    const three = expectStatus(results.get('fee-per-assignment'), 'FAIL');
    expect(three.counts.wrong).toBeGreaterThan(0);
    expect(details(three)).toMatch(/3 assignments \(.*\), 1 fee charged \(\d+; want 3 × \d+ = \d+\)/);
  }, 90_000);

  it('not-idempotent fails duplicates-and-order: a replayed event is applied again', async () => {
    await c.restart({ accounting: 'not-idempotent' });
    const results = await run(['duplicates-and-order'], modeOf);
    const five = expectStatus(results.get('duplicates-and-order'), 'FAIL');
    expect(five.counts.recharged).toBeGreaterThan(0);
    expect(details(five)).toMatch(/a (fee|reward) of \d+ applied again after its events were replayed/);
  }, 90_000);

  it('v1-only fails task-created-versions, skip-validation fails schema-valid', async () => {
    await c.restart({ accounting: 'v1-only', tasks: 'skip-validation' });
    const results = await run(['task-created-versions', 'schema-valid'], modeOf);
    const six = expectStatus(results.get('task-created-versions'), 'FAIL');
    expect(six.counts).toMatchObject({ v1DeadLettered: 0, v2DeadLettered: 1 });
    expect(details(six)).toMatch(/TaskCreated v2 .* dead-lettered by .*lab-e-accounting as unsupported/);
    const one = expectStatus(results.get('schema-valid'), 'FAIL');
    expect(one.counts.invalid).toBeGreaterThan(0);
    expect(details(one)).toMatch(
      /tasks-lifecycle p\d+@\d+: TaskAssigned v1 from tasks fails its schema: .*assignee_public_id/,
    );
  }, 90_000);

  it('no-carry-over fails ledger-balance: a negative balance wiped at the close', async () => {
    // tasks back to correct: the check needs a worker of its own to be assigned
    await c.restart({ accounting: 'no-carry-over', tasks: null });
    const results = await run(['ledger-balance'], modeOf);
    const four = expectStatus(results.get('ledger-balance'), 'FAIL');
    expect(four.counts.notCarried).toBeGreaterThan(0);
    expect(details(four)).toMatch(/the negative balance -\d+ was wiped at the close without a ledger row/);
  }, 90_000);
});
