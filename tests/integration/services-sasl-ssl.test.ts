// A real lab service process on a SASL_SSL cluster: Lab D's notifier (`node --import tsx services/cli.ts lab-d/notifier`)
// given the SCRAM user's KAFKA_SASL_* and KAFKA_TLS_CA_FILE joins its consumer group on a broker of its own
// (tests/integration/support/sasl-ssl-kafka.ts, ports 14 100–14 900, which no other test uses); with a wrong password it
// fails with an authentication error and exits non-zero within a bounded wait. Every process is stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import type { ServiceLogLine } from '../../main/console/contract/console-api.js';
import { createLinkRegistry } from '../../main/console/faults/link-registry.js';
import { createLabD } from '../../main/console/labs/lab-d/index.js';
import type { StackEndpoints } from '../../main/console/stack/types.js';
import { createSupervisor, type Supervisor } from '../../main/console/supervisor/supervisor.js';
import { uniqueName } from './support/index.js';
import { startSaslSslKafka, type SaslSslKafka } from './support/sasl-ssl-kafka.js';
import { REPO_ROOT } from './lab-d/harness.js';

let broker: SaslSslKafka;
let admin: Admin;
let supervisor: Supervisor | undefined;
const topic = uniqueName('sasl-order-events');
const children: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function notifier(instance: string, groupId: string, password: string): Run {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'info',
    KAFKA_BROKERS: broker.broker,
    NOTIFIER_TOPIC: topic,
    NOTIFIER_GROUP_ID: groupId,
    NOTIFIER_INSTANCE: instance,
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: broker.users.scram.username,
    KAFKA_SASL_PASSWORD: password,
    KAFKA_TLS_CA_FILE: broker.caFile,
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'services', 'cli.ts'), 'lab-d/notifier'],
    {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function stop(run: Run): Promise<void> {
  if (run.child.exitCode !== null || run.child.signalCode !== null || run.child.pid === undefined) return;
  process.kill(run.child.pid, 'SIGTERM');
  const done = await Promise.race([
    run.exited.then(() => true),
    new Promise((r) => setTimeout(() => r(false), 15_000)),
  ]);
  if (!done && run.child.exitCode === null) process.kill(run.child.pid, 'SIGKILL');
}

beforeAll(async () => {
  broker = await startSaslSslKafka({ from: 14_100, to: 14_900 });
  admin = new Kafka({
    clientId: 'services-sasl-ssl-test',
    brokers: [broker.broker],
    ssl: { ca: [readFileSync(broker.caFile, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', ...broker.users.scram },
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
}, 120_000);

afterAll(async () => {
  await supervisor?.stopAll();
  for (const child of children)
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
      process.kill(child.pid, 'SIGKILL');
  await admin?.disconnect().catch(() => undefined);
  await broker?.stop();
});

describe('lab services on a SASL_SSL cluster', () => {
  it('the notifier with the SCRAM user env joins its consumer group (a member with its client id)', async () => {
    const groupId = uniqueName('sasl-notifiers');
    const run = notifier('n1', groupId, broker.users.scram.password);
    try {
      const member = await waitFor(
        async () => {
          if (run.child.exitCode !== null)
            throw new Error(`the notifier exited ${run.child.exitCode}:\n${run.output()}`);
          const { groups } = await admin.describeGroups([groupId]);
          const g = groups[0];
          return g?.state === 'Stable' ? g.members.find((m) => m.clientId === 'notifier-n1') : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: 'the notifier in its group' },
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${run.output()}`);
      });
      expect(member?.clientId).toBe('notifier-n1');
      expect(run.output()).not.toContain(broker.users.scram.password);
    } finally {
      await stop(run);
    }
  }, 90_000);

  it('with a wrong password it fails with an authentication error and exits non-zero, without hanging', async () => {
    const run = notifier('n2', uniqueName('sasl-notifiers'), 'not-the-password');
    const t0 = Date.now();
    const code = await Promise.race([run.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 45_000))]);
    if (code === 'hung') await stop(run);
    expect(code, run.output()).not.toBe('hung');
    expect(code).not.toBe(0);
    expect(run.output()).toMatch(/SASL|authenticat/i);
    expect(run.output()).not.toContain('not-the-password');
    expect(Date.now() - t0).toBeLessThan(45_000);
  }, 60_000);

  it('the supervisor gives a lab instance the profile’s login: it joins, without a Kafka link, and nothing logs the password', async () => {
    const groupId = uniqueName('sasl-supervised');
    const password = broker.users.scram.password;
    const endpoints: StackEndpoints = {
      kafka: {
        brokers: [broker.broker],
        security: {
          sasl: { mechanism: 'SCRAM-SHA-256', username: broker.users.scram.username, password },
          tls: { caFile: broker.caFile, insecure: false },
        },
      },
      postgres: { url: 'postgres://postgres@127.0.0.1:1/none' },
      rabbitmq: { url: 'amqp://127.0.0.1:1' },
      mongodb: { url: 'mongodb://127.0.0.1:1' },
      redis: { url: 'redis://127.0.0.1:1' },
    };
    const memory = createMemoryLogger('supervisor');
    const logs: ServiceLogLine[] = [];
    const links = createLinkRegistry();
    supervisor = createSupervisor({
      repoRoot: REPO_ROOT,
      logger: memory.logger,
      lab: createLabD({ EVENTSCOPE_ORDER_TOPIC: topic, EVENTSCOPE_NOTIFIER_GROUP: groupId, EVENTSCOPE_LOMS_PORT: '0' }),
      context: {
        endpoints: () => endpoints,
        logger: memory.logger,
        records: { duplicate: () => Promise.reject(new Error('no')), poison: () => Promise.reject(new Error('no')) },
      },
      links,
      onState: () => undefined,
      onLog: (l) => logs.push(l),
    });
    const instance = supervisor.list().find((i) => i.kind === 'notifier')?.instance;
    if (instance === undefined) throw new Error('no notifier instance in Lab D');
    await supervisor.start(instance);
    const joined = await waitFor(
      () => {
        const s = supervisor?.get(instance);
        return s !== undefined && s.assignment !== null && (s.assignment[topic] ?? []).length === 2 ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `${instance} in its group` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${logs.map((l) => l.text).join('\n')}`);
    });
    expect(joined.state).toBe('running');
    const { groups } = await admin.describeGroups([groupId]);
    expect(groups[0]?.members.map((m) => m.clientId)).toContain(`notifier-${instance}`);
    // over TLS no Kafka link proxy is in use (it connects directly), and the notice is logged once
    expect(links.list(instance).filter((l) => l.component === 'kafka' && l.inUse)).toEqual([]);
    await supervisor.restart(instance);
    const notices = memory.lines.filter((l) => String(l.msg).includes('no Kafka link proxies'));
    expect(notices).toHaveLength(1);
    // the env is not in what the renderer gets (services:list, logs) nor in the console's log
    expect(JSON.stringify(supervisor.list())).not.toContain(password);
    expect(JSON.stringify(supervisor.logs(instance, 5000))).not.toContain(password);
    expect(JSON.stringify(memory.lines)).not.toContain(password);
    await supervisor.stopAll();
  }, 120_000);
});
