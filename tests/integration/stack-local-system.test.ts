// The local provider starts a system server that is installed but not running with the system's own command, and
// `down` stops it by PID. Exercised with Redis on a test port (the machine's Postgres and RabbitMQ are left alone).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandLineOf, findTool, isAlive, isPortOpen } from '../../main/console/stack/local/process.js';
import { LocalStackProvider } from '../../main/console/stack/local/provider.js';
import { pingRedis } from '../../main/console/stack/probes.js';
import { waitFor } from '../../services/shared/wait.js';

const dir = mkdtempSync(path.join(tmpdir(), 'eventscope-system-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('local provider: system servers', () => {
  it('starts Redis with redis-server when nothing answers, reuses it on the next up, and stops it by PID on down', async () => {
    expect(findTool('redis-server'), 'this test needs redis-server installed').toBeDefined();
    const ports = { kafka: 29361, kafkaController: 29362, mongodb: 29363, redis: 29364 };
    expect(await isPortOpen(ports.redis)).toBe(false);
    const provider = new LocalStackProvider({ owner: 'tests', dir, stateDir: dir, ports, kafkaHeapMb: 384 });
    const seen: string[] = [];
    const unsubscribe = provider.onHealth((h) => {
      if (h.name === 'redis') seen.push(h.state);
    });
    try {
      const first = await provider.up();
      expect(first.origins.redis).toBe('started');
      expect(first.origins.postgres).toBe('reused');
      expect(first.endpoints.redis.url).toBe(`redis://127.0.0.1:${ports.redis}`);
      expect(await pingRedis(first.endpoints.redis.url)).toBe('Redis PONG');
      expect(seen[0]).toBe('starting');
      expect(seen.at(-1)).toBe('healthy');
      expect(seen).not.toContain('unhealthy');

      const pid = provider.startedPids().redis;
      expect(pid).toBeDefined();
      expect(commandLineOf(pid ?? 0)).toContain(`redis-server 127.0.0.1:${ports.redis}`);

      const second = await provider.up();
      expect(second.origins.redis).toBe('eventscope');
      expect(provider.startedPids().redis).toBe(pid);

      await provider.down();
      await waitFor(() => !isAlive(pid ?? 0), { timeoutMs: 10_000, what: 'redis-server to exit' });
      expect(await isPortOpen(ports.redis)).toBe(false);
      expect(provider.startedPids()).toEqual({});
      expect((await provider.status()).find((h) => h.name === 'redis')?.state).toBe('stopped');
    } finally {
      unsubscribe();
      await provider.down();
    }
  });
});
