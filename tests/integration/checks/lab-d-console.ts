// Helpers for the checks tests: a console on Lab D with unique names (topic, group, database, loms port), its checks run
// through the contract, a check context for running a check directly (bad-setup cases, services we did not write), and
// the matrix table (check × case → PASS/FAIL with its time) printed to stderr.
import { freePort, sharedStackProvider } from '../support/test-provider.js';
import type { Kafka } from 'kafkajs';
import { createLabD } from '../../../main/console/labs/lab-d/index.js';
import { createConsole, type Console } from '../../../main/console/create-console.js';
import { loadConsoleConfig } from '../../../main/console/config/console-config.js';
import type { CheckResult, RequestName, ResponseOf } from '../../../main/console/contract/console-api.js';
import type { StackEndpoints, StackProvider } from '../../../main/console/stack/types.js';
import type { CheckContext, CheckOutcome, LabModule } from '../../../main/console/labs/types.js';
import { createMemoryLogger } from '../../../services/shared/logger.js';
import { REPO_ROOT, testKafka, waitFor } from '../lab-d/harness.js';
import type { LocalKafka } from '../../../main/console/stack/local/kafka.js';

/** The stack as a provider: `base` endpoints; with `scoped`, Kafka is that test-scoped broker, stopped and started by stopComponent/startComponent. */
export function checksProvider(base: StackEndpoints, scoped?: LocalKafka): StackProvider {
  const endpoints = (): StackEndpoints =>
    scoped === undefined ? base : { ...base, kafka: { ...base.kafka, brokers: [`127.0.0.1:${scoped.port}`] } };
  return {
    ...sharedStackProvider(['kafka', 'postgres'], endpoints),
    async stopComponent(name) {
      if (name !== 'kafka' || scoped === undefined) throw new Error(`this test stack cannot stop ${name}`);
      await scoped.stop();
    },
    async startComponent(name) {
      if (name !== 'kafka' || scoped === undefined) throw new Error(`this test stack cannot start ${name}`);
      await scoped.start();
    },
  };
}

export interface LabDConsole {
  console: Console;
  lab: LabModule;
  env: Record<string, string>;
  call<C extends RequestName>(name: C, request?: unknown): Promise<ResponseOf<C>>;
  /** runs checks through the contract and waits for every result */
  runChecks(ids: string[], timeoutMs?: number): Promise<CheckResult[]>;
  stop(): Promise<void>;
}

export async function startLabDConsole(opts: {
  provider: StackProvider;
  topic: string;
  group: string;
  databaseUrl: string;
  env?: Record<string, string>;
}): Promise<LabDConsole> {
  const env: Record<string, string> = {
    EVENTSCOPE_POLL_MS: '500',
    EVENTSCOPE_LOMS_PORT: String(await freePort()),
    EVENTSCOPE_LOMS_DATABASE_URL: opts.databaseUrl,
    EVENTSCOPE_ORDER_TOPIC: opts.topic,
    EVENTSCOPE_NOTIFIER_GROUP: opts.group,
    EVENTSCOPE_NOTIFIER_SESSION_TIMEOUT_MS: '6000',
    EVENTSCOPE_NOTIFIER_HEARTBEAT_MS: '500',
    ...opts.env,
  };
  // loms' links (check 8 cuts its database link) are the console's link registry's, made as loms starts
  const lab = createLabD(env);
  const console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, env),
    provider: opts.provider,
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
  const call = async <C extends RequestName>(name: C, request: unknown = {}): Promise<ResponseOf<C>> => {
    const r = await console_.dispatch(name, request);
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.response as ResponseOf<C>;
  };
  return {
    console: console_,
    lab,
    env,
    call,
    async runChecks(ids, timeoutMs = 240_000) {
      const { runId } = await call('checks:run', { checks: ids });
      return waitFor(
        () => {
          const mine = done.filter((r) => r.runId === runId);
          return mine.length === ids.length ? mine : undefined;
        },
        { timeoutMs, intervalMs: 200, what: `checks ${ids.join(', ')}` },
      );
    },
    async stop() {
      await console_.stop();
    },
  };
}

/** A check context for running a check directly (no services, no stack control). */
export function directContext(brokers: string[], endpoints: StackEndpoints, timeoutMs = 60_000): CheckContext {
  const abort = new AbortController();
  let kafka: Kafka | undefined;
  return {
    endpoints: () => endpoints,
    logger: createMemoryLogger('checks').logger,
    records: {
      duplicate: () => Promise.reject(new Error('no tail here')),
      poison: () => Promise.reject(new Error('no tail here')),
    },
    kafka: () => (kafka ??= testKafka(brokers, 'checks-direct')),
    progress: () => undefined,
    signal: abort.signal,
    deadline: Date.now() + timeoutMs,
    services: {
      list: () => [],
      start: () => Promise.reject(new Error('no services here')),
      stop: () => Promise.reject(new Error('no services here')),
      kill: () => Promise.reject(new Error('no services here')),
      logs: () => [],
    },
    stack: {
      stop: () => Promise.reject(new Error('no stack control here')),
      start: () => Promise.reject(new Error('no stack control here')),
    },
  };
}

/** Runs one of the lab's checks directly, timed. */
export async function runDirect(lab: LabModule, id: string, ctx: CheckContext): Promise<CheckOutcome & { ms: number }> {
  const check = lab.checks?.find((c) => c.id === id);
  if (check === undefined) throw new Error(`no check ${id}`);
  const t0 = Date.now();
  const out = await check.run(ctx);
  return { ...out, ms: Date.now() - t0 };
}

/** check × case → status and time, printed as a table. */
export class MatrixTable {
  private readonly cells = new Map<string, Map<string, string>>();
  private readonly cases: string[] = [];
  private readonly checks: string[] = [];

  constructor(checks: readonly string[]) {
    this.checks.push(...checks);
  }

  add(caseName: string, check: string, status: string, ms: number): void {
    if (!this.cases.includes(caseName)) this.cases.push(caseName);
    if (!this.checks.includes(check)) this.checks.push(check);
    const row = this.cells.get(check) ?? new Map<string, string>();
    row.set(caseName, `${status} ${(ms / 1000).toFixed(1)}s`);
    this.cells.set(check, row);
  }

  render(): string {
    const head = ['check', ...this.cases];
    const rows = this.checks.map((c) => [c, ...this.cases.map((k) => this.cells.get(c)?.get(k) ?? '')]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
  }
}

export { freePort };
