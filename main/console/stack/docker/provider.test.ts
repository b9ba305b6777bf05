import { describe, expect, it } from 'vitest';
import type { ComposeCommand } from './compose.js';
import { DockerStackProvider } from './provider.js';

function fakeRunner(outputs: Record<string, string>) {
  const calls: string[][] = [];
  const runner = (cmd: ComposeCommand) => {
    calls.push(cmd.args);
    const verb = cmd.args[5] ?? '';
    return Promise.resolve({ stdout: outputs[verb] ?? '', stderr: '' });
  };
  return { calls, runner };
}

const ps = [
  { Name: 'eventscope-kafka-1', Service: 'kafka', State: 'running', Health: 'healthy', ExitCode: 0, Publishers: [] },
  {
    Name: 'eventscope-postgres-1',
    Service: 'postgres',
    State: 'running',
    Health: 'starting',
    ExitCode: 0,
    Publishers: [],
  },
]
  .map((o) => JSON.stringify(o))
  .join('\n');

const healthyPs = ['kafka', 'postgres', 'rabbitmq', 'mongo', 'redis']
  .map((service) =>
    JSON.stringify({ Name: `eventscope-${service}-1`, Service: service, State: 'running', Health: 'healthy' }),
  )
  .join('\n');
const probeAll = () => Promise.resolve({ ok: true, detail: 'answers' });
/** each call's arguments after `compose -f <file> -p <project>` */
const verbs = (calls: string[][]) => calls.map((c) => c.slice(5).join(' '));

describe('DockerStackProvider (no engine: a fake command runner)', () => {
  it('reports health from `docker compose ps` and pushes changes', async () => {
    const { calls, runner } = fakeRunner({ ps });
    const provider = new DockerStackProvider({ composeFile: '/repo/docker/compose.yml', runner });
    const pushed: string[] = [];
    provider.onHealth((h) => pushed.push(`${h.name}:${h.state}`));
    const health = await provider.status();
    expect(calls).toEqual([
      ['compose', '-f', '/repo/docker/compose.yml', '-p', 'eventscope', 'ps', '--all', '--format', 'json'],
    ]);
    expect(health.map((h) => [h.name, h.state, h.endpoint])).toEqual([
      ['kafka', 'healthy', '127.0.0.1:9092'],
      ['postgres', 'starting', 'postgresql://127.0.0.1:5432/postgres'],
      ['rabbitmq', 'stopped', 'amqp://127.0.0.1:5672'],
      ['mongodb', 'stopped', 'mongodb://127.0.0.1:27017/?directConnection=true'],
      ['redis', 'stopped', 'redis://127.0.0.1:6379'],
    ]);
    expect(pushed).toEqual([
      'kafka:healthy',
      'postgres:starting',
      'rabbitmq:stopped',
      'mongodb:stopped',
      'redis:stopped',
    ]);
  });

  it('stops the compose project on down, and reads a service log', async () => {
    const { calls, runner } = fakeRunner({ logs: 'line 1\nline 2\n' });
    const provider = new DockerStackProvider({ composeFile: '/c.yml', runner });
    await provider.down();
    expect(await provider.logs('mongodb', 2)).toEqual(['line 1', 'line 2']);
    expect(calls).toEqual([
      ['compose', '-f', '/c.yml', '-p', 'eventscope', 'down', '--remove-orphans'],
      ['compose', '-f', '/c.yml', '-p', 'eventscope', 'logs', '--no-color', '--tail', '2', 'mongo'],
    ]);
  });

  it("starts the brokers only by default, and a lab's profile with its topic init when given the lab", async () => {
    const { calls, runner } = fakeRunner({ ps: healthyPs });
    const provider = new DockerStackProvider({ composeFile: '/c.yml', runner, probe: probeAll });
    await provider.up();
    const brokers = 'up -d --wait --wait-timeout 300 kafka kafka-ui rabbitmq postgres mongo redis';
    expect(verbs(calls)).toEqual(['ps --all --format json', brokers, 'ps --all --format json']);
    calls.length = 0;
    const result = await provider.up({ lab: 'lab-d' });
    expect(verbs(calls)).toEqual([
      'ps --all --format json',
      `--profile lab-d ${brokers}`,
      '--profile lab-d run --rm lab-d-init',
      'ps --all --format json',
    ]);
    expect(result.health.every((h) => h.state === 'healthy')).toBe(true);
    expect(result.origins.kafka).toBe('reused');
    calls.length = 0;
    // down takes the lab profile's containers too (compose leaves an inactive profile's containers up)
    await provider.down();
    await provider.down();
    expect(verbs(calls)).toEqual(['--profile lab-d down --remove-orphans', 'down --remove-orphans']);
  });

  it('takes the lab from its options too, and refuses a bad lab id before running anything', async () => {
    const { calls, runner } = fakeRunner({ ps: healthyPs });
    const provider = new DockerStackProvider({ composeFile: '/c.yml', runner, probe: probeAll, lab: 'lab-d' });
    await provider.up();
    expect(verbs(calls)).toContain('--profile lab-d run --rm lab-d-init');
    expect(() => new DockerStackProvider({ composeFile: '/c.yml', runner, lab: '--all' })).toThrow(/not a lab id/);
    calls.length = 0;
    await expect(provider.up({ lab: '-v' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(calls).toEqual([]);
  });

  it('stops and starts one component (the broker-outage fault)', async () => {
    const { calls, runner } = fakeRunner({ ps });
    const provider = new DockerStackProvider({ composeFile: '/c.yml', runner });
    await provider.stopComponent('kafka');
    await provider.startComponent('kafka');
    expect(calls.map((c) => c.slice(5).join(' '))).toEqual([
      'stop kafka',
      'ps --all --format json',
      'up -d --wait kafka',
      'ps --all --format json',
    ]);
  });
});
