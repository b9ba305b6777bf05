// Which provider runs the stack: EVENTSCOPE_STACK=docker|local|external, else docker when an engine answers, else local.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AppError } from '../../../services/shared/app-error.js';
import { DockerStackProvider } from './docker/provider.js';
import { ExternalStackProvider } from './external/provider.js';
import { LocalStackProvider, type LocalProviderOptions } from './local/provider.js';
import type { ProviderKind, StackProvider } from './types.js';

const run = promisify(execFile);

/** True when `docker info` answers (a Docker engine is reachable), within timeoutMs. */
export async function dockerEngineAnswers(env: NodeJS.ProcessEnv = process.env, timeoutMs = 8_000): Promise<boolean> {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}'], { env, timeout: timeoutMs });
    return true;
  } catch {
    return false;
  }
}

export interface ChooseOptions {
  env?: NodeJS.ProcessEnv;
  /** Passed to the local provider. */
  local?: Omit<LocalProviderOptions, 'env'>;
  /** For tests: whether an engine answers (default: ask `docker info`). */
  dockerAnswers?: () => Promise<boolean>;
}

export async function chooseProviderKind(opts: ChooseOptions = {}): Promise<{ kind: ProviderKind; reason: string }> {
  const env = opts.env ?? process.env;
  const asked = env.EVENTSCOPE_STACK?.trim();
  if (asked !== undefined && asked !== '') {
    if (asked === 'docker' || asked === 'local' || asked === 'external')
      return { kind: asked, reason: `EVENTSCOPE_STACK=${asked}` };
    throw new AppError('CONFIG_ERROR', `EVENTSCOPE_STACK must be docker, local or external (got "${asked}")`, {
      field: 'EVENTSCOPE_STACK',
      value: asked,
    });
  }
  const answers = await (opts.dockerAnswers ?? (() => dockerEngineAnswers(env)))();
  return answers
    ? { kind: 'docker', reason: 'a Docker engine answers' }
    : { kind: 'local', reason: 'no Docker engine answers (`docker info`)' };
}

export async function chooseProvider(opts: ChooseOptions = {}): Promise<{ provider: StackProvider; reason: string }> {
  const env = opts.env ?? process.env;
  const { kind, reason } = await chooseProviderKind(opts);
  switch (kind) {
    case 'docker':
      return { provider: new DockerStackProvider({ env }), reason };
    case 'external':
      return { provider: ExternalStackProvider.fromEnv(env), reason };
    case 'local':
      return { provider: new LocalStackProvider({ ...opts.local, env }), reason };
  }
}
