import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Brokers, Millis, parseEnv } from './config.js';

describe('shared env helpers', () => {
  const Env = z.object({ KAFKA_BROKERS: Brokers, WAIT_MS: Millis.optional() });

  it('splits a broker list and treats empty values as unset', () => {
    expect(parseEnv(Env, { KAFKA_BROKERS: ' a:1, b:2 ,', WAIT_MS: '' })).toEqual({ KAFKA_BROKERS: ['a:1', 'b:2'] });
    expect(parseEnv(Env, {})).toEqual({ KAFKA_BROKERS: ['127.0.0.1:9092'] });
  });

  it('is a CONFIG_ERROR naming every bad variable', () => {
    expect(() => parseEnv(Env, { KAFKA_BROKERS: 'localhost', WAIT_MS: '5' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_ERROR', details: { variables: ['KAFKA_BROKERS', 'WAIT_MS'] } }) as Error,
    );
  });
});
