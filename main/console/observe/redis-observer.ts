// Polls the Redis keys a lab names by prefix (a cache, a write-through copy): per prefix how many keys match and the
// first of them in order, pushed when they change; values are read on demand (strings, hashes, lists, sets). SCAN
// only (never KEYS), bounded per poll so that a large keyspace cannot stall the server. A failing poll is said once,
// and once when it works again.
import type { createClient } from 'redis';
import type { Logger } from '../../../services/shared/logger.js';
import { createPollLoop } from './poll-loop.js';

type RedisClient = ReturnType<typeof createClient>;

export interface RedisPrefixState {
  prefix: string;
  /** keys matching the prefix (up to the scan bound) */
  count: number;
  /** true when the scan stopped at its bound: there may be more */
  truncated: boolean;
  /** the first keys in lexical order */
  keys: string[];
  at: number;
}

export type RedisValue =
  | { key: string; type: 'none' }
  | { key: string; type: 'string'; value: string }
  | { key: string; type: 'hash'; value: Record<string, string> }
  | { key: string; type: 'list' | 'set'; value: string[] }
  | { key: string; type: string; value: null };

export interface RedisObserverDeps {
  client: RedisClient;
  prefixes: readonly string[];
  logger: Logger;
  pollIntervalMs: number;
  onDiff: (seq: number, changed: RedisPrefixState[]) => void;
  onProblem?: (message: string | null) => void;
  /** keys scanned per prefix and poll at most (default 10 000) */
  maxKeys?: number;
  /** keys kept per prefix (default 50) */
  sample?: number;
  now?: () => number;
}

export interface RedisObserver {
  start(): void;
  stop(): Promise<void>;
  setPollInterval(ms: number): void;
  pollNow(): Promise<void>;
  snapshot(): { seq: number; prefixes: RedisPrefixState[] };
  /** one key's value, whatever its type */
  value(key: string): Promise<RedisValue>;
}

/** `*`, `?`, `[` and `\` in a prefix are literal in the MATCH pattern. */
export function matchPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
}

export function createRedisObserver(deps: RedisObserverDeps): RedisObserver {
  const now = deps.now ?? Date.now;
  const maxKeys = deps.maxKeys ?? 10_000;
  const sample = deps.sample ?? 50;
  const states = new Map<string, { state: RedisPrefixState; text: string }>();
  let seq = 0;
  let problem: string | null = null;

  const say = (message: string | null): void => {
    if (message === problem) return;
    if (message === null) deps.logger.info('redis observer: polling works again');
    else if (problem === null) deps.logger.warn({ err: message }, 'redis observer: polling failed');
    problem = message;
    deps.onProblem?.(message);
  };

  async function read(prefix: string): Promise<RedisPrefixState> {
    const keys: string[] = [];
    let truncated = false;
    for await (const batch of deps.client.scanIterator({ MATCH: matchPattern(prefix), COUNT: 500 })) {
      keys.push(...batch);
      if (keys.length >= maxKeys) {
        truncated = true;
        break;
      }
    }
    keys.sort();
    return { prefix, count: keys.length, truncated, keys: keys.slice(0, sample), at: now() };
  }

  async function poll(): Promise<void> {
    const changed: RedisPrefixState[] = [];
    try {
      for (const prefix of deps.prefixes) {
        const state = await read(prefix);
        const text = JSON.stringify([state.count, state.truncated, state.keys]);
        if (states.get(prefix)?.text === text) continue;
        states.set(prefix, { state, text });
        changed.push(state);
      }
      say(null);
    } catch (err) {
      say((err as Error).message);
    }
    if (changed.length > 0) deps.onDiff(++seq, changed);
  }

  const loop = createPollLoop(poll, deps.pollIntervalMs);
  return {
    start: () => loop.start(),
    stop: () => loop.stop(),
    setPollInterval: (ms) => loop.setInterval(ms),
    pollNow: () => loop.pollNow(),
    snapshot: () => ({ seq, prefixes: [...states.values()].map((s) => s.state) }),
    async value(key) {
      const type = await deps.client.type(key);
      switch (type) {
        case 'none':
          return { key, type: 'none' };
        case 'string':
          return { key, type: 'string', value: (await deps.client.get(key)) ?? '' };
        case 'hash':
          return { key, type: 'hash', value: await deps.client.hGetAll(key) };
        case 'list':
          return { key, type: 'list', value: await deps.client.lRange(key, 0, 999) };
        case 'set':
          return { key, type: 'set', value: (await deps.client.sMembers(key)).sort() };
        default:
          return { key, type, value: null };
      }
    },
  };
}
