import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaSecurityFromEnv } from '../../../services/shared/kafka-security-env.js';
import { kafkaClientSecurity, kafkaSecurityEnv, type KafkaSecurity } from './kafka-security.js';

const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
const pem = (name: string): string => {
  const file = join(dir, name);
  writeFileSync(file, `-----BEGIN ${name}-----\nMIIB\n-----END ${name}-----\n`);
  return file;
};
const caFile = pem('ca.pem');
const certFile = pem('client.pem');
const keyFile = pem('client.key');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kafkaSecurityEnv', () => {
  it('is nothing for PLAINTEXT', () => {
    expect(kafkaSecurityEnv(undefined)).toEqual({});
    expect(kafkaSecurityFromEnv(kafkaSecurityEnv(undefined))).toEqual({});
  });

  it('passes file paths, not contents, and the password as KAFKA_SASL_PASSWORD', () => {
    const env = kafkaSecurityEnv({
      sasl: { mechanism: 'SCRAM-SHA-256', username: 'lab', password: 'pw' },
      tls: { caFile, insecure: false },
    });
    expect(env).toEqual({
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: 'lab',
      KAFKA_SASL_PASSWORD: 'pw',
      KAFKA_TLS: 'true',
      KAFKA_TLS_CA_FILE: caFile,
    });
  });

  it.each<[string, KafkaSecurity]>([
    [
      'SCRAM-SHA-512 + CA',
      { sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' }, tls: { caFile, insecure: false } },
    ],
    ['PLAIN without TLS', { sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' } }],
    ['mutual TLS', { tls: { caFile, certFile, keyFile, insecure: false } }],
    ['TLS insecure', { tls: { insecure: true } }],
  ])('round-trips through the services’ env reader to the console’s own client options: %s', (_, security) => {
    expect(kafkaSecurityFromEnv(kafkaSecurityEnv(security))).toEqual(kafkaClientSecurity(security));
  });

  it('a SASL login without a password is a CONFIG_ERROR naming kafka.sasl.password', () => {
    const call = (): unknown => kafkaSecurityEnv({ sasl: { mechanism: 'PLAIN', username: 'u' } });
    expect(call).toThrow(/kafka\.sasl\.password/);
    expect(call).toThrow(expect.objectContaining({ code: 'CONFIG_ERROR' }) as Error);
  });
});
