import { describe, expect, it } from 'vitest';
import { labEConfigFromEnv } from './config.js';

describe('Lab E env config', () => {
  it('maps the brokers onto the link proxies of KAFKA_LINKS for every service, and names the variable when malformed', () => {
    const configs = labEConfigFromEnv({ KAFKA_LINKS: '127.0.0.1:9092=127.0.0.1:41001' });
    for (const service of ['auth', 'tasks', 'accounting', 'analytics'] as const)
      expect(configs[service].kafkaLinks).toEqual(new Map([['127.0.0.1:9092', '127.0.0.1:41001']]));
    expect(labEConfigFromEnv({}).tasks.kafkaLinks).toBeUndefined();
    expect(() => labEConfigFromEnv({ KAFKA_LINKS: 'nowhere' })).toThrow(/KAFKA_LINKS/);
  });
});
