// The rest of Lab B's checks matrix: the durability check with a real broker restart. The broker is a RabbitMQ node of
// the test's own (the local provider's own node on free ports and its own folders, started and stopped here); the
// machine's shared node and the dev stack's node are never restarted. Only audit, users and auth run (what the check
// drives). Correct services: the messages audit held unacked in audit.auth and security.failed-logins all come back
// after the restart, redelivered (PASS; user_registered's loss a finding). The non-durable mode: none comes back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../services/shared/app-error.js';
import { QUEUES } from '../../services/lab-b/schema.js';
import type { CheckResult } from '../../main/console/contract/console-api.js';
import { LocalStackProvider } from '../../main/console/stack/local/provider.js';
import type { StackEndpoints, StackProvider } from '../../main/console/stack/types.js';
import { endpoints } from './support/index.js';
import { freePort } from './support/test-provider.js';
import { MatrixTable } from './checks/lab-d-console.js';
import { sharedRabbitProvider, startLabBConsole, type LabBConsole } from './checks/lab-b-console.js';

const started = Date.now();
const table = new MatrixTable(['durability']);
const dir = mkdtempSync(path.join(tmpdir(), 'eventscope-lab-b-restart-'));
let own: LocalStackProvider;
let c: LabBConsole;

const show = (r: CheckResult | undefined) =>
  r === undefined
    ? 'no result'
    : `${r.status}: ${r.summary}\n${r.evidence.map((e) => `  ${e.ref}: ${e.detail}`).join('\n')}`;

async function durability(caseName: string): Promise<CheckResult> {
  const [r] = await c.runChecks(['durability'], 150_000);
  table.add(caseName, 'durability', r!.status, r!.finishedAt - r!.startedAt);
  if (process.env.EVENTSCOPE_MATRIX_VERBOSE) process.stderr.write(`\n[durability] ${show(r)}\n`);
  return r!;
}

const details = (r: CheckResult) => r.evidence.map((e) => `${e.ref}: ${e.detail}`).join('\n');

beforeAll(async () => {
  const ports = { rabbitmq: await freePort(), rabbitmqManagement: await freePort(), rabbitmqDist: await freePort() };
  own = new LocalStackProvider({ owner: 'tests', dir, stateDir: dir, ports, rabbitmqNode: 'own' });
  await own.startComponent('rabbitmq');
  const where = (): StackEndpoints => ({ ...endpoints(), rabbitmq: own.endpoints().rabbitmq });
  const base = sharedRabbitProvider(where);
  const onlyRabbit = (name: string, work: () => Promise<void>) =>
    name === 'rabbitmq'
      ? work()
      : Promise.reject(new AppError('CONFLICT', `${name} is shared by every test run: never stopped here`));
  const provider: StackProvider = {
    ...base,
    stopComponent: (name) => onlyRabbit(name, () => own.stopComponent('rabbitmq')),
    startComponent: (name) => onlyRabbit(name, () => own.startComponent('rabbitmq')),
  };
  c = await startLabBConsole({ provider });
  await c.startIn(['audit', 'users', 'auth'], null);
}, 120_000);

afterAll(async () => {
  await c?.stop();
  await own?.down({ only: ['rabbitmq'] });
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write(
    `\n[checks-matrix lab-b, broker restart] ${((Date.now() - started) / 1000).toFixed(0)} s\n${table.render()}\n\n`,
  );
});

describe("checks matrix: Lab B's durability through a restart of a RabbitMQ node of the test's own", () => {
  it('correct services: what audit held in the durable queues comes back, redelivered, after the restart', async () => {
    const r = await durability('correct (restart)');
    expect(r.status, show(r)).toBe('PASS');
    expect(r.counts).toMatchObject({ nonDurable: 0, transient: 0, held: 6, back: 6, lost: 0 });
    expect(details(r)).toMatch(/audit\.auth: 3 held unacked at the restart, 3 redelivered after it/);
    expect(details(r)).toMatch(/user_registered: finding .*not durable, as the seed declares it: [12] lost/);
  }, 160_000);

  it('non-durable (audit, auth): the queues and their messages are gone after the restart', async () => {
    await Promise.all(['audit', 'auth'].map((instance) => c.call('services:stop', { instance })));
    const ch = await c.world.channel();
    for (const q of [QUEUES.auditAuth, QUEUES.failedLogins]) await ch.deleteQueue(c.world.name(q));
    await c.startIn(['audit', 'auth'], 'non-durable');
    const r = await durability('non-durable (restart)');
    expect(r.status, show(r)).toBe('FAIL');
    expect(r.counts).toMatchObject({ nonDurable: 2, transient: 1 });
    expect(r.counts.lost).toBeGreaterThan(0);
    expect(details(r)).toMatch(/audit\.auth: 3 held unacked at the restart, 0 redelivered after it: 3 lost/);
  }, 160_000);
});
