import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../../services/shared/app-error.js';
import { loadExternalConfig } from './config.js';

const full = {
  EVENTSCOPE_KAFKA_BROKERS: 'kafka-1.course.example:9092, kafka-2.course.example:9092',
  EVENTSCOPE_POSTGRES_URL: 'postgresql://student:secret@db.course.example:5432/lab',
  EVENTSCOPE_RABBITMQ_URL: 'amqp://guest:guest@mq.course.example:5672',
  EVENTSCOPE_MONGODB_URL: 'mongodb://mongo.course.example:27017',
  EVENTSCOPE_REDIS_URL: 'redis://cache.course.example:6379',
};

const dir = mkdtempSync(path.join(tmpdir(), 'eventscope-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(env: NodeJS.ProcessEnv): AppError {
  try {
    loadExternalConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFIG_ERROR');
    return err as AppError;
  }
  throw new Error('expected a CONFIG_ERROR');
}

describe('loadExternalConfig', () => {
  it('reads the addresses from env', () => {
    expect(loadExternalConfig(full)).toEqual({
      kafka: { brokers: ['kafka-1.course.example:9092', 'kafka-2.course.example:9092'] },
      postgres: { url: full.EVENTSCOPE_POSTGRES_URL },
      rabbitmq: { url: full.EVENTSCOPE_RABBITMQ_URL },
      mongodb: { url: full.EVENTSCOPE_MONGODB_URL },
      redis: { url: full.EVENTSCOPE_REDIS_URL },
    });
  });

  it('reads a JSON file (EVENTSCOPE_CONFIG), and env wins field by field', () => {
    const file = path.join(dir, 'stack.json');
    writeFileSync(
      file,
      JSON.stringify({
        kafka: { brokers: ['file-kafka:9092'] },
        postgres: { url: 'postgres://file-db:5432/x' },
        rabbitmq: { url: 'amqps://file-mq:5671' },
        mongodb: { url: 'mongodb+srv://cluster.example' },
        redis: { url: 'rediss://file-redis:6380' },
      }),
    );
    const config = loadExternalConfig({ EVENTSCOPE_CONFIG: file, EVENTSCOPE_REDIS_URL: 'redis://env-redis:6379' });
    expect(config.kafka.brokers).toEqual(['file-kafka:9092']);
    expect(config.rabbitmq.url).toBe('amqps://file-mq:5671');
    expect(config.redis.url).toBe('redis://env-redis:6379');
  });

  it('names every missing field with its env variable', () => {
    const err = configError({
      EVENTSCOPE_KAFKA_BROKERS: 'k:9092',
      EVENTSCOPE_POSTGRES_URL: full.EVENTSCOPE_POSTGRES_URL,
    });
    expect(err.message).toContain('rabbitmq.url (EVENTSCOPE_RABBITMQ_URL) is missing');
    expect(err.message).toContain('mongodb.url (EVENTSCOPE_MONGODB_URL) is missing');
    expect(err.message).toContain('redis.url (EVENTSCOPE_REDIS_URL) is missing');
    expect(err.details?.fields).toEqual(['rabbitmq.url', 'mongodb.url', 'redis.url']);
  });

  it('names a malformed field', () => {
    expect(configError({ ...full, EVENTSCOPE_KAFKA_BROKERS: 'localhost' }).message).toContain(
      'kafka.brokers.0 (EVENTSCOPE_KAFKA_BROKERS) must be host:port',
    );
    expect(configError({ ...full, EVENTSCOPE_POSTGRES_URL: 'mysql://db:3306/x' }).message).toContain(
      'postgres.url (EVENTSCOPE_POSTGRES_URL) must be a URL starting with postgres:// or postgresql://',
    );
  });

  it('says when the config file is missing or not JSON', () => {
    expect(configError({ EVENTSCOPE_CONFIG: path.join(dir, 'nope.json') }).message).toMatch(
      /^EVENTSCOPE_CONFIG: cannot read/,
    );
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ kafka: ');
    expect(configError({ EVENTSCOPE_CONFIG: bad }).message).toMatch(/is not valid JSON/);
  });
});
