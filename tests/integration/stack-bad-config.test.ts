// Bad configuration gets a clear error: an unreachable external address, a port already taken, Java or Maven missing.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../services/shared/app-error.js';
import { ExternalStackProvider } from '../../main/console/stack/external/provider.js';
import { LocalKafka } from '../../main/console/stack/local/kafka.js';
import { findTool } from '../../main/console/stack/local/process.js';
import { LocalStackProvider } from '../../main/console/stack/local/provider.js';
import { endpoints } from './support/index.js';

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `eventscope-${prefix}-`));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A TCP port that nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function rejection(work: Promise<unknown>): Promise<AppError> {
  try {
    await work;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a rejection, but it resolved');
}

describe('bad configuration', () => {
  it('external provider: an unreachable address is named with its component', async () => {
    const port = await freePort();
    const e = endpoints();
    const provider = ExternalStackProvider.fromEnv({
      EVENTSCOPE_KAFKA_BROKERS: e.kafka.brokers.join(','),
      EVENTSCOPE_POSTGRES_URL: e.postgres.url,
      EVENTSCOPE_RABBITMQ_URL: e.rabbitmq.url,
      EVENTSCOPE_MONGODB_URL: e.mongodb.url,
      EVENTSCOPE_REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    const err = await rejection(provider.up());
    expect(err.code).toBe('BROKER_UNAVAILABLE');
    expect(err.message).toContain(`redis at redis://127.0.0.1:${port} is unreachable`);
    expect(err.details).toEqual({
      unreachable: [expect.objectContaining({ component: 'redis', address: `redis://127.0.0.1:${port}` })],
    });
  });

  it('external provider: an unreachable Kafka broker gives KAFKA_UNAVAILABLE naming the broker', async () => {
    const port = await freePort();
    const e = endpoints();
    const provider = ExternalStackProvider.fromEnv({
      EVENTSCOPE_KAFKA_BROKERS: `127.0.0.1:${port}`,
      EVENTSCOPE_POSTGRES_URL: e.postgres.url,
      EVENTSCOPE_RABBITMQ_URL: e.rabbitmq.url,
      EVENTSCOPE_MONGODB_URL: e.mongodb.url,
      EVENTSCOPE_REDIS_URL: e.redis.url,
    });
    const err = await rejection(provider.up());
    expect(err.code).toBe('KAFKA_UNAVAILABLE');
    expect(err.message).toContain(`kafka at 127.0.0.1:${port} is unreachable`);
  });

  it('a port already taken gives PORT_IN_USE naming the port', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(29321, '127.0.0.1', resolve));
    try {
      const broker = new LocalKafka({ port: 29321, controllerPort: 29322, dataDir: tempDir('kafka-port') });
      const err = await rejection(broker.start());
      expect(err.code).toBe('PORT_IN_USE');
      expect(err.message).toContain('port 29321');
      expect(err.details).toMatchObject({ port: 29321 });
      expect(broker.pid).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('Java missing gives MISSING_TOOL naming java (LocalKafka and the local provider)', async () => {
    const emptyBin = tempDir('no-java');
    const env = { ...process.env, PATH: emptyBin };
    const broker = new LocalKafka({ port: 29331, controllerPort: 29332, dataDir: tempDir('kafka-nojava'), env });
    const err = await rejection(broker.start());
    expect(err.code).toBe('MISSING_TOOL');
    expect(err.message).toMatch(/^java is not installed/);
    expect(err.details).toMatchObject({ tool: 'java' });

    const stackDir = tempDir('stack-nojava');
    const provider = new LocalStackProvider({
      owner: 'tests',
      dir: stackDir,
      stateDir: stackDir,
      ports: { kafka: 29333, kafkaController: 29334, mongodb: 29335 },
      env,
    });
    const upErr = await rejection(provider.up());
    expect(upErr.code).toBe('MISSING_TOOL');
    expect(upErr.message).toContain('kafka: java is not installed');
    expect(upErr.message).toContain('mongodb: java is not installed');
    await provider.down();
  });

  it('Maven missing (with the jars not fetched yet) gives MISSING_TOOL naming mvn', async () => {
    const java = findTool('java');
    expect(java, 'this test needs java on PATH').toBeDefined();
    const bin = tempDir('only-java');
    symlinkSync(java ?? '', path.join(bin, 'java'));
    const emptyJars = path.join(tempDir('jars'), 'kafka-none');
    mkdirSync(emptyJars);
    const broker = new LocalKafka({
      port: 29341,
      controllerPort: 29342,
      dataDir: tempDir('kafka-nomvn'),
      jarsDir: emptyJars,
      env: { ...process.env, PATH: bin },
    });
    const err = await rejection(broker.start());
    expect(err.code).toBe('MISSING_TOOL');
    expect(err.message).toMatch(/^mvn is not installed/);
    expect(err.message).toContain(emptyJars);
  });
});
