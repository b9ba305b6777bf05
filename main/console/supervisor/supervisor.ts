// Runs the selected lab's service instances (as its manifest declares them) embedded as child processes. Start, stop
// (SIGTERM), kill (SIGKILL), restart per instance, correct or in one of the lab's broken modes (LAB_BROKEN_MODE);
// captures their JSON-line stdout/stderr, and the lab's module reads what their lines say (facts, group joins).
// It restarts nothing on its own: a killed consumer stays down until the user starts it (that is the lesson).
// It only ever signals its own children, by PID. With a link registry (faults/link-registry.ts), each start's env goes
// through it: every broker and database the lab's env names is reached through the instance's own link proxies.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AppError } from '../../../services/shared/app-error.js';
import type { Logger } from '../../../services/shared/logger.js';
import type { ServiceInstance, ServiceInstanceName, ServiceLogLine } from '../contract/console-api.js';
import type { Fact, LabContext, LabModule, ParsedLine } from '../labs/types.js';
import type { LinkRegistry } from '../faults/link-registry.js';
import { kafkaSecurityEnv } from '../stack/kafka-security.js';

export interface SupervisorDeps {
  /** the checkout (or unpacked app) root: services/cli.ts is resolved from here */
  repoRoot: string;
  /** the lab whose instances it runs at first (setLab changes it) */
  lab: LabModule;
  /** what the lab's env() gets: the stack's endpoints (read at each start: they can change after stack:up) */
  context: LabContext;
  logger: Logger;
  /** routes each instance's brokers and databases through its links (absent: the instances connect directly) */
  links?: LinkRegistry;
  onState: (instance: ServiceInstance) => void;
  onLog: (line: ServiceLogLine) => void;
  /** facts the lab's module read from an instance's line */
  onFacts?: (facts: Fact[]) => void;
  /** the node binary (default process.execPath; under Electron it runs with ELECTRON_RUN_AS_NODE=1) */
  nodePath?: string;
  /**
   * The arguments that run one service (default: `--import tsx <repoRoot>/services/cli.ts <lab>/<kind>`; a packaged
   * app passes its bundled `dist/services/cli.cjs <lab>/<kind>` instead, since tsx is a development dependency). A
   * lab module's own `serviceArgs` wins (test fixtures).
   */
  serviceArgs?: (service: string) => string[];
  /** the children's working folder (default repoRoot; a packaged app's root is inside app.asar, where none can run) */
  cwd?: string;
  /** extra env for every child (tests) */
  extraEnv?: NodeJS.ProcessEnv;
  /** SIGTERM → exit deadline before a SIGKILL (default 15 s; the service itself gives up after 10 s) */
  stopTimeoutMs?: number;
  /** log lines kept per instance (default 2000) */
  logLinesKept?: number;
  now?: () => number;
}

export interface Supervisor {
  /** the lab whose instances it runs */
  readonly lab: string;
  /** switches to another lab's instances (stops the running ones first) */
  setLab(lab: LabModule): Promise<void>;
  list(): ServiceInstance[];
  get(instance: ServiceInstanceName): ServiceInstance;
  /** `brokenMode`: one of the lab's modes for this instance's kind, null or omitted: correct */
  start(instance: ServiceInstanceName, brokenMode?: string | null): Promise<ServiceInstance>;
  stop(instance: ServiceInstanceName): Promise<ServiceInstance>;
  kill(instance: ServiceInstanceName): Promise<ServiceInstance>;
  /** `brokenMode` omitted: the mode it last ran in */
  restart(instance: ServiceInstanceName, brokenMode?: string | null): Promise<ServiceInstance>;
  logs(instance: ServiceInstanceName, lines?: number): ServiceLogLine[];
  /** the generation of the newest join a notifier reported for a group */
  lastGeneration(groupId: string): number | null;
  /** SIGTERM every running child and wait (SIGKILL after the deadline). */
  stopAll(): Promise<void>;
}

/** Resolves once 127.0.0.1:port accepts a connection, or as soon as `still()` says to stop waiting. */
async function whenListening(port: number, still: () => boolean): Promise<void> {
  while (still()) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
  brokenMode: null,
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
  /** while its env is routed through its links, before the child exists */
  spawning: Promise<void> | undefined;
}

export function createSupervisor(deps: SupervisorDeps): Supervisor {
  const now = deps.now ?? Date.now;
  const stopTimeoutMs = deps.stopTimeoutMs ?? 15_000;
  const logLinesKept = deps.logLinesKept ?? 2000;
  const generations = new Map<string, number>();
  let lab = deps.lab;
  let slots = new Map<ServiceInstanceName, Slot>();
  let names: ServiceInstanceName[] = [];
  const build = (m: LabModule) => {
    slots = new Map();
    for (const svc of m.manifest.services) {
      for (const name of svc.instances) {
        slots.set(name, {
          state: {
            instance: name,
            lab: m.manifest.id,
            kind: svc.kind,
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
          spawning: undefined,
        });
      }
    }
    names = [...slots.keys()];
  };
  build(lab);
  const slot = (name: ServiceInstanceName): Slot => {
    const s = slots.get(name);
    if (s === undefined)
      throw new AppError(
        'INVALID_INPUT',
        `no such service instance in ${lab.manifest.id}: ${String(name)} (known: ${names.join(', ')})`,
        { field: 'instance', known: names },
      );
    return s;
  };
  /** the lab's broken mode for this kind, or an INVALID_INPUT naming the known ones */
  const checkMode = (s: Slot, mode: string | null | undefined): string | null => {
    if (mode === null || mode === undefined) return null;
    const known = lab.manifest.brokenModes.filter((b) => b.services.includes(s.state.kind)).map((b) => b.id);
    if (!known.includes(mode))
      throw new AppError(
        'INVALID_INPUT',
        `${s.state.kind} has no broken mode ${mode} (known: ${known.length > 0 ? known.join(', ') : 'none'})`,
        { field: 'brokenMode', known },
      );
    return mode;
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
      const parsed = stream === 'stdout' ? lab.parseLine?.(s.state.kind, name, text) : undefined;
      if (parsed !== undefined) {
        kind = parsed.kind;
        onParsed(s, parsed);
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

  const onParsed = (s: Slot, line: ParsedLine) => {
    if (line.kind === 'event') {
      s.state = { ...s.state, eventsProcessed: s.state.eventsProcessed + 1 };
      pushCountsSoon(s);
    } else if (line.kind === 'error') {
      s.state = { ...s.state, errors: s.state.errors + 1 };
      pushCountsSoon(s);
    }
    const m = line.member;
    if (m !== undefined) {
      if (m.generationId !== null)
        generations.set(m.groupId, Math.max(generations.get(m.groupId) ?? 0, m.generationId));
      // without the broker (or without a consumer) it owns no partition; a join tells the new assignment
      update(
        s,
        m.assignment === null ? { assignment: null } : { assignment: m.assignment, generationId: m.generationId },
      );
    }
    if (line.facts !== undefined && line.facts.length > 0) deps.onFacts?.(line.facts);
  };

  let tlsLinksNoticeLogged = false;
  /** the lab's env of one start, routed through the instance's links when there is a registry, plus the Kafka login
   * of the connection profile (KAFKA_SASL_*, KAFKA_TLS*: the same for every lab; this env is never logged) */
  const labEnv = async (kind: string, name: string): Promise<Record<string, string>> => {
    const own = lab.env(deps.context, kind, name);
    const endpoints = deps.context.endpoints();
    const security = kafkaSecurityEnv(endpoints.kafka.security);
    if (deps.links === undefined) return { ...own, ...security };
    // a link proxy is 127.0.0.1: a broker given by IP address would be checked against the proxy's address, not the
    // broker's (kafka-links.ts sends SNI only for names), so over TLS the instance reaches Kafka directly (its other
    // servers still go through their links)
    const tls = endpoints.kafka.security?.tls !== undefined;
    if (tls && !tlsLinksNoticeLogged) {
      tlsLinksNoticeLogged = true;
      deps.logger.info(
        { brokers: endpoints.kafka.brokers },
        "Kafka is reached over TLS: no Kafka link proxies (a 127.0.0.1 proxy would fail the brokers' certificate checks), the instances connect to it directly",
      );
    }
    const routing = tls ? { ...endpoints, kafka: { ...endpoints.kafka, brokers: [] } } : endpoints;
    try {
      return { ...(await deps.links.route(name, own, routing)), ...security };
    } catch (err) {
      deps.logger.warn({ instance: name, err: (err as Error).message }, 'links not routed: it connects directly');
      return { ...own, ...security };
    }
  };

  const spawnChild = (s: Slot, brokenMode: string | null): Promise<void> => {
    const spawning = labEnv(s.state.kind, s.state.instance).then(
      (env) => {
        if (s.spawning === spawning) s.spawning = undefined;
        spawnWith(s, brokenMode, env);
      },
      (err: unknown) => {
        if (s.spawning === spawning) s.spawning = undefined;
        throw err;
      },
    );
    s.spawning = spawning;
    return spawning;
  };

  const spawnWith = (s: Slot, brokenMode: string | null, env: Record<string, string>): void => {
    const name = s.state.instance;
    const kind = s.state.kind;
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ...deps.extraEnv,
      ...env,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    };
    if (brokenMode === null) delete childEnv.LAB_BROKEN_MODE;
    else childEnv.LAB_BROKEN_MODE = brokenMode;
    if (process.versions.electron !== undefined) childEnv.ELECTRON_RUN_AS_NODE = '1';
    const service = `${lab.manifest.id}/${kind}`;
    const args = lab.serviceArgs?.(kind, deps.repoRoot) ??
      deps.serviceArgs?.(service) ?? ['--import', 'tsx', path.join(deps.repoRoot, 'services', 'cli.ts'), service];
    const port = lab.manifest.services.find((x) => x.kind === kind)?.port ?? null;
    const child = spawn(deps.nodePath ?? process.execPath, args, {
      cwd: deps.cwd ?? deps.repoRoot,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    s.child = child;
    s.stopRequested = false;
    update(s, { state: 'starting', pid: child.pid ?? null, startedAt: now(), ...FRESH_RUN, brokenMode, port });
    for (const stream of ['stdout', 'stderr'] as const) {
      const rl = createInterface({ input: child[stream], crlfDelay: Infinity });
      rl.on('line', (text) => capture(s, stream, text));
    }
    s.exited = new Promise<void>((resolve) => {
      child.once('spawn', () => {
        const running = () => {
          if (s.child === child && s.state.state === 'starting')
            update(s, { state: 'running', pid: child.pid ?? null });
        };
        // a service with an HTTP port is running once the port answers (requests sent before would be refused)
        if (port === null || port === 0) running();
        else void whenListening(port, () => s.child === child && s.state.state === 'starting').then(running);
      });
      child.once('error', (err) => {
        deps.logger.error({ instance: name, err: err.message }, 'service process error');
        capture(s, 'stderr', `failed to run: ${err.message}`);
      });
      child.once('close', (code, signal) => {
        if (s.child === child) {
          s.child = undefined;
          deps.links?.release(name);
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
    if (s.spawning !== undefined) await s.spawning.catch(() => undefined);
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

  const stopAll = async () => {
    await Promise.allSettled(names.map((n) => stop(n)));
    for (const t of countPush.values()) clearTimeout(t);
    countPush.clear();
  };

  return {
    get lab() {
      return lab.manifest.id;
    },
    async setLab(next) {
      if (next === lab) return;
      await stopAll();
      lab = next;
      generations.clear();
      build(next);
    },
    list: () => names.map((n) => slot(n).state),
    get: (name) => slot(name).state,
    async start(name, brokenMode) {
      const s = slot(name);
      const mode = checkMode(s, brokenMode);
      if (s.spawning !== undefined) await s.spawning;
      if (s.child !== undefined) return s.state;
      await spawnChild(s, mode);
      return s.state;
    },
    stop,
    async kill(name) {
      const s = slot(name);
      if (s.child === undefined) return s.state;
      signal(s, 'SIGKILL');
      await waitExit(s, 5000);
      return s.state;
    },
    async restart(name, brokenMode) {
      const s = slot(name);
      const mode = brokenMode === undefined ? s.state.brokenMode : checkMode(s, brokenMode);
      await stop(name);
      if (s.spawning !== undefined) await s.spawning;
      if (s.child === undefined) await spawnChild(s, mode);
      return s.state;
    },
    logs(name, lines = 500) {
      const all = slot(name).logs;
      return all.slice(Math.max(0, all.length - lines));
    },
    lastGeneration: (groupId) => generations.get(groupId) ?? null,
    stopAll,
  };
}
