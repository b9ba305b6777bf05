// Runs the Lab D services embedded as child processes: loms ×1 and notifier ×3 (notifier-1..3). Start, stop (SIGTERM),
// kill (SIGKILL), restart per instance; captures their JSON-line stdout/stderr and turns notifier lines into typed facts.
// It restarts nothing on its own: a killed notifier stays down until the user starts it (that is the lesson).
// It only ever signals its own children, by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AppError } from '../../../services/shared/app-error.js';
import type { Logger } from '../../../services/shared/logger.js';
import { parseNotifierLine, type NotifierLine } from '../../../services/lab-d/schema.js';
import {
  SERVICE_INSTANCES,
  type ServiceInstance,
  type ServiceInstanceName,
  type ServiceLogLine,
} from '../contract/console-api.js';

/** What the services need to reach the stack, read at each start (the endpoints can change after stack:up). */
export interface ServiceEnv {
  kafkaBrokers: string[];
  databaseUrl: string;
  lomsPort: number;
  topic: string;
  notifierGroupId: string;
}

export interface SupervisorDeps {
  /** the checkout (or unpacked app) root: services/cli.ts is resolved from here */
  repoRoot: string;
  serviceEnv: () => ServiceEnv;
  logger: Logger;
  onState: (instance: ServiceInstance) => void;
  onLog: (line: ServiceLogLine) => void;
  onNotifierLine?: (line: NotifierLine) => void;
  /** the node binary (default process.execPath; under Electron it runs with ELECTRON_RUN_AS_NODE=1) */
  nodePath?: string;
  /**
   * The arguments that run one service kind (default: `--import tsx <repoRoot>/services/cli.ts <kind>`; a packaged
   * app passes its bundled `dist/services/cli.cjs <kind>` instead, since tsx is a development dependency).
   */
  serviceArgs?: (kind: 'loms' | 'notifier') => string[];
  /** extra env for every child (tests) */
  extraEnv?: NodeJS.ProcessEnv;
  /** SIGTERM → exit deadline before a SIGKILL (default 15 s; the service itself gives up after 10 s) */
  stopTimeoutMs?: number;
  /** log lines kept per instance (default 2000) */
  logLinesKept?: number;
  now?: () => number;
}

export interface Supervisor {
  list(): ServiceInstance[];
  get(instance: ServiceInstanceName): ServiceInstance;
  start(instance: ServiceInstanceName): Promise<ServiceInstance>;
  stop(instance: ServiceInstanceName): Promise<ServiceInstance>;
  kill(instance: ServiceInstanceName): Promise<ServiceInstance>;
  restart(instance: ServiceInstanceName): Promise<ServiceInstance>;
  logs(instance: ServiceInstanceName, lines?: number): ServiceLogLine[];
  /** the generation of the newest join a notifier reported for a group */
  lastGeneration(groupId: string): number | null;
  /** SIGTERM every running child and wait (SIGKILL after the deadline). */
  stopAll(): Promise<void>;
}

const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const MAX_LINE = 4096;
/** what an instance knows of its current run before it has run: nothing yet */
const FRESH_RUN = {
  exitedAt: null,
  exitCode: null,
  exitSignal: null,
  assignment: null,
  generationId: null,
  eventsProcessed: 0,
  errors: 0,
} as const satisfies Partial<ServiceInstance>;

interface Slot {
  state: ServiceInstance;
  child: ChildProcess | undefined;
  exited: Promise<void> | undefined;
  stopRequested: boolean;
  logs: ServiceLogLine[];
}

export function createSupervisor(deps: SupervisorDeps): Supervisor {
  const now = deps.now ?? Date.now;
  const stopTimeoutMs = deps.stopTimeoutMs ?? 15_000;
  const logLinesKept = deps.logLinesKept ?? 2000;
  const generations = new Map<string, number>();
  const slots = new Map<ServiceInstanceName, Slot>();
  for (const name of SERVICE_INSTANCES) {
    slots.set(name, {
      state: {
        instance: name,
        kind: name === 'loms' ? 'loms' : 'notifier',
        state: 'stopped',
        pid: null,
        startedAt: null,
        ...FRESH_RUN,
        port: null,
      },
      child: undefined,
      exited: undefined,
      stopRequested: false,
      logs: [],
    });
  }
  const slot = (name: ServiceInstanceName): Slot => {
    const s = slots.get(name);
    if (s === undefined) throw new AppError('INVALID_INPUT', `no such service instance: ${String(name)}`);
    return s;
  };
  const update = (s: Slot, patch: Partial<ServiceInstance>) => {
    s.state = { ...s.state, ...patch };
    deps.onState(s.state);
  };

  const capture = (s: Slot, stream: 'stdout' | 'stderr', text: string) => {
    const name = s.state.instance;
    let kind: ServiceLogLine['kind'] = 'text';
    let level: string | undefined;
    if (text.startsWith('{')) {
      const parsed = s.state.kind === 'notifier' && stream === 'stdout' ? parseNotifierLine(text) : undefined;
      if (parsed !== undefined) {
        kind = parsed.type;
        onNotifierLine(s, parsed);
      } else {
        try {
          const json = JSON.parse(text) as { level?: unknown };
          if (typeof json.level === 'number') {
            kind = 'log';
            level = PINO_LEVELS[json.level] ?? String(json.level);
          }
        } catch {
          // a plain line
        }
      }
    }
    const line: ServiceLogLine = {
      instance: name,
      stream,
      at: now(),
      text: text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)}…` : text,
      kind,
    };
    if (level !== undefined) line.level = level;
    s.logs.push(line);
    if (s.logs.length > logLinesKept * 1.25) s.logs.splice(0, s.logs.length - logLinesKept);
    deps.onLog(line);
  };

  /** counters change per record: their state push is throttled to one per 500 ms per instance */
  const countPush = new Map<ServiceInstanceName, ReturnType<typeof setTimeout>>();
  const pushCountsSoon = (s: Slot) => {
    const name = s.state.instance;
    if (countPush.has(name)) return;
    countPush.set(
      name,
      setTimeout(() => {
        countPush.delete(name);
        update(s, {});
      }, 500),
    );
  };

  const onNotifierLine = (s: Slot, line: NotifierLine) => {
    if (line.type === 'event') {
      s.state = { ...s.state, eventsProcessed: s.state.eventsProcessed + 1 };
      pushCountsSoon(s);
    } else if (line.type === 'error') {
      s.state = { ...s.state, errors: s.state.errors + 1 };
      pushCountsSoon(s);
    } else if (line.state === 'joined') {
      if (line.generation_id !== undefined) {
        generations.set(line.group_id, Math.max(generations.get(line.group_id) ?? 0, line.generation_id));
      }
      update(s, { assignment: line.assignment ?? {}, generationId: line.generation_id ?? null });
    } else if (
      line.state === 'disconnected' ||
      line.state === 'reconnecting' ||
      line.state === 'crashed' ||
      line.state === 'stopped'
    ) {
      // without the broker (or without a consumer) it owns no partition; `joined` tells the new assignment when it is back
      update(s, { assignment: null });
    }
    deps.onNotifierLine?.(line);
  };

  const spawnChild = (s: Slot): void => {
    const env = deps.serviceEnv();
    const name = s.state.instance;
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...deps.extraEnv,
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    };
    if (process.versions.electron !== undefined) childEnv.ELECTRON_RUN_AS_NODE = '1';
    if (s.state.kind === 'loms') {
      Object.assign(childEnv, {
        PORT: String(env.lomsPort),
        HOST: '127.0.0.1',
        DATABASE_URL: env.databaseUrl,
        LOMS_TOPIC: env.topic,
      });
    } else {
      Object.assign(childEnv, {
        NOTIFIER_GROUP_ID: env.notifierGroupId,
        NOTIFIER_INSTANCE: name,
        NOTIFIER_TOPIC: env.topic,
      });
    }
    const args = deps.serviceArgs?.(s.state.kind) ?? [
      '--import',
      'tsx',
      path.join(deps.repoRoot, 'services', 'cli.ts'),
      s.state.kind,
    ];
    const child = spawn(deps.nodePath ?? process.execPath, args, {
      cwd: deps.repoRoot,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    s.child = child;
    s.stopRequested = false;
    update(s, {
      state: 'starting',
      pid: child.pid ?? null,
      startedAt: now(),
      ...FRESH_RUN,
      port: s.state.kind === 'loms' ? env.lomsPort : null,
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const rl = createInterface({ input: child[stream], crlfDelay: Infinity });
      rl.on('line', (text) => capture(s, stream, text));
    }
    s.exited = new Promise<void>((resolve) => {
      child.once('spawn', () => {
        if (s.child === child && s.state.state === 'starting') update(s, { state: 'running', pid: child.pid ?? null });
      });
      child.once('error', (err) => {
        deps.logger.error({ instance: name, err: err.message }, 'service process error');
        capture(s, 'stderr', `failed to run: ${err.message}`);
      });
      child.once('close', (code, signal) => {
        if (s.child === child) {
          s.child = undefined;
          const clean = s.stopRequested && (code === 0 || signal === 'SIGTERM');
          update(s, {
            state: clean ? 'stopped' : 'exited',
            pid: null,
            exitedAt: now(),
            exitCode: code,
            exitSignal: signal,
            assignment: null,
          });
          deps.logger.info({ instance: name, code, signal }, 'service process exited');
        }
        resolve();
      });
    });
  };

  const waitExit = async (s: Slot, timeoutMs: number): Promise<boolean> => {
    const exited = s.exited;
    if (exited === undefined || s.child === undefined) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = await Promise.race([exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  };

  const signal = (s: Slot, sig: 'SIGTERM' | 'SIGKILL') => {
    const child = s.child;
    if (child?.pid === undefined) return;
    try {
      process.kill(child.pid, sig); // our own child, by PID
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };

  const stop = async (name: ServiceInstanceName): Promise<ServiceInstance> => {
    const s = slot(name);
    if (s.child === undefined) return s.state;
    s.stopRequested = true;
    update(s, { state: 'stopping' });
    signal(s, 'SIGTERM');
    if (!(await waitExit(s, stopTimeoutMs))) {
      deps.logger.warn({ instance: name }, 'did not stop after SIGTERM: SIGKILL');
      signal(s, 'SIGKILL');
      await waitExit(s, 5000);
    }
    return s.state;
  };

  return {
    list: () => SERVICE_INSTANCES.map((n) => slot(n).state),
    get: (name) => slot(name).state,
    start(name) {
      const s = slot(name);
      if (s.child !== undefined) return Promise.resolve(s.state);
      spawnChild(s);
      return Promise.resolve(s.state);
    },
    stop,
    async kill(name) {
      const s = slot(name);
      if (s.child === undefined) return s.state;
      signal(s, 'SIGKILL');
      await waitExit(s, 5000);
      return s.state;
    },
    async restart(name) {
      await stop(name);
      const s = slot(name);
      spawnChild(s);
      return s.state;
    },
    logs(name, lines = 500) {
      const all = slot(name).logs;
      return all.slice(Math.max(0, all.length - lines));
    },
    lastGeneration: (groupId) => generations.get(groupId) ?? null,
    async stopAll() {
      await Promise.allSettled(SERVICE_INSTANCES.map((n) => stop(n)));
      for (const t of countPush.values()) clearTimeout(t);
      countPush.clear();
    },
  };
}
