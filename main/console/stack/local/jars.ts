// The broker jars of the local provider: fetched from Maven Central by scripts/fetch-jars.sh into .cache/jars/.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../../../../services/shared/app-error.js';
import { PROJECT_ROOT, cacheDir } from '../paths.js';
import { readVersions } from '../versions.js';
import { requireTool } from './process.js';

const run = promisify(execFile);

export function kafkaJarsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'jars', `kafka-${readVersions().kafka}`);
}

export function mongoJarsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'jars', `mongo-java-server-${readVersions().mongoJavaServer}`);
}

/** A java classpath of every jar in a folder. */
export function classpathOf(dir: string): string {
  return path.join(dir, '*');
}

/**
 * Makes sure the jars in `dir` are there; fetches them with Maven (scripts/fetch-jars.sh) when they are not.
 * Throws MISSING_TOOL when java (always needed) or mvn (needed to fetch) is not on PATH.
 */
export async function ensureJars(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  requireTool(
    'java',
    'the local stack runs Kafka and the MongoDB-wire server with Java (install a JRE 17+, e.g. `apt-get install default-jre-headless`)',
    env,
  );
  if (existsSync(path.join(dir, '.complete'))) return;
  requireTool(
    'mvn',
    `the local stack fetches the broker jars from Maven Central with Maven into ${dir} (install it, e.g. \`apt-get install maven\`, or run \`npm run fetch-jars\` where Maven is available)`,
    env,
  );
  const script = path.join(PROJECT_ROOT, 'scripts', 'fetch-jars.sh');
  try {
    await run('bash', [script], {
      env: { ...env, EVENTSCOPE_HOME: cacheDir(env) },
      timeout: 15 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new AppError(
      'MISSING_TOOL',
      `fetching the broker jars with Maven failed: ${stderr.trim().split('\n').slice(-5).join(' | ')}`,
      { script },
      { cause: err },
    );
  }
  if (!existsSync(path.join(dir, '.complete'))) {
    throw new AppError('MISSING_TOOL', `the jars are still missing in ${dir} after running ${script}`, { dir });
  }
}
