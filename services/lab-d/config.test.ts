import { describe, expect, it } from 'vitest';
import { lomsConfigFromEnv, notifierConfigFromEnv } from './config.js';

describe('env config', () => {
  it('applies the documented defaults', () => {
    expect(lomsConfigFromEnv({})).toEqual({
      port: 8084,
      host: '127.0.0.1',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      kafkaBrokers: ['127.0.0.1:9092'],
      topic: 'loms.order-events',
    });
    const n = notifierConfigFromEnv({ KAFKA_BROKERS: 'a:1, b:2' });
    expect(n).toMatchObject({ brokers: ['a:1', 'b:2'], groupId: 'notifier', topic: 'loms.order-events' });
    expect(n.instance).toMatch(/-\d+$/);
  });

  it('names the variable that is wrong', () => {
    expect(() => lomsConfigFromEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => lomsConfigFromEnv({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => notifierConfigFromEnv({ KAFKA_BROKERS: 'localhost' })).toThrow(/KAFKA_BROKERS/);
  });
});
