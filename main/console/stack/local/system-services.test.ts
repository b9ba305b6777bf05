import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemStartPlan } from './system-services.js';

const bin = mkdtempSync(path.join(tmpdir(), 'eventscope-bin-'));
for (const tool of ['rabbitmq-server', 'redis-server']) {
  writeFileSync(path.join(bin, tool), '#!/bin/sh\n');
  chmodSync(path.join(bin, tool), 0o755);
}
afterAll(() => rmSync(bin, { recursive: true, force: true }));

describe('systemStartPlan', () => {
  it('starts Redis bound to 127.0.0.1 without persistence, as a daemon with a pid file', () => {
    const plan = systemStartPlan('redis', { port: 6379, env: { PATH: bin }, redisPidFile: '/x/redis.pid' });
    expect(plan.command).toBe(path.join(bin, 'redis-server'));
    expect(plan.args).toEqual([
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '--port',
      '6379',
      '--save',
      '',
      '--appendonly',
      'no',
      '--pidfile',
      '/x/redis.pid',
    ]);
    expect(plan.stopSignal).toBe('SIGTERM');
  });

  it('starts RabbitMQ detached', () => {
    expect(systemStartPlan('rabbitmq', { port: 5672, env: { PATH: bin } }).args).toEqual(['-detached']);
  });

  it('says what to install when a server is missing', () => {
    expect(() => systemStartPlan('redis', { port: 6379, env: { PATH: '/nonexistent' } })).toThrow(
      /Redis does not answer on 127.0.0.1:6379 and is not installed here/,
    );
    expect(() => systemStartPlan('rabbitmq', { port: 5672, env: { PATH: '/nonexistent' } })).toThrow(
      /install rabbitmq-server/,
    );
  });
});
