// Which stack provider a host (web or Electron) uses: the stack's own chooser (EVENTSCOPE_STACK, else docker when an
// engine answers, else local), with the compose file resolved for the host's layout (dev checkout or packaged app).
import path from 'node:path';
import { AppError } from '../../../services/shared/app-error.js';
import { chooseProviderKind } from '../stack/choose.js';
import { DockerStackProvider } from '../stack/docker/provider.js';
import { ExternalStackProvider } from '../stack/external/provider.js';
import { LocalStackProvider, type LocalPorts } from '../stack/local/provider.js';
import type { StackProvider } from '../stack/types.js';

export async function providerForHost(opts: {
  dockerDir: string;
  env?: NodeJS.ProcessEnv;
}): Promise<{ provider: StackProvider; reason: string }> {
  const env = opts.env ?? process.env;
  const { kind, reason } = await chooseProviderKind({ env });
  switch (kind) {
    case 'docker':
      return {
        provider: new DockerStackProvider({ env, composeFile: path.join(opts.dockerDir, 'compose.yml') }),
        reason,
      };
    case 'external':
      return { provider: ExternalStackProvider.fromEnv(env), reason };
    case 'local':
      return { provider: new LocalStackProvider({ env, owner: 'app', ...localOverrides(env) }), reason };
  }
}

/**
 * Optional overrides of the local provider, so that a run (the e2e) can own brokers of its own next to those other
 * runs use: EVENTSCOPE_LOCAL_KAFKA_PORT, EVENTSCOPE_LOCAL_KAFKA_CONTROLLER_PORT, EVENTSCOPE_LOCAL_RABBITMQ_PORT,
 * EVENTSCOPE_LOCAL_RABBITMQ_MANAGEMENT_PORT, EVENTSCOPE_LOCAL_RABBITMQ_DIST_PORT (its own RabbitMQ node: AMQP,
 * management API, Erlang distribution), EVENTSCOPE_LOCAL_STACK_DIR (the brokers' data and state file). Unset: the
 * defaults (9092/9093, 5673/15673/25673, .cache/stack).
 */
function localOverrides(env: NodeJS.ProcessEnv): {
  ports?: Partial<LocalPorts>;
  dir?: string;
} {
  const port = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new AppError('CONFIG_ERROR', `${name} must be a port number (got "${raw}")`, { field: name, value: raw });
    return n;
  };
  const names: Partial<Record<keyof LocalPorts, string>> = {
    kafka: 'EVENTSCOPE_LOCAL_KAFKA_PORT',
    kafkaController: 'EVENTSCOPE_LOCAL_KAFKA_CONTROLLER_PORT',
    rabbitmq: 'EVENTSCOPE_LOCAL_RABBITMQ_PORT',
    rabbitmqManagement: 'EVENTSCOPE_LOCAL_RABBITMQ_MANAGEMENT_PORT',
    rabbitmqDist: 'EVENTSCOPE_LOCAL_RABBITMQ_DIST_PORT',
  };
  const ports: Partial<LocalPorts> = {};
  for (const [key, name] of Object.entries(names) as [keyof LocalPorts, string][]) {
    const n = port(name);
    if (n !== undefined) ports[key] = n;
  }
  const dir = env.EVENTSCOPE_LOCAL_STACK_DIR;
  return {
    ...(Object.keys(ports).length > 0 ? { ports } : {}),
    ...(dir !== undefined && dir !== '' ? { dir: path.resolve(dir) } : {}),
  };
}
