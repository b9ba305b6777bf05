// docker/compose.yml is valid Compose, creates loms.order-events with 2 partitions and RF 1, publishes every port on
// 127.0.0.1 only, and runs the Kafka release that docker/.env pins (the same the local provider runs from the jars).
//
// Validation: Debian's docker-compose package (`apt-get install docker-compose`, installed by .ci/run) ships the
// Compose Specification schema; the file is checked against it with ajv and with `docker-compose config -q`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMPOSE_FILE, DOCKER_DIR } from '../../main/console/stack/paths.js';
import { readVersions } from '../../main/console/stack/versions.js';
import { findTool } from '../../main/console/stack/local/process.js';

const COMPOSE_SPEC_SCHEMA = '/usr/lib/python3/dist-packages/compose/config/compose_spec.json';
const INSTALL_HINT = "install Debian's docker-compose package (`apt-get install docker-compose`; .ci/run does)";

interface Service {
  image?: string;
  command?: string | string[];
  ports?: (string | { host_ip?: string; published?: string | number })[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  build?: unknown;
}

const text = readFileSync(COMPOSE_FILE, 'utf8');
const doc = parse(text, { merge: true }) as { services: Record<string, Service> };
const services = doc.services;
const version = readVersions().kafka;

/** The schema still carries draft-04 style `id` members, which ajv's 2019-09 mode refuses: drop them. */
function stripDraft4Ids(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) stripDraft4Ids(item);
  } else if (typeof node === 'object' && node !== null) {
    const obj = node as Record<string, unknown>;
    if (typeof obj.id === 'string') delete obj.id;
    for (const value of Object.values(obj)) stripDraft4Ids(value);
  }
}

function compileComposeSchema() {
  expect(existsSync(COMPOSE_SPEC_SCHEMA), `the Compose Specification schema is missing: ${INSTALL_HINT}`).toBe(true);
  const schema = JSON.parse(readFileSync(COMPOSE_SPEC_SCHEMA, 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  stripDraft4Ids(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('ports', true);
  ajv.addFormat('expose', true);
  return ajv.compile(schema);
}

function commandLines(service: Service | undefined): string[] {
  const command = service?.command;
  const joined = Array.isArray(command) ? command.join('\n') : (command ?? '');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

describe('docker/compose.yml', () => {
  it('is valid against the Compose Specification schema (ajv)', () => {
    const validate = compileComposeSchema();
    // Compose interpolates ${VARS} before validating; the raw document is valid as it stands as well.
    const valid = validate(parse(text, { merge: true }));
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is accepted by `docker-compose config -q`', () => {
    const tool = findTool('docker-compose');
    expect(tool, `docker-compose is missing: ${INSTALL_HINT}`).toBeDefined();
    execFileSync(tool ?? 'docker-compose', ['-f', path.basename(COMPOSE_FILE), 'config', '-q'], {
      cwd: DOCKER_DIR,
      stdio: 'pipe',
    });
  });

  it('rejects a broken file (the validation can fail)', () => {
    const tool = findTool('docker-compose');
    expect(tool, `docker-compose is missing: ${INSTALL_HINT}`).toBeDefined();
    const broken = text.replace('replicas: 3', 'replicas: three');
    expect(broken).not.toBe(text);
    expect(() =>
      execFileSync(tool ?? 'docker-compose', ['-f', '-', 'config', '-q'], {
        cwd: DOCKER_DIR,
        input: broken,
        stdio: 'pipe',
      }),
    ).toThrow();
    const validate = compileComposeSchema();
    expect(validate(parse(broken, { merge: true }))).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === '/services/notifier/deploy/replicas')).toBe(true);
  });

  it('creates loms.order-events with 2 partitions and replication factor 1 once Kafka is healthy', () => {
    const init = services['kafka-init'];
    expect(init?.depends_on?.kafka?.condition).toBe('service_healthy');
    const line = commandLines(init).find((l) => l.includes('--create') && /--topic loms\.order-events(\s|$)/.test(l));
    expect(line, 'a kafka-topics.sh --create line for loms.order-events').toBeDefined();
    expect(line).toMatch(/--partitions 2(\s|$)/);
    expect(line).toMatch(/--replication-factor 1(\s|$)/);
    expect(line).toContain('--if-not-exists');
    for (const topic of ['presentation.events', 'orders-events', 'payments-events']) {
      expect(commandLines(init).some((l) => l.includes(`--topic ${topic} `))).toBe(true);
    }
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, p })));
    expect(published.length).toBeGreaterThanOrEqual(8);
    for (const { name, p } of published) {
      if (typeof p === 'string') expect(p, `${name} publishes ${p}`).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      else expect(p.host_ip, `${name} publishes ${JSON.stringify(p)}`).toBe('127.0.0.1');
    }
  });

  it('runs the Kafka release pinned in docker/.env', () => {
    expect(services.kafka?.image).toBe('apache/kafka:${KAFKA_VERSION}');
    expect(services['kafka-init']?.image).toBe('apache/kafka:${KAFKA_VERSION}');
    const env = readFileSync(path.join(DOCKER_DIR, '.env'), 'utf8');
    expect(env).toContain(`KAFKA_VERSION=${version}`);
    const tool = findTool('docker-compose');
    if (tool !== undefined) {
      const resolved = parse(
        execFileSync(tool, ['-f', path.basename(COMPOSE_FILE), 'config'], { cwd: DOCKER_DIR, encoding: 'utf8' }),
      ) as {
        services: Record<string, Service>;
      };
      expect(resolved.services.kafka?.image).toBe(`apache/kafka:${version}`);
    }
  });

  it('has kafka-ui one setting away from provectuslabs/kafka-ui, and every infrastructure healthcheck', () => {
    expect(services['kafka-ui']?.image).toBe('${KAFKA_UI_IMAGE:-ghcr.io/kafbat/kafka-ui:latest}');
    expect(text).toContain('provectuslabs/kafka-ui');
    for (const name of ['kafka', 'rabbitmq', 'postgres', 'mongo', 'redis']) {
      expect((services[name] as { healthcheck?: unknown } | undefined)?.healthcheck, name).toBeDefined();
    }
  });

  it('runs the lab services with the agreed env names: loms on 8084 (reachable through the published port), notifier x3 in one group', () => {
    const loms = services.loms;
    const notifier = services.notifier;
    // node itself runs the service (npx does not forward SIGTERM, so `docker stop` would not shut it down gracefully)
    expect(commandLines(loms).join(' ')).toBe('node --import tsx services/cli.ts loms');
    // inside its container loms must listen on every interface for the 127.0.0.1 port mapping to reach it
    expect(loms?.environment).toMatchObject({ PORT: '8084', HOST: '0.0.0.0', KAFKA_BROKERS: 'kafka:19092' });
    expect(loms?.environment?.DATABASE_URL).toMatch(/^postgresql:\/\/.*@postgres:5432\//);
    expect(loms?.ports).toEqual(['127.0.0.1:8084:8084']);
    expect(commandLines(notifier).join(' ')).toBe('node --import tsx services/cli.ts notifier');
    expect(notifier?.environment).toMatchObject({ KAFKA_BROKERS: 'kafka:19092', NOTIFIER_GROUP_ID: 'notifier' });
    expect(notifier?.deploy?.replicas).toBe(3);
    for (const s of [loms, notifier]) {
      expect(s?.depends_on).toEqual({
        'kafka-init': { condition: 'service_completed_successfully' },
        postgres: { condition: 'service_healthy' },
      });
      expect(s?.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
    }
  });
});
