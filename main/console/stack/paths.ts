// Where the stack keeps its files. Everything generated lives under the ignored `.cache/` folder of the checkout
// (or under EVENTSCOPE_HOME when set, e.g. a packaged build that can not write next to its code).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout (or unpacked app) root: three folders above main/console/stack/. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.EVENTSCOPE_HOME !== undefined && env.EVENTSCOPE_HOME !== ''
    ? path.resolve(env.EVENTSCOPE_HOME)
    : path.join(PROJECT_ROOT, '.cache');
}

export function stackDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'stack');
}

export function jarsDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'jars', name);
}

export const DOCKER_DIR = path.join(PROJECT_ROOT, 'docker');
export const COMPOSE_FILE = path.join(DOCKER_DIR, 'compose.yml');
export const TOOLS_DIR = path.join(PROJECT_ROOT, 'tools');
