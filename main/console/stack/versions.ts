// The broker versions, read from docker/.env: the one place that the compose file and the local provider share.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../services/shared/app-error.js';
import { DOCKER_DIR } from './paths.js';

export interface StackVersions {
  kafka: string;
  mongoJavaServer: string;
}

/** Parses the KEY=VALUE lines of a dotenv file (comments and blank lines skipped, optional quotes removed). */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]))
      value = value.slice(1, -1);
    out[key] = value;
  }
  return out;
}

export function readVersions(envFile = path.join(DOCKER_DIR, '.env')): StackVersions {
  let text: string;
  try {
    text = readFileSync(envFile, 'utf8');
  } catch (err) {
    throw new AppError(
      'CONFIG_ERROR',
      `cannot read the stack versions from ${envFile}`,
      { file: envFile },
      { cause: err },
    );
  }
  const vars = parseDotenv(text);
  const kafka = vars.KAFKA_VERSION;
  const mongoJavaServer = vars.MONGO_JAVA_SERVER_VERSION;
  if (kafka === undefined || kafka === '')
    throw new AppError('CONFIG_ERROR', `KAFKA_VERSION is missing in ${envFile}`, { file: envFile });
  if (mongoJavaServer === undefined || mongoJavaServer === '') {
    throw new AppError('CONFIG_ERROR', `MONGO_JAVA_SERVER_VERSION is missing in ${envFile}`, { file: envFile });
  }
  return { kafka, mongoJavaServer };
}
