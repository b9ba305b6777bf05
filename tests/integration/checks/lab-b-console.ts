// Helpers for Lab B's checks tests: a console on Lab B with a unique exchange/queue prefix, its own database and free
// HTTP ports (a LabBWorld), its seven instances started consumers first and waited for (each consumer's `consuming`
// line per queue, each HTTP service's `listening`), instances restarted in a broken mode, and checks run through the
// contract. The stack provider reports the shared RabbitMQ and Postgres and refuses to stop or start them: the shared
// node (127.0.0.1:5672) is never restarted by a test.
//
// The instances run the services bundle, as a packaged app runs them (`node cli.cjs lab-b/<service>`): a child starts
// in about a second where tsx takes several on a busy machine, and the matrix restarts instances a dozen times. The
// bundle is dist/services/cli.cjs when it is newer than every file under services/, else one built for this run.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../../../services/shared/app-error.js';
import { createMemoryLogger } from '../../../services/shared/logger.js';
import { waitFor } from '../../../services/shared/wait.js';
import { QUEUES } from '../../../services/lab-b/schema.js';
import { loadConsoleConfig } from '../../../main/console/config/console-config.js';
import { createConsole, type Console } from '../../../main/console/create-console.js';
import type { CheckResult, RequestName, ResponseOf } from '../../../main/console/contract/console-api.js';
import { createLabB } from '../../../main/console/labs/lab-b/index.js';
import type { LabModule } from '../../../main/console/labs/types.js';
import type { StackEndpoints, StackProvider } from '../../../main/console/stack/types.js';
import { endpoints } from '../support/index.js';
import { freePorts, sharedStackProvider } from '../support/test-provider.js';
import { LabBWorld, REPO_ROOT } from '../lab-b/harness.js';

/** The shared RabbitMQ and Postgres as a provider that never stops or starts them. */
export function sharedRabbitProvider(where: () => StackEndpoints = endpoints): StackProvider {
  const refuse = (name: string) =>
    Promise.reject(
      new AppError(
        'CONFLICT',
        `${name} is shared by every test run on this machine: the test stack never stops or restarts it`,
        { component: name },
      ),
    );
  return {
    ...sharedStackProvider(['rabbitmq', 'postgres'], where),
    stopComponent: (name) => refuse(name),
    startComponent: (name) => refuse(name),
  };
}

/** The newest modification time of the files under `dir` (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

let bundled: Promise<string> | undefined;

/** A services bundle of the current source: dist's when it is fresh, else one built now (once per test file). */
export function servicesBundle(): Promise<string> {
  bundled ??= (async () => {
    const dist = path.join(REPO_ROOT, 'dist', 'services', 'cli.cjs');
    const fresh = (() => {
      try {
        return statSync(dist).mtimeMs > newest(path.join(REPO_ROOT, 'services'));
      } catch {
        return false;
      }
    })();
    if (fresh) return dist;
    const outDir = mkdtempSync(path.join(tmpdir(), 'eventscope-services-'));
    const script = `import { build } from 'vite';
await build({ configFile: false, root: ${JSON.stringify(REPO_ROOT)}, logLevel: 'warn', ssr: { noExternal: true },
  build: { ssr: 'services/cli.ts', outDir: ${JSON.stringify(outDir)}, emptyOutDir: true, target: 'node20', minify: false,
    rolldownOptions: { output: { format: 'cjs', entryFileNames: 'cli.cjs', codeSplitting: false } } } });`;
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      timeout: 120_000,
    });
    return path.join(outDir, 'cli.cjs');
  })();
  return bundled;
}

/** instance → the queues it consumes (one `consuming` line each) and whether it serves HTTP (a `listening` line) */
const READY: Readonly<Record<string, { queues: number; http: boolean }>> = {
  audit: { queues: 2, http: false },
  users: { queues: 1, http: true },
  'notification-1': { queues: 1, http: false },
  'notification-2': { queues: 1, http: false },
  reports: { queues: 2, http: true },
  auth: { queues: 0, http: true },
  vacation: { queues: 1, http: true },
};
const CONSUMERS = ['audit', 'users', 'notification-1', 'notification-2', 'reports'];
const PUBLISHERS = ['auth', 'vacation'];

export interface LabBConsole {
  console: Console;
  lab: LabModule;
  world: LabBWorld;
  call<C extends RequestName>(name: C, request?: unknown): Promise<ResponseOf<C>>;
  /** starts every instance and waits until each consumes its queues and serves HTTP (nothing is published before) */
  startAll(): Promise<void>;
  /** restarts instances in `mode` (null: correct) and waits for them */
  restartIn(instances: readonly string[], mode: string | null): Promise<void>;
  /** starts stopped instances in `mode` and waits for them */
  startIn(instances: readonly string[], mode: string | null): Promise<void>;
  /** runs checks through the contract and waits for every result */
  runChecks(ids: string[], timeoutMs?: number): Promise<CheckResult[]>;
  stop(): Promise<void>;
}

export async function startLabBConsole(opts: { provider?: StackProvider } = {}): Promise<LabBConsole> {
  const [world, bundle] = await Promise.all([
    LabBWorld.create(opts.provider?.endpoints().rabbitmq.url),
    servicesBundle(),
  ]);
  const [auth, vacation, users, reports] = (await freePorts(4)) as [number, number, number, number];
  const lab = createLabB({
    EVENTSCOPE_LAB_B_PREFIX: world.prefix,
    EVENTSCOPE_LAB_B_DATABASE_URL: world.db.url,
    EVENTSCOPE_LAB_B_AUTH_PORT: String(auth),
    EVENTSCOPE_LAB_B_VACATION_PORT: String(vacation),
    EVENTSCOPE_LAB_B_USERS_PORT: String(users),
    EVENTSCOPE_LAB_B_REPORTS_PORT: String(reports),
  });
  const console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, { EVENTSCOPE_POLL_MS: '500' }),
    provider: opts.provider ?? sharedRabbitProvider(),
    logger: createMemoryLogger('console').logger,
    mode: 'web',
    version: 'test',
    labs: [lab],
    serviceArgs: (service) => [bundle, service],
  });
  const done: CheckResult[] = [];
  console_.subscribe((e) => {
    if (e.name === 'checks:done') done.push(e.payload.result);
  });
  await console_.start();
  const call = async <C extends RequestName>(name: C, request: unknown = {}): Promise<ResponseOf<C>> => {
    const r = await console_.dispatch(name, request);
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.response as ResponseOf<C>;
  };
  await call('labs:select', { lab: 'lab-b' });

  /** waits until each instance's run since `since` consumes its queues and listens */
  const ready = async (instances: readonly string[], since: number) => {
    const lines = async (instance: string) =>
      (await call('services:logs', { instance, lines: 5000 })).lines.filter((l) => l.at >= since);
    try {
      await waitFor(
        async () => {
          for (const instance of instances) {
            const want = READY[instance] ?? { queues: 0, http: false };
            const mine = (await lines(instance)).filter((l) => l.text.includes('"type":"lifecycle"'));
            const consuming = mine.filter((l) => l.text.includes('"state":"consuming"')).length;
            const listening = mine.some((l) => l.text.includes('"state":"listening"'));
            if (consuming < want.queues || (want.http && !listening)) return undefined;
          }
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 150, what: `${instances.join(', ')} consuming and listening` },
      );
    } catch (err) {
      const states = (await call('services:list')).instances.map((i) => `${i.instance} ${i.state} ${i.exitCode}`);
      const tails = await Promise.all(
        instances.map(
          async (i) =>
            `${i}: ${(await lines(i))
              .slice(-3)
              .map((l) => l.text)
              .join(' | ')}`,
        ),
      );
      throw new Error(`${(err as Error).message}; ${states.join(', ')}; ${tails.join('; ')}`);
    }
  };

  const startIn = async (instances: readonly string[], mode: string | null) => {
    const since = Date.now();
    await Promise.all(instances.map((instance) => call('services:start', { instance, brokenMode: mode })));
    await ready(instances, since);
  };

  return {
    console: console_,
    lab,
    world,
    call,
    async startAll() {
      await startIn([...CONSUMERS, ...PUBLISHERS], null);
    },
    async restartIn(instances, mode) {
      const since = Date.now();
      await Promise.all(instances.map((instance) => call('services:restart', { instance, brokenMode: mode })));
      const list = (await call('services:list')).instances.filter((i) => instances.includes(i.instance));
      if (list.some((i) => i.brokenMode !== mode))
        throw new Error(`not in ${mode}: ${list.map((i) => `${i.instance} ${i.brokenMode}`).join(', ')}`);
      await ready(instances, since);
    },
    startIn,
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
      await world.dispose();
    },
  };
}

/** The queue the non-durable mode declares otherwise (its consumers must be stopped and the queue deleted first). */
export const WORK_QUEUE = QUEUES.notification;
