// How the console's kafkajs clients log in to a cluster: SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and TLS (a CA
// file, a client certificate and key, or an explicit insecure switch). Every client the console makes (observer, tail,
// browser, faults, checks, probes, the profile test) takes its options from here.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { AppError } from '../../../services/shared/app-error.js';
import type { KafkaSecurityEnvName } from '../../../services/shared/kafka-security-env.js';
import type { SaslMechanism } from '../contract/profiles.js';

export interface KafkaSecurity {
  sasl?: { mechanism: SaslMechanism; username: string; password?: string | undefined };
  tls?: { caFile?: string | undefined; certFile?: string | undefined; keyFile?: string | undefined; insecure: boolean };
}

function readPem(file: string, field: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('CONFIG_ERROR', `${field}: cannot read ${file}: ${(err as Error).message}`, { field, file });
  }
}

/** node:tls options of a profile's TLS section (files read now; a missing file is CONFIG_ERROR naming the field). */
export function tlsOptions(tls: NonNullable<KafkaSecurity['tls']>): ConnectionOptions {
  return {
    ...(tls.caFile === undefined ? {} : { ca: [readPem(tls.caFile, 'kafka.tls.caFile')] }),
    ...(tls.certFile === undefined ? {} : { cert: readPem(tls.certFile, 'kafka.tls.certFile') }),
    ...(tls.keyFile === undefined ? {} : { key: readPem(tls.keyFile, 'kafka.tls.keyFile') }),
    rejectUnauthorized: !tls.insecure,
  };
}

/** The `ssl` and `sasl` options of a kafkajs client. */
export function kafkaClientSecurity(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (security === undefined) return {};
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (security.tls !== undefined) out.ssl = tlsOptions(security.tls);
  if (security.sasl !== undefined) {
    const { mechanism, username, password } = security.sasl;
    if (password === undefined)
      throw new AppError('CONFIG_ERROR', `kafka.sasl.password: not set (${mechanism} needs the user's password)`, {
        field: 'kafka.sasl.password',
      });
    out.sasl = { mechanism: mechanism.toLowerCase(), username, password } as SASLOptions;
  }
  return out;
}

/**
 * The env through which a lab service's kafkajs clients log in the same way (services/shared/kafka-security-env.ts reads
 * it): file paths, not their contents; the password as KAFKA_SASL_PASSWORD (so this env is never logged nor sent to the
 * renderer). Nothing when `security` is absent (PLAINTEXT).
 */
export function kafkaSecurityEnv(security: KafkaSecurity | undefined): Partial<Record<KafkaSecurityEnvName, string>> {
  if (security === undefined) return {};
  const env: Partial<Record<KafkaSecurityEnvName, string>> = {};
  const { sasl, tls } = security;
  if (sasl !== undefined) {
    if (sasl.password === undefined)
      throw new AppError('CONFIG_ERROR', `kafka.sasl.password: not set (${sasl.mechanism} needs the user's password)`, {
        field: 'kafka.sasl.password',
      });
    env.KAFKA_SASL_MECHANISM = sasl.mechanism;
    env.KAFKA_SASL_USERNAME = sasl.username;
    env.KAFKA_SASL_PASSWORD = sasl.password;
  }
  if (tls !== undefined) {
    env.KAFKA_TLS = 'true';
    if (tls.caFile !== undefined) env.KAFKA_TLS_CA_FILE = tls.caFile;
    if (tls.certFile !== undefined) env.KAFKA_TLS_CERT_FILE = tls.certFile;
    if (tls.keyFile !== undefined) env.KAFKA_TLS_KEY_FILE = tls.keyFile;
    if (tls.insecure) env.KAFKA_TLS_INSECURE = 'true';
  }
  return env;
}

/** A key that changes when any of the login changes (clients are rebuilt then); the password only as a hash. */
export function securityKey(security: KafkaSecurity | undefined): string {
  if (security === undefined) return 'plaintext';
  const { sasl, tls } = security;
  const pw = sasl?.password === undefined ? '' : createHash('sha256').update(sasl.password).digest('hex').slice(0, 16);
  return JSON.stringify({
    sasl: sasl === undefined ? null : { m: sasl.mechanism, u: sasl.username, pw },
    tls: tls ?? null,
  });
}

/** How a profile's Kafka reads in health and errors: "SASL_SSL (SCRAM-SHA-512)", "SSL (insecure)", "PLAINTEXT". */
export function describeSecurity(security: KafkaSecurity | undefined): string {
  const tls = security?.tls;
  const sasl = security?.sasl;
  const protocol = `${sasl === undefined ? '' : 'SASL_'}${tls === undefined ? 'PLAINTEXT' : 'SSL'}`;
  const extras = [sasl?.mechanism, tls?.insecure === true ? 'insecure: certificates not checked' : undefined].filter(
    (x): x is string => x !== undefined,
  );
  return extras.length === 0 ? protocol : `${protocol} (${extras.join(', ')})`;
}
