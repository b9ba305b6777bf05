// The external provider's configuration: the addresses of brokers that already run, from env or a JSON file
// (EVENTSCOPE_CONFIG), validated with zod. Env wins over the file, field by field.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../../../../services/shared/app-error.js';
import { hostPort, urlWith } from '../../contract/profiles.js';
import type { StackEndpoints } from '../types.js';

export const ExternalConfig = z.object({
  kafka: z.object({ brokers: z.array(hostPort).min(1, 'needs at least one broker') }),
  postgres: z.object({ url: urlWith(['postgres:', 'postgresql:']) }),
  rabbitmq: z.object({
    url: urlWith(['amqp:', 'amqps:']),
    /** the management HTTP API (default: the AMQP host on 15672 with the AMQP URL's user) */
    managementUrl: urlWith(['http:', 'https:']).optional(),
  }),
  mongodb: z.object({ url: urlWith(['mongodb:', 'mongodb+srv:']) }),
  redis: z.object({ url: urlWith(['redis:', 'rediss:']) }),
});
export type ExternalConfig = z.infer<typeof ExternalConfig>;

/** The env variable that sets each field (for error messages). */
const ENV_OF_FIELD: Record<string, string> = {
  'kafka.brokers': 'EVENTSCOPE_KAFKA_BROKERS',
  'postgres.url': 'EVENTSCOPE_POSTGRES_URL',
  'rabbitmq.url': 'EVENTSCOPE_RABBITMQ_URL',
  'rabbitmq.managementUrl': 'EVENTSCOPE_RABBITMQ_MANAGEMENT_URL',
  'mongodb.url': 'EVENTSCOPE_MONGODB_URL',
  'redis.url': 'EVENTSCOPE_REDIS_URL',
};

/** Reads and validates the external addresses. Throws CONFIG_ERROR naming every bad or missing field. */
export function loadExternalConfig(env: NodeJS.ProcessEnv = process.env): StackEndpoints {
  let fromFile: Record<string, unknown> = {};
  const file = env.EVENTSCOPE_CONFIG;
  if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new AppError(
        'CONFIG_ERROR',
        `EVENTSCOPE_CONFIG: cannot read ${file}: ${(err as Error).message}`,
        { field: 'EVENTSCOPE_CONFIG', file },
        { cause: err },
      );
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('the top level must be an object');
      fromFile = parsed as Record<string, unknown>;
    } catch (err) {
      throw new AppError(
        'CONFIG_ERROR',
        `EVENTSCOPE_CONFIG: ${file} is not valid JSON: ${(err as Error).message}`,
        { field: 'EVENTSCOPE_CONFIG', file },
        { cause: err },
      );
    }
  }
  const section = (name: string): Record<string, unknown> => {
    const v = fromFile[name];
    return typeof v === 'object' && v !== null ? { ...(v as Record<string, unknown>) } : {};
  };
  const merged = {
    kafka: section('kafka'),
    postgres: section('postgres'),
    rabbitmq: section('rabbitmq'),
    mongodb: section('mongodb'),
    redis: section('redis'),
  };
  const brokers = env.EVENTSCOPE_KAFKA_BROKERS;
  if (brokers !== undefined && brokers !== '')
    merged.kafka.brokers = brokers
      .split(',')
      .map((b) => b.trim())
      .filter((b) => b !== '');
  for (const [name, variable] of [
    ['postgres', 'EVENTSCOPE_POSTGRES_URL'],
    ['rabbitmq', 'EVENTSCOPE_RABBITMQ_URL'],
    ['mongodb', 'EVENTSCOPE_MONGODB_URL'],
    ['redis', 'EVENTSCOPE_REDIS_URL'],
  ] as const) {
    const value = env[variable];
    if (value !== undefined && value !== '') merged[name].url = value;
  }
  const management = env.EVENTSCOPE_RABBITMQ_MANAGEMENT_URL;
  if (management !== undefined && management !== '') merged.rabbitmq.managementUrl = management;
  const result = ExternalConfig.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const field = issue.path.map(String).join('.');
      const base = field.replace(/\.\d+$/, '');
      const variable = ENV_OF_FIELD[base];
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      const where = variable === undefined ? field : `${field} (${variable}${file ? ` or "${base}" in ${file}` : ''})`;
      return { field, message: missing ? `${where} is missing` : `${where} ${issue.message}` };
    });
    throw new AppError('CONFIG_ERROR', `external stack configuration: ${problems.map((p) => p.message).join('; ')}`, {
      fields: problems.map((p) => p.field),
      problems,
    });
  }
  return result.data;
}
