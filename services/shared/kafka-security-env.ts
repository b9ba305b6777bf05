// SASL and TLS for the services' kafkajs clients, from the environment (the console sets these from its connection
// profile; unset: PLAINTEXT, as on the local stack). Every `new Kafka({...})` in services/ spreads kafkaSecurityFromEnv().
//   KAFKA_SASL_MECHANISM  PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 (any case); needs KAFKA_SASL_USERNAME and _PASSWORD
//   KAFKA_TLS             true | false (implied by any of the files below)
//   KAFKA_TLS_CA_FILE     PEM file of the CA(s) that signed the brokers' certificates
//   KAFKA_TLS_CERT_FILE   client certificate (PEM), with KAFKA_TLS_KEY_FILE (mutual TLS)
//   KAFKA_TLS_INSECURE    true: the brokers' certificates are not checked
// Files are read at once: an unreadable one is a CONFIG_ERROR naming its variable.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { AppError } from './app-error.js';

export const KAFKA_SECURITY_ENV = [
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_TLS',
  'KAFKA_TLS_CA_FILE',
  'KAFKA_TLS_CERT_FILE',
  'KAFKA_TLS_KEY_FILE',
  'KAFKA_TLS_INSECURE',
] as const;
export type KafkaSecurityEnvName = (typeof KAFKA_SECURITY_ENV)[number];

const Bool = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .refine((s) => ['true', 'false', '1', '0', 'yes', 'no'].includes(s), 'must be true or false')
  .transform((s) => s === 'true' || s === '1' || s === 'yes');

const Schema = z.object({
  KAFKA_SASL_MECHANISM: z
    .string()
    .transform((s) => s.trim().toUpperCase())
    .pipe(
      z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], { message: 'must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512' }),
    )
    .optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_TLS: Bool.optional(),
  KAFKA_TLS_CA_FILE: z.string().optional(),
  KAFKA_TLS_CERT_FILE: z.string().optional(),
  KAFKA_TLS_KEY_FILE: z.string().optional(),
  KAFKA_TLS_INSECURE: Bool.optional(),
});

function configError(variable: KafkaSecurityEnvName, problem: string): AppError {
  return new AppError('CONFIG_ERROR', `${variable}: ${problem}`, { variables: [variable] });
}

function readPem(file: string, variable: KafkaSecurityEnvName): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw configError(variable, `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** kafkajs' `ssl` and `sasl` from `env` (nothing when none of the variables is set); a bad setting is a CONFIG_ERROR
 * naming its variable. */
export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const clean = Object.fromEntries(
    KAFKA_SECURITY_ENV.map((k) => [k, env[k]]).filter(([, v]) => v !== undefined && v !== ''),
  ) as Partial<Record<KafkaSecurityEnvName, string>>;
  const parsed = Schema.safeParse(clean);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = (issue?.path[0] ?? 'KAFKA_SASL_MECHANISM') as KafkaSecurityEnvName;
    throw new AppError('CONFIG_ERROR', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), {
      variables: [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? variable)))],
    });
  }
  const e = parsed.data;
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};

  if (e.KAFKA_SASL_MECHANISM === undefined) {
    if (e.KAFKA_SASL_USERNAME !== undefined)
      throw configError(
        'KAFKA_SASL_USERNAME',
        'set without KAFKA_SASL_MECHANISM (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)',
      );
    if (e.KAFKA_SASL_PASSWORD !== undefined)
      throw configError(
        'KAFKA_SASL_PASSWORD',
        'set without KAFKA_SASL_MECHANISM (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)',
      );
  } else {
    if (e.KAFKA_SASL_USERNAME === undefined)
      throw configError('KAFKA_SASL_USERNAME', `not set (${e.KAFKA_SASL_MECHANISM} needs a user name)`);
    if (e.KAFKA_SASL_PASSWORD === undefined)
      throw configError('KAFKA_SASL_PASSWORD', `not set (${e.KAFKA_SASL_MECHANISM} needs the user's password)`);
    out.sasl = {
      mechanism: e.KAFKA_SASL_MECHANISM.toLowerCase(),
      username: e.KAFKA_SASL_USERNAME,
      password: e.KAFKA_SASL_PASSWORD,
    } as SASLOptions;
  }

  const anyFile =
    e.KAFKA_TLS_CA_FILE !== undefined || e.KAFKA_TLS_CERT_FILE !== undefined || e.KAFKA_TLS_KEY_FILE !== undefined;
  if (e.KAFKA_TLS === false && (anyFile || e.KAFKA_TLS_INSECURE === true))
    throw configError('KAFKA_TLS', 'false, but KAFKA_TLS_* files or KAFKA_TLS_INSECURE are set');
  if ((e.KAFKA_TLS_CERT_FILE === undefined) !== (e.KAFKA_TLS_KEY_FILE === undefined))
    throw e.KAFKA_TLS_CERT_FILE === undefined
      ? configError('KAFKA_TLS_CERT_FILE', 'not set, but KAFKA_TLS_KEY_FILE is (a client key needs its certificate)')
      : configError('KAFKA_TLS_KEY_FILE', 'not set, but KAFKA_TLS_CERT_FILE is (a client certificate needs its key)');
  if (e.KAFKA_TLS === true || anyFile || e.KAFKA_TLS_INSECURE === true) {
    const ssl: ConnectionOptions = {
      ...(e.KAFKA_TLS_CA_FILE === undefined ? {} : { ca: [readPem(e.KAFKA_TLS_CA_FILE, 'KAFKA_TLS_CA_FILE')] }),
      ...(e.KAFKA_TLS_CERT_FILE === undefined ? {} : { cert: readPem(e.KAFKA_TLS_CERT_FILE, 'KAFKA_TLS_CERT_FILE') }),
      ...(e.KAFKA_TLS_KEY_FILE === undefined ? {} : { key: readPem(e.KAFKA_TLS_KEY_FILE, 'KAFKA_TLS_KEY_FILE') }),
      rejectUnauthorized: e.KAFKA_TLS_INSECURE !== true,
    };
    out.ssl = ssl;
  }
  return out;
}
