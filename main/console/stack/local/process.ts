// Process and port helpers for the local provider. Processes are only ever signalled by the PID this code started
// (and after checking that the PID still runs the expected command line), never by name.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, openSync, closeSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { AppError } from '../../../../services/shared/app-error.js';

/** Resolves the absolute path of an executable on PATH, or throws MISSING_TOOL with a sentence saying why it is needed. */
export function requireTool(name: string, why: string, env: NodeJS.ProcessEnv = process.env): string {
  const found = findTool(name, env);
  if (found === undefined) {
    throw new AppError('MISSING_TOOL', `${name} is not installed (not found on PATH): ${why}`, {
      tool: name,
      path: env.PATH ?? '',
    });
  }
  return found;
}

export function findTool(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Throws PORT_IN_USE naming the port when something already listens on host:port (or the bind fails otherwise). */
export async function assertPortFree(port: number, owner: string, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new AppError('PORT_IN_USE', `port ${port} on ${host} is already in use; ${owner} needs it`, {
            port,
            host,
            component: owner,
          }),
        );
      } else {
        reject(
          new AppError(
            'PORT_IN_USE',
            `cannot bind ${host}:${port} for ${owner}: ${err.message}`,
            { port, host, component: owner },
            { cause: err },
          ),
        );
      }
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** True when a TCP connection to host:port succeeds within timeoutMs. */
export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, not yet reaped by a parent that is not us) counts as gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z';
  } catch {
    return true;
  }
}

export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

export interface SpawnedServer {
  child: ChildProcess;
  pid: number;
}

/**
 * Starts a long-running server in its own process group, with stdout and stderr appended to logFile, detached from
 * this process so that it can outlive it (the CLI's `up` returns while the servers keep running).
 */
export function spawnServer(
  command: string,
  args: string[],
  opts: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv },
): SpawnedServer {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new AppError('INTERNAL', `could not start ${command}`, { command });
    child.unref();
    // Keep the exit code for whoever waits; avoid an unhandled 'error' event.
    child.on('error', () => undefined);
    return { child, pid: child.pid };
  } finally {
    closeSync(fd);
  }
}

/** Sends a signal to a PID this code started; resolves when it has exited (or the deadline passed: returns false). */
export async function signalAndWait(
  pid: number,
  signal: NodeJS.Signals,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<boolean> {
  if (!isAlive(pid)) return true;
  const exited =
    child !== undefined && child.exitCode === null && child.signalCode === null
      ? new Promise<void>((resolve) => child.once('exit', () => resolve()))
      : undefined;
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw err;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      const ok = await Promise.race([
        exited.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 100)),
      ]);
      if (ok) return true;
    } else {
      if (!isAlive(pid)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return !isAlive(pid);
}

/** SIGTERM (or the given signal), then SIGKILL after graceMs. Resolves when the process is gone. */
export async function stopPid(
  pid: number,
  opts: { signal?: NodeJS.Signals; graceMs?: number; child?: ChildProcess } = {},
): Promise<void> {
  const ok = await signalAndWait(pid, opts.signal ?? 'SIGTERM', opts.graceMs ?? 20_000, opts.child);
  if (!ok) await signalAndWait(pid, 'SIGKILL', 10_000, opts.child);
}

/** The PID of the process that listens on a TCP port (from /proc; Linux only). Undefined when unknown or not visible. */
export function findListenerPid(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const state = cols[3];
      const inode = cols[9];
      if (local === undefined || state !== '0A' || inode === undefined) continue; // 0A = LISTEN
      const portHex = local.slice(local.lastIndexOf(':') + 1);
      if (Number.parseInt(portHex, 16) === port) inodes.add(inode);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m?.[1] !== undefined && inodes.has(m[1])) return Number(pid);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

/** The last `lines` lines of a text file ([] when it does not exist). */
export function tailFile(file: string, lines = 50): string[] {
  try {
    const text = readFileSync(file, 'utf8');
    const all = text.split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines);
  } catch {
    return [];
  }
}
