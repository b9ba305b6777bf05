// Helpers for Lab E's checks tests: a console on Lab E with names of its own (topic and group prefix, database prefix,
// five free ports), its five services run as child processes, an instance restarted in a broken mode (and waited for
// until it listens again), checks run through the contract, and cleanup of the topics, groups and databases.
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { createMemoryLogger } from '../../../services/shared/logger.js';
import { waitFor } from '../../../services/shared/wait.js';
import { loadConsoleConfig } from '../../../main/console/config/console-config.js';
import { createConsole, type Console } from '../../../main/console/create-console.js';
import { createLabE } from '../../../main/console/labs/lab-e/index.js';
import type { CheckResult, RequestName, ResponseOf } from '../../../main/console/contract/console-api.js';
import type { LabModule } from '../../../main/console/labs/types.js';
import { endpoints, uniqueName } from '../support/index.js';
import { callerOf, freePort, sharedStackProvider } from '../support/test-provider.js';
import { REPO_ROOT } from '../lab-d/harness.js';

export const LAB_E_INSTANCES = ['gateway', 'auth', 'tasks', 'accounting', 'analytics'] as const;
export type LabEInstance = (typeof LAB_E_INSTANCES)[number];

export interface LabEConsole {
  console: Console;
  lab: LabModule;
  prefix: string;
  call<C extends RequestName>(name: C, request?: unknown): Promise<ResponseOf<C>>;
  /** starts the five instances and waits until each listens */
  startAll(): Promise<void>;
  /** restarts instances in their modes (null: correct) at once and waits until each listens again */
  restart(modes: Partial<Record<LabEInstance, string | null>>): Promise<void>;
  /** runs checks through the contract and waits for every result */
  runChecks(ids: string[], timeoutMs?: number): Promise<CheckResult[]>;
  stop(): Promise<void>;
}

export async function startLabEConsole(admin: Admin, name = 'checks-e'): Promise<LabEConsole> {
  const prefix = `${uniqueName(name)}.`;
  const dbPrefix = uniqueName(`es_${name.replace(/-/g, '_')}`, '_').slice(0, 40);
  const ports = await Promise.all(LAB_E_INSTANCES.map(() => freePort()));
  const env: NodeJS.ProcessEnv = {
    EVENTSCOPE_LAB_E_PREFIX: prefix,
    EVENTSCOPE_LAB_E_DATABASE_PREFIX: dbPrefix,
  };
  LAB_E_INSTANCES.forEach((s, i) => (env[`EVENTSCOPE_LAB_E_${s.toUpperCase()}_PORT`] = String(ports[i])));
  const lab: LabModule = createLabE(env);
  const console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, { EVENTSCOPE_POLL_MS: '500' }),
    provider: sharedStackProvider(['kafka', 'postgres']),
    logger: createMemoryLogger('console').logger,
    mode: 'web',
    version: 'test',
    labs: [lab],
  });
  const done: CheckResult[] = [];
  console_.subscribe((e) => {
    if (e.name === 'checks:done') done.push(e.payload.result);
  });
  await console_.start();
  const call = callerOf(() => console_);
  await call('labs:select', { lab: 'lab-e' });

  /** the instance printed `listening` at or after `since` (its lifecycle line); fails fast when it exited */
  const listening = async (instance: string, since: number): Promise<void> => {
    await waitFor(
      async () => {
        const { lines } = await call('services:logs', { instance, lines: 200 });
        const state = (await call('services:list')).instances.find((i) => i.instance === instance)?.state;
        if (state === 'exited' || state === 'stopped')
          throw new Error(`${instance} ${state}: ${lines.map((l) => l.text).join('\n')}`);
        return (
          lines.some((l) => l.at >= since && l.kind === 'lifecycle' && l.text.includes('"listening"')) || undefined
        );
      },
      { timeoutMs: 45_000, intervalMs: 100, what: `${instance} listening` },
    );
  };

  return {
    console: console_,
    lab,
    prefix,
    call,
    async startAll() {
      // all five at once: the consumers read their topics from the beginning, so auth need not wait for them
      const since = Date.now();
      await Promise.all(LAB_E_INSTANCES.map((instance) => call('services:start', { instance })));
      await Promise.all(LAB_E_INSTANCES.map((i) => listening(i, since)));
    },
    async restart(modes) {
      const since = Date.now();
      const entries = Object.entries(modes);
      await Promise.all(entries.map(([instance, brokenMode]) => call('services:restart', { instance, brokenMode })));
      await Promise.all(entries.map(([instance]) => listening(instance, since)));
    },
    async runChecks(ids, timeoutMs = 120_000) {
      const { runId } = await call('checks:run', { checks: ids });
      return waitFor(
        () => {
          const mine = done.filter((r) => r.runId === runId);
          return mine.length === ids.length ? mine : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `checks ${ids.join(', ')}` },
      );
    },
    async stop() {
      await console_.stop();
      const pgAdmin = new pg.Client({ connectionString: endpoints().postgres.url });
      pgAdmin.on('error', () => undefined);
      await pgAdmin.connect().then(
        async () => {
          for (const s of ['auth', 'tasks', 'accounting', 'analytics'])
            await pgAdmin.query(`DROP DATABASE IF EXISTS "${dbPrefix}_${s}" WITH (FORCE)`).catch(() => undefined);
          await pgAdmin.end();
        },
        () => undefined,
      );
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    },
  };
}
