// The checks matrix of Lab A: every check PASSes against the correct services, and each broken mode FAILs the check it
// names (services/lab-a/broken-modes.ts → LABS.md's invariant numbers → the manifest's `breaks`), with evidence that
// points at the bug. One console on the shared stack with a prefix, database, Redis prefix and port of its own; the API
// and one projector are child processes. The two API modes and the two projector modes break different checks, so
// they run in two rounds of one API mode and one projector mode each; each check is asserted only against the mode
// that names it. Invariant 5's check (kafka-node-down) SKIPs on the shared stack's one broker and runs on KRaft
// clusters of the test's own (tests/integration/lab-a/cluster.ts): PASS on 3 nodes with the lab's RF 2, FAIL in the
// bad setup of LABS.md (RF 1 on the same 3 nodes, partition 0's leader stopped), PASS on 2 nodes. Prints the matrix
// (check × mode) to stderr.
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../main/console/contract/console-api.js';
import { LAB_A_BROKEN_MODES } from '../../services/lab-a/broken-modes.js';
import { endpoints } from './support/index.js';
import { testKafka } from './lab-d/harness.js';
import { MatrixTable } from './checks/lab-d-console.js';
import { API, PROJECTOR, startLabAConsole, type LabAConsole } from './checks/lab-a-console.js';
import { startTestCluster, type TestCluster } from './lab-a/cluster.js';

const started = Date.now();
const ALL = ['consistency-window', 'per-entity-order', 'replay-same-state', 'redis-equals-mongodb'];
const CLUSTER = 'kafka-node-down';
const table = new MatrixTable([...ALL, CLUSTER]);
let admin: Admin;
let c: LabAConsole;
const failures: string[] = [];

const show = (r: CheckResult | undefined) =>
  r === undefined
    ? 'no result'
    : `${r.status}: ${r.summary}\n${r.evidence.map((e) => `  ${e.ref}: ${e.detail}`).join('\n')}`;

function expectStatus(r: CheckResult | undefined, status: string): CheckResult {
  expect(r?.status, show(r)).toBe(status);
  return r!;
}

async function run(
  ids: string[],
  caseOf: (check: string) => string,
  on: LabAConsole = c,
): Promise<Map<string, CheckResult>> {
  const results = await on.runChecks(ids, 180_000);
  for (const r of results) {
    table.add(caseOf(r.check), r.check, r.status, r.finishedAt - r.startedAt);
    if (r.status === 'FAIL' || r.check === CLUSTER)
      failures.push(
        `${r.check} × ${caseOf(r.check)}: ${r.summary}\n    ${r.evidence[0] ? `${r.evidence[0].ref}: ${r.evidence[0].detail}` : ''}`,
      );
  }
  return new Map(results.map((r) => [r.check, r]));
}

const modeOf = (check: string) => c.lab.manifest.brokenModes.find((m) => m.breaks.includes(check))!.id;

beforeAll(async () => {
  admin = testKafka(endpoints().kafka.brokers).admin();
  await admin.connect();
  c = await startLabAConsole(admin, 'matrix-a', {
    EVENTSCOPE_LAB_A_WINDOW_COMMANDS: '50',
    EVENTSCOPE_LAB_A_ACK_TIMEOUT_MS: '2000',
  });
  await c.start({ [API]: null, [PROJECTOR]: null });
}, 60_000);

afterAll(async () => {
  await c?.stop();
  await admin?.disconnect();
  process.stderr.write(
    `\n[checks-matrix lab-a] ${((Date.now() - started) / 1000).toFixed(0)} s\n${table.render()}\n\n${failures.join('\n')}\n\n`,
  );
});

describe('checks matrix: Lab A on the shared stack', () => {
  it('the manifest: every broken mode names checks, every check is named by a broken mode', () => {
    expect(c.lab.manifest.checks.map((x) => x.id)).toEqual([...ALL, CLUSTER]);
    expect(c.lab.checks?.map((x) => x.id)).toEqual([...ALL, CLUSTER]);
    expect(c.lab.manifest.brokenModes.map((m) => m.id)).toEqual(LAB_A_BROKEN_MODES.map((m) => m.id));
    const named = c.lab.manifest.brokenModes.flatMap((m) => m.breaks);
    expect([...named].sort()).toEqual([...ALL].sort()); // the cluster check fails through a bad setup, below
  });

  it('correct services: every check passes', async () => {
    await c.changes(3);
    const results = await run(ALL, () => 'correct');
    for (const id of ALL) expectStatus(results.get(id), 'PASS');
    expect(results.get('replay-same-state')?.counts.replayed).toBeGreaterThan(0);
    expect(results.get('redis-equals-mongodb')?.counts['refused (503)']).toBe(4);
    const one = expectStatus((await run([CLUSTER], () => 'correct')).get(CLUSTER), 'SKIP');
    expect(one.summary).toMatch(/1 broker: the cluster check needs 2 or 3 nodes/);
  }, 180_000);

  it('null-key (API) and slow-projector (projector): per-entity-order and consistency-window fail', async () => {
    await c.start({ [API]: 'null-key', [PROJECTOR]: 'slow-projector' });
    await c.changes(4);
    const results = await run(['per-entity-order', 'consistency-window'], modeOf);
    const order = expectStatus(results.get('per-entity-order'), 'FAIL');
    expect(order.evidence.some((e) => e.detail.includes('has the key null'))).toBe(true);
    const window = expectStatus(results.get('consistency-window'), 'FAIL');
    expect(window.counts.late).toBeGreaterThan(0);
    expect(window.evidence[0]?.detail).toMatch(/not readable in MongoDB 5000 ms after its 202/);
  }, 120_000);

  it('write-through-before-ack (API) and projector-not-idempotent (projector): redis-equals-mongodb and replay fail', async () => {
    await c.start({ [API]: 'write-through-before-ack', [PROJECTOR]: 'projector-not-idempotent' });
    const results = await run(['redis-equals-mongodb', 'replay-same-state'], modeOf);
    const redis = expectStatus(results.get('redis-equals-mongodb'), 'FAIL');
    expect(redis.counts['only in redis']).toBeGreaterThan(0);
    expect(redis.evidence.some((e) => e.detail.includes('while the link to Kafka was cut'))).toBe(true);
    const replay = expectStatus(results.get('replay-same-state'), 'FAIL');
    expect(replay.counts['documents after']).toBeGreaterThan(replay.counts['documents before']!);
  }, 120_000);
});

describe.sequential('checks matrix: Lab A on KRaft clusters of its own (invariant 5)', () => {
  let cluster: TestCluster | undefined;
  let clusterAdmin: Admin | undefined;
  const consoles: LabAConsole[] = [];

  const onCluster = async (size: 2 | 3): Promise<TestCluster> => {
    if (cluster?.size === size) return cluster;
    await clusterAdmin?.disconnect();
    await cluster?.kill();
    cluster = await startTestCluster(size);
    process.stderr.write(`[checks-matrix lab-a] ${size}-node KRaft cluster healthy in ${cluster.healthyMs} ms\n`);
    clusterAdmin = testKafka(cluster.brokers).admin();
    await clusterAdmin.connect();
    return cluster;
  };

  const labOn = async (k: TestCluster, name: string, env: NodeJS.ProcessEnv = {}): Promise<LabAConsole> => {
    const x = await startLabAConsole(
      clusterAdmin!,
      name,
      { EVENTSCOPE_LAB_A_KAFKA_NODES: String(k.size), ...env },
      k.consoleProvider(),
    );
    consoles.push(x);
    await x.start({ [API]: null, [PROJECTOR]: null });
    return x;
  };

  const done = async (x: LabAConsole) => {
    await x.stop();
    consoles.splice(consoles.indexOf(x), 1);
  };

  afterAll(async () => {
    for (const x of consoles) await x.stop().catch(() => undefined);
    await clusterAdmin?.disconnect().catch(() => undefined);
    await cluster?.kill();
  }, 60_000);

  it("3 nodes, the lab's RF 2: the leader of partition 0 stopped, commands still accepted, nothing lost: PASS", async () => {
    const x = await labOn(await onCluster(3), 'matrix-a3');
    try {
      const r = expectStatus((await run([CLUSTER], () => 'correct (3 nodes)', x)).get(CLUSTER), 'PASS');
      expect(r.counts['replication factor']).toBe(2);
      expect(r.counts['refused while down']).toBe(0);
      expect(r.counts['accepted while down']).toBeGreaterThan(0);
      expect(r.evidence.find((e) => e.ref === 'controller quorum')?.detail).toMatch(/went through/);
    } finally {
      await done(x);
    }
  }, 240_000);

  it('bad setup: the topic with RF 1 on the 3 nodes, its partition 0 leader stopped: FAIL, the commands refused', async () => {
    const x = await labOn(await onCluster(3), 'matrix-a3rf1', { EVENTSCOPE_LAB_A_REPLICATION: '1' });
    try {
      const r = expectStatus((await run([CLUSTER], () => 'bad setup: RF 1 on 3 nodes', x)).get(CLUSTER), 'FAIL');
      expect(r.counts['replication factor']).toBe(1);
      expect(r.counts['refused while down']).toBeGreaterThan(0);
      expect(r.summary).toMatch(/refused with 2 of 3 nodes up/);
      expect(r.evidence.some((e) => / → 503 in \d+ ms$/.test(e.ref))).toBe(true);
    } finally {
      await done(x);
    }
  }, 240_000);

  it("2 nodes, the lab's RF 2: one stopped, every command answered 202 or 503 in time, every 202 projected: PASS", async () => {
    const x = await labOn(await onCluster(2), 'matrix-a2');
    try {
      const r = expectStatus((await run([CLUSTER], () => 'correct (2 nodes)', x)).get(CLUSTER), 'PASS');
      expect(r.counts['replication factor']).toBe(2);
      expect(r.counts['answered late']).toBe(0);
      expect(r.evidence.find((e) => e.ref === 'controller quorum')?.detail).toMatch(/no controller quorum/);
    } finally {
      await done(x);
    }
  }, 240_000);
});
