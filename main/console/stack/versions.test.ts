import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCKER_DIR } from './paths.js';
import { parseDotenv, readVersions } from './versions.js';

describe('versions', () => {
  it('parses dotenv lines', () => {
    expect(parseDotenv('# c\nA=1\n\nB = "two"\nC=\'3\'\nnot a line\n')).toEqual({ A: '1', B: 'two', C: '3' });
  });

  it('reads the Kafka and mongo-java-server versions from docker/.env', () => {
    const env = parseDotenv(readFileSync(path.join(DOCKER_DIR, '.env'), 'utf8'));
    expect(readVersions()).toEqual({ kafka: env.KAFKA_VERSION, mongoJavaServer: env.MONGO_JAVA_SERVER_VERSION });
    expect(readVersions().kafka).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('fails with CONFIG_ERROR when the file is missing', () => {
    expect(() => readVersions('/nonexistent/.env')).toThrow(/cannot read the stack versions/);
  });
});
