// The machine's own Postgres, RabbitMQ and Redis: reused when they answer; started with the system's own commands when
// installed but stopped. What is started here is later stopped by the PID that listens on its port.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../../../../services/shared/app-error.js';
import { findTool } from './process.js';

const run = promisify(execFile);

export type SystemComponent = 'postgres' | 'rabbitmq' | 'redis';

export interface SystemStartPlan {
  component: SystemComponent;
  command: string;
  args: string[];
  /** Text that the listener's command line contains (checked before signalling it). */
  marker: string;
  /** The signal that shuts it down cleanly (Postgres: SIGINT = fast shutdown). */
  stopSignal: 'SIGTERM' | 'SIGINT';
  /** How long it may take until it answers. */
  startTimeoutMs: number;
}

/** The Postgres major versions with a cluster config in /etc/postgresql (highest first). */
export function postgresClusters(etc = '/etc/postgresql'): string[] {
  try {
    return readdirSync(etc)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    return [];
  }
}

/** The command that starts a component on this machine, or a MISSING_TOOL error saying what to install. */
export function systemStartPlan(
  component: SystemComponent,
  opts: { port: number; env?: NodeJS.ProcessEnv; redisPidFile?: string },
): SystemStartPlan {
  const env = opts.env ?? process.env;
  switch (component) {
    case 'postgres': {
      const ctl = findTool('pg_ctlcluster', env);
      const version = postgresClusters()[0];
      if (ctl === undefined || version === undefined) {
        throw new AppError(
          'MISSING_TOOL',
          `Postgres does not answer on 127.0.0.1:${opts.port} and is not installed here (install postgresql, or set EVENTSCOPE_STACK=external with EVENTSCOPE_POSTGRES_URL)`,
          { component, port: opts.port },
        );
      }
      return {
        component,
        command: ctl,
        args: ['--skip-systemctl-redirect', version, 'main', 'start'],
        marker: 'postgres',
        stopSignal: 'SIGINT',
        startTimeoutMs: 60_000,
      };
    }
    case 'rabbitmq': {
      const server = findTool('rabbitmq-server', env);
      if (server === undefined) {
        throw new AppError(
          'MISSING_TOOL',
          `RabbitMQ does not answer on 127.0.0.1:${opts.port} and is not installed here (install rabbitmq-server, or set EVENTSCOPE_STACK=external with EVENTSCOPE_RABBITMQ_URL)`,
          { component, port: opts.port },
        );
      }
      return {
        component,
        command: server,
        args: ['-detached'],
        marker: 'rabbit',
        stopSignal: 'SIGTERM',
        startTimeoutMs: 120_000,
      };
    }
    case 'redis': {
      const server = findTool('redis-server', env);
      if (server === undefined) {
        throw new AppError(
          'MISSING_TOOL',
          `Redis does not answer on 127.0.0.1:${opts.port} and is not installed here (install redis-server, or set EVENTSCOPE_STACK=external with EVENTSCOPE_REDIS_URL)`,
          { component, port: opts.port },
        );
      }
      const args = [
        '--daemonize',
        'yes',
        '--bind',
        '127.0.0.1',
        '--port',
        String(opts.port),
        '--save',
        '',
        '--appendonly',
        'no',
      ];
      if (opts.redisPidFile !== undefined) args.push('--pidfile', opts.redisPidFile);
      return {
        component,
        command: server,
        args,
        marker: 'redis-server',
        stopSignal: 'SIGTERM',
        startTimeoutMs: 30_000,
      };
    }
  }
}

/** Runs the start command (they all daemonise and return). */
export async function runStartPlan(plan: SystemStartPlan, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await run(plan.command, plan.args, { env, timeout: plan.startTimeoutMs, cwd: '/' });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message?: string };
    const why = (e.stderr ?? '').trim() || (e.stdout ?? '').trim() || (e.message ?? '');
    throw new AppError(
      'BROKER_UNAVAILABLE',
      `starting ${plan.component} with \`${path.basename(plan.command)} ${plan.args.join(' ')}\` failed: ${why}`,
      {
        component: plan.component,
      },
      { cause: err },
    );
  }
}
