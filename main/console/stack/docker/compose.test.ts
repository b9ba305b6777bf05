import { describe, expect, it } from 'vitest';
import { ComposeCommands, INFRA_SERVICES, healthFromPs, labInitService, parsePs } from './compose.js';

const cmds = new ComposeCommands('/repo/docker/compose.yml', 'eventscope');
const base = ['compose', '-f', '/repo/docker/compose.yml', '-p', 'eventscope'];

describe('ComposeCommands', () => {
  it('brings up the infrastructure only and waits for the healthchecks', () => {
    expect(cmds.up()).toEqual({
      command: 'docker',
      args: [...base, 'up', '-d', '--wait', '--wait-timeout', '300', ...INFRA_SERVICES],
    });
    expect(INFRA_SERVICES).not.toContain('loms');
    expect(INFRA_SERVICES).not.toContain('notifier');
  });

  it('builds down, ps, logs, stop, start', () => {
    expect(cmds.down().args).toEqual([...base, 'down', '--remove-orphans']);
    expect(cmds.ps().args).toEqual([...base, 'ps', '--all', '--format', 'json']);
    expect(cmds.logs('kafka', 50).args).toEqual([...base, 'logs', '--no-color', '--tail', '50', 'kafka']);
    expect(cmds.stop(['kafka']).args).toEqual([...base, 'stop', 'kafka']);
    expect(cmds.start(['kafka']).args).toEqual([...base, 'up', '-d', '--wait', 'kafka']);
  });

  it("activates a lab's profile and runs its topic init to completion", () => {
    const lab = cmds.forLab('lab-d');
    const labBase = [...base, '--profile', 'lab-d'];
    expect(lab.lab).toBe('lab-d');
    expect(labInitService('lab-d')).toBe('lab-d-init');
    expect(lab.init().args).toEqual([...labBase, 'run', '--rm', 'lab-d-init']);
    // the brokers still, never the lab's service containers (the console runs those itself)
    expect(lab.up().args).toEqual([...labBase, 'up', '-d', '--wait', '--wait-timeout', '300', ...INFRA_SERVICES]);
    expect(lab.down().args).toEqual([...labBase, 'down', '--remove-orphans']);
    expect(cmds.forLab('lab-a').init().args).toEqual([...base, '--profile', 'lab-a', 'run', '--rm', 'lab-a-init']);
    // the brokers-only commands are unchanged
    expect(cmds.up().args).not.toContain('--profile');
  });

  it('refuses a lab id that is not a compose profile name (nor reads as an option)', () => {
    for (const bad of ['', '-x', '--profile', 'lab d', 'lab/d', 'a'])
      expect(() => cmds.forLab(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

const kafkaRunning = {
  Name: 'eventscope-kafka-1',
  Service: 'kafka',
  State: 'running',
  Health: 'healthy',
  ExitCode: 0,
  Publishers: [{ URL: '127.0.0.1', TargetPort: 9092, PublishedPort: 9092, Protocol: 'tcp' }],
};
const mongoStarting = {
  Name: 'eventscope-mongo-1',
  Service: 'mongo',
  State: 'running',
  Health: 'starting',
  ExitCode: 0,
  Publishers: [],
};
const redisExited = {
  Name: 'eventscope-redis-1',
  Service: 'redis',
  State: 'exited',
  Health: '',
  ExitCode: 137,
  Publishers: null,
};

describe('parsePs', () => {
  it('reads one JSON object per line (Compose 2.21+)', () => {
    const out = [kafkaRunning, mongoStarting, redisExited].map((o) => JSON.stringify(o)).join('\n');
    const entries = parsePs(`${out}\n`);
    expect(entries.map((e) => e.service)).toEqual(['kafka', 'mongo', 'redis']);
    expect(entries[0]).toEqual({
      service: 'kafka',
      name: 'eventscope-kafka-1',
      state: 'running',
      health: 'healthy',
      exitCode: 0,
      publishers: [{ url: '127.0.0.1', targetPort: 9092, publishedPort: 9092 }],
    });
    expect(entries[2]?.publishers).toEqual([]);
  });

  it('reads a JSON array (older Compose v2) and empty output', () => {
    expect(parsePs(JSON.stringify([kafkaRunning, redisExited])).map((e) => e.state)).toEqual(['running', 'exited']);
    expect(parsePs('')).toEqual([]);
    expect(parsePs('  \n')).toEqual([]);
  });

  it('throws on output that is not JSON', () => {
    expect(() => parsePs('NAME IMAGE STATUS')).toThrow();
  });
});

describe('healthFromPs', () => {
  const entries = parsePs([kafkaRunning, mongoStarting, redisExited].map((o) => JSON.stringify(o)).join('\n'));

  it('maps container state and healthcheck to component health', () => {
    expect(healthFromPs('kafka', entries, '127.0.0.1:9092')).toMatchObject({
      name: 'kafka',
      state: 'healthy',
      endpoint: '127.0.0.1:9092',
    });
    expect(healthFromPs('mongodb', entries, 'x').state).toBe('starting');
    expect(healthFromPs('redis', entries, 'x')).toMatchObject({
      state: 'stopped',
      detail: 'container eventscope-redis-1 is exited (exit code 137)',
    });
    expect(healthFromPs('postgres', entries, 'x')).toMatchObject({
      state: 'stopped',
      detail: 'service postgres is not created',
    });
  });

  it('reports an unhealthy container', () => {
    const bad = parsePs(JSON.stringify({ ...kafkaRunning, Health: 'unhealthy' }));
    expect(healthFromPs('kafka', bad, 'x').state).toBe('unhealthy');
  });
});
