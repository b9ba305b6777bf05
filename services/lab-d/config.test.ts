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

describe('LAB_BROKEN_MODE', () => {
  it('selects a mode of the service, and none when unset or empty', () => {
    expect(lomsConfigFromEnv({ LAB_BROKEN_MODE: 'relay-gives-up' }).brokenMode).toBe('relay-gives-up');
    expect(notifierConfigFromEnv({ LAB_BROKEN_MODE: 'crash-on-poison' }).brokenMode).toBe('crash-on-poison');
    expect(notifierConfigFromEnv({ LAB_BROKEN_MODE: 'no-graceful-shutdown' }).brokenMode).toBe('no-graceful-shutdown');
    expect(lomsConfigFromEnv({ LAB_BROKEN_MODE: '' }).brokenMode).toBeUndefined();
    expect(lomsConfigFromEnv({})).not.toHaveProperty('brokenMode');
  });

  it('refuses an unknown mode, or one of the other service, listing the known ones', () => {
    expect(() => lomsConfigFromEnv({ LAB_BROKEN_MODE: 'nope' })).toThrow(
      'LAB_BROKEN_MODE=nope: unknown; the modes of loms: relay-gives-up, random-partitioner, send-before-commit, no-graceful-shutdown',
    );
    expect(() => lomsConfigFromEnv({ LAB_BROKEN_MODE: 'crash-on-poison' })).toThrow(
      /crash-on-poison: applies to notifier, not to loms/,
    );
    expect(() => notifierConfigFromEnv({ LAB_BROKEN_MODE: 'relay-gives-up' })).toThrow(
      /the modes of notifier: commit-before-process, no-graceful-shutdown, crash-on-poison/,
    );
  });
});
