import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaSecurityFromEnv } from './kafka-security-env.js';

const dir = mkdtempSync(join(tmpdir(), 'kafka-security-env-'));
const ca = join(dir, 'ca.pem');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(env: NodeJS.ProcessEnv): { code: string; message: string } {
  try {
    kafkaSecurityFromEnv(env);
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('no error');
}

describe('kafkaSecurityFromEnv', () => {
  it('is PLAINTEXT (nothing) when no variable is set, or all are empty', () => {
    expect(kafkaSecurityFromEnv({})).toEqual({});
    expect(kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: '', KAFKA_TLS: '', KAFKA_BROKERS: 'a:1' })).toEqual({});
    expect(kafkaSecurityFromEnv({ KAFKA_TLS: 'false' })).toEqual({});
  });

  it('reads SCRAM with a CA file (mechanism in any case)', () => {
    expect(
      kafkaSecurityFromEnv({
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'alice',
        KAFKA_SASL_PASSWORD: 's3cret',
        KAFKA_TLS_CA_FILE: ca,
      }),
    ).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 's3cret' },
      ssl: { ca: [expect.stringContaining('BEGIN CERTIFICATE')], rejectUnauthorized: true },
    });
  });

  it('TLS alone, insecure, and PLAIN without TLS', () => {
    expect(kafkaSecurityFromEnv({ KAFKA_TLS: 'TRUE' })).toEqual({ ssl: { rejectUnauthorized: true } });
    expect(kafkaSecurityFromEnv({ KAFKA_TLS_INSECURE: 'true' })).toEqual({ ssl: { rejectUnauthorized: false } });
    expect(
      kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }),
    ).toEqual({ sasl: { mechanism: 'plain', username: 'u', password: 'p' } });
  });

  it.each<[string, NodeJS.ProcessEnv]>([
    ['KAFKA_SASL_MECHANISM', { KAFKA_SASL_MECHANISM: 'GSSAPI', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }],
    ['KAFKA_SASL_USERNAME', { KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_PASSWORD: 'p' }],
    ['KAFKA_SASL_PASSWORD', { KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'u' }],
    ['KAFKA_SASL_USERNAME', { KAFKA_SASL_USERNAME: 'u' }],
    ['KAFKA_SASL_PASSWORD', { KAFKA_SASL_PASSWORD: 'p' }],
    ['KAFKA_TLS', { KAFKA_TLS: 'maybe' }],
    ['KAFKA_TLS', { KAFKA_TLS: 'false', KAFKA_TLS_CA_FILE: ca }],
    ['KAFKA_TLS_CA_FILE', { KAFKA_TLS_CA_FILE: join(dir, 'missing-ca.pem') }],
    ['KAFKA_TLS_CERT_FILE', { KAFKA_TLS_CERT_FILE: join(dir, 'missing-cert.pem'), KAFKA_TLS_KEY_FILE: ca }],
    ['KAFKA_TLS_KEY_FILE', { KAFKA_TLS_CERT_FILE: ca, KAFKA_TLS_KEY_FILE: join(dir, 'missing-key.pem') }],
    ['KAFKA_TLS_KEY_FILE', { KAFKA_TLS_CERT_FILE: ca }],
    ['KAFKA_TLS_CERT_FILE', { KAFKA_TLS_KEY_FILE: ca }],
    ['KAFKA_TLS_INSECURE', { KAFKA_TLS_INSECURE: 'sure' }],
  ])('a bad or incomplete setting is a CONFIG_ERROR naming %s', (variable, env) => {
    const err = errorOf(env);
    expect(err.code).toBe('CONFIG_ERROR');
    expect(err.message).toContain(variable);
  });

  it('never puts the password in an error', () => {
    const err = errorOf({ KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_PASSWORD: 'hunter2' });
    expect(err.message).not.toContain('hunter2');
  });
});
