// docker/compose.yml is valid Compose (with and without the lab-d profile): the brokers have no profile, each lab's
// init and services sit in the lab's profile, Lab D's init creates loms.order-events with 2 partitions and RF 1, the
// services run the bundle (`node …/cli.cjs lab-d/<service>`) on a stock Node image with nothing to build, every port
// is published on 127.0.0.1 only, and Kafka is the release that docker/.env pins (the one the local provider runs).
// Lab B's init declares its exchanges, queues and bindings as services/lab-b/topology.ts does (names from its schema.ts);
// Lab E's creates its topics and their .dlq; both labs' services run the bundle, Lab E on one database per service.
//
// Validation: Debian's docker-compose package (`apt-get install docker-compose`, installed by .ci/run) ships the
// Compose Specification schema; the file is checked against it with ajv and with `docker-compose config -q`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INFRA_SERVICES, labInitService } from '../../main/console/stack/docker/compose.js';
import { COMPOSE_FILE, DOCKER_DIR } from '../../main/console/stack/paths.js';
import { readVersions } from '../../main/console/stack/versions.js';
import { findTool } from '../../main/console/stack/local/process.js';
import { DEFAULT_PORTS as LAB_B_PORTS } from '../../services/lab-b/config.js';
import { BINDINGS, EXCHANGES, QUEUES } from '../../services/lab-b/schema.js';
import {
  DEFAULT_DATABASES as LAB_E_DATABASES,
  DEFAULT_PORTS as LAB_E_PORTS,
  TOPIC_PARTITIONS,
  TOPICS,
  dlqOf,
} from '../../services/lab-e/schema.js';

const COMPOSE_SPEC_SCHEMA = '/usr/lib/python3/dist-packages/compose/config/compose_spec.json';
const INSTALL_HINT = "install Debian's docker-compose package (`apt-get install docker-compose`; .ci/run does)";

interface Service {
  image?: string;
  profiles?: string[];
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  user?: string;
  healthcheck?: unknown;
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
const dotenv = readFileSync(path.join(DOCKER_DIR, '.env'), 'utf8');
/** where the lab service containers mount the bundle (dist/services/) */
const BUNDLE_DIR = '/srv/eventscope';
const LAB_D_SERVICES = ['loms', 'notifier'];
/** compose service → the bundle's `<lab>/<service>` (Lab B and Lab E both have an auth: each name carries its lab) */
const LAB_B_SERVICES: Record<string, string> = {
  'lab-b-auth': 'lab-b/auth',
  'lab-b-users': 'lab-b/users',
  'lab-b-audit': 'lab-b/audit',
  'lab-b-vacation': 'lab-b/vacation',
  'lab-b-notification-1': 'lab-b/notification',
  'lab-b-notification-2': 'lab-b/notification',
  'lab-b-reports': 'lab-b/reports',
};
const LAB_E_SERVICES: Record<string, string> = {
  'lab-e-gateway': 'lab-e/gateway',
  'lab-e-auth': 'lab-e/auth',
  'lab-e-tasks': 'lab-e/tasks',
  'lab-e-accounting': 'lab-e/accounting',
  'lab-e-analytics': 'lab-e/analytics',
};

/** `docker-compose <args>` in docker/, as the README's commands run it. */
function compose(args: string[], input?: string): string {
  const tool = findTool('docker-compose');
  expect(tool, `docker-compose is missing: ${INSTALL_HINT}`).toBeDefined();
  return execFileSync(tool ?? 'docker-compose', args, {
    cwd: DOCKER_DIR,
    encoding: 'utf8',
    stdio: 'pipe',
    ...(input === undefined ? {} : { input }),
  });
}

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

  it('is accepted by `docker-compose config -q`, with and without the lab-d profile', () => {
    const file = path.basename(COMPOSE_FILE);
    compose(['-f', file, 'config', '-q']);
    compose(['-f', file, '--profile', 'lab-d', 'config', '-q']);
    compose(['-f', file, '--profile', 'lab-a', 'config', '-q']);
    compose(['-f', file, '--profile', 'lab-b', '--profile', 'lab-e', 'config', '-q']);
    expect(compose(['-f', file, 'config', '--profiles']).split('\n')).toContain('lab-d');
  }, 30_000); // four runs of docker-compose (Python): seconds each on a busy 2-core machine

  it('rejects a broken file (the validation can fail)', () => {
    const broken = text.replace('replicas: 3', 'replicas: three');
    expect(broken).not.toBe(text);
    expect(() => compose(['-f', '-', '--profile', 'lab-d', 'config', '-q'], broken)).toThrow();
    const validate = compileComposeSchema();
    expect(validate(parse(broken, { merge: true }))).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === '/services/notifier/deploy/replicas')).toBe(true);
  }, 30_000);

  it('keeps the brokers out of every profile, and puts each lab service in its own lab profile', () => {
    for (const name of INFRA_SERVICES) {
      expect(services[name], name).toBeDefined();
      expect(services[name]?.profiles, `${name} has no profile`).toBeUndefined();
    }
    const profiled = Object.entries(services).filter(([, s]) => s.profiles !== undefined);
    for (const [name, s] of profiled) {
      // one lab per service (or one of its option profiles, `lab-a-kafka3`); the lab's init runs first (the console
      // runs `--profile <lab> run --rm <lab>-init`), except for the lab's own brokers, which its init depends on
      expect(s.profiles, name).toHaveLength(1);
      const profile = s.profiles?.[0] ?? '';
      expect(profile, name).toMatch(/^lab-[a-e](-[a-z0-9]+)?$/);
      const lab = profile.slice(0, 'lab-x'.length);
      expect(services[labInitService(lab)]?.profiles, `${lab} has its ${labInitService(lab)}`).toEqual([lab]);
      if (/^kafka\d$/.test(name)) expect(s.image, name).toBe('apache/kafka:${KAFKA_VERSION}');
      else if (name !== labInitService(lab))
        expect(s.depends_on?.[labInitService(lab)], name).toEqual({ condition: 'service_completed_successfully' });
    }
    const labD = profiled.filter(([, s]) => s.profiles?.[0] === 'lab-d').map(([name]) => name);
    expect(labD.sort()).toEqual(['lab-d-init', ...LAB_D_SERVICES].sort());
    // no service outside a profile depends on a profiled one (the brokers-only `up` would fail on it)
    for (const [name, s] of Object.entries(services).filter(([, s]) => s.profiles === undefined))
      for (const dep of Object.keys(s.depends_on ?? {}))
        expect(services[dep]?.profiles, `${name} → ${dep}`).toBeUndefined();
    // every lab has its profile or, until it has services, a commented slot for them
    for (const lab of ['lab-a', 'lab-b', 'lab-c', 'lab-e'])
      expect(profiled.some(([, s]) => s.profiles?.[0] === lab) || text.includes(`(profile ${lab})`), lab).toBe(true);
  });

  it('creates loms.order-events with 2 partitions and replication factor 1 in the lab-d init, once Kafka is healthy', () => {
    const init = services['lab-d-init'];
    expect(init?.depends_on?.kafka?.condition).toBe('service_healthy');
    expect(init?.profiles).toEqual(['lab-d']);
    const line = commandLines(init).find((l) => l.includes('--create') && /--topic loms\.order-events(\s|$)/.test(l));
    expect(line, 'a kafka-topics.sh --create line for loms.order-events').toBeDefined();
    expect(line).toMatch(/--partitions 2(\s|$)/);
    expect(line).toMatch(/--replication-factor 1(\s|$)/);
    expect(line).toContain('--if-not-exists');
    // only Lab D's topic: the other labs' inits create theirs
    expect(commandLines(init).filter((l) => l.includes('--create'))).toHaveLength(1);
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => ({ name, p })));
    expect(published.length).toBeGreaterThanOrEqual(8);
    for (const { name, p } of published) {
      if (typeof p === 'string') expect(p, `${name} publishes ${p}`).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      else expect(p.host_ip, `${name} publishes ${JSON.stringify(p)}`).toBe('127.0.0.1');
    }
  });

  it('gives Lab A its own KRaft cluster: kafka1 and kafka2 as in the seed (kafka3 an option), RF 2, ports below 32768', () => {
    const voters = '${KAFKA_CLUSTER_VOTERS:-1@kafka1:9093,2@kafka2:9093}';
    for (const [name, id, port] of [
      ['kafka1', 1, 9192],
      ['kafka2', 2, 9194],
      ['kafka3', 3, 9196],
    ] as const) {
      const s = services[name];
      expect(s?.profiles, name).toEqual([name === 'kafka3' ? 'lab-a-kafka3' : 'lab-a']);
      expect(s?.environment, name).toMatchObject({
        KAFKA_NODE_ID: id,
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_CONTROLLER_QUORUM_VOTERS: voters,
        KAFKA_ADVERTISED_LISTENERS: `INTERNAL://${name}:19092,HOST://127.0.0.1:${port}`,
        KAFKA_HEAP_OPTS: '-Xmx256m -Xms256m',
      });
      expect(s?.ports, name).toEqual([`127.0.0.1:${port}:${port}`]);
      expect(s?.healthcheck, name).toBeDefined();
    }
    expect(new Set(['kafka1', 'kafka2', 'kafka3'].map((n) => services[n]?.volumes?.[0])).size).toBe(3);
    const init = services['lab-a-init'];
    expect(init?.depends_on).toEqual({
      kafka1: { condition: 'service_healthy' },
      kafka2: { condition: 'service_healthy' },
    });
    const line = commandLines(init).find((l) => l.includes('--create'));
    expect(line).toMatch(/--topic presentation\.events --partitions 3 --replication-factor 2(\s|$)/);
    // three nodes: the option profile with the voters to match
    const three = parse(
      compose(['-f', path.basename(COMPOSE_FILE), '--profile', 'lab-a', '--profile', 'lab-a-kafka3', 'config']),
    ) as { services: Record<string, Service> };
    expect(Object.keys(three.services)).toEqual(expect.arrayContaining(['kafka1', 'kafka2', 'kafka3', 'lab-a-init']));
    expect(text).toContain('KAFKA_CLUSTER_VOTERS=1@kafka1:9093,2@kafka2:9093,3@kafka3:9093');
  }, 30_000);

  it('runs the Kafka release pinned in docker/.env', () => {
    expect(services.kafka?.image).toBe('apache/kafka:${KAFKA_VERSION}');
    expect(services['lab-d-init']?.image).toBe('apache/kafka:${KAFKA_VERSION}');
    expect(dotenv).toContain(`KAFKA_VERSION=${version}`);
    const resolved = parse(compose(['-f', path.basename(COMPOSE_FILE), '--profile', 'lab-d', 'config'])) as {
      services: Record<string, Service>;
    };
    expect(resolved.services.kafka?.image).toBe(`apache/kafka:${version}`);
    expect(resolved.services['lab-d-init']?.image).toBe(`apache/kafka:${version}`);
  });

  it('has kafka-ui one setting away from provectuslabs/kafka-ui, and every infrastructure healthcheck', () => {
    expect(services['kafka-ui']?.image).toBe('${KAFKA_UI_IMAGE:-ghcr.io/kafbat/kafka-ui:latest}');
    expect(text).toContain('provectuslabs/kafka-ui');
    for (const name of ['kafka', 'rabbitmq', 'postgres', 'mongo', 'redis']) {
      expect(services[name]?.healthcheck, name).toBeDefined();
    }
  });

  it('runs the bundle on a stock Node image with nothing to build: `node …/cli.cjs lab-d/<service>`, mounted read-only', () => {
    const nodeVersion = /^NODE_VERSION=(\d+)$/m.exec(dotenv)?.[1];
    expect(nodeVersion, 'NODE_VERSION in docker/.env').toBeDefined();
    const resolved = parse(compose(['-f', path.basename(COMPOSE_FILE), '--profile', 'lab-d', 'config'])) as {
      services: Record<string, Service>;
    };
    for (const name of LAB_D_SERVICES) {
      const s = services[name];
      expect(s?.build, name).toBeUndefined();
      expect(s?.image, name).toBe('node:${NODE_VERSION}-slim');
      expect(resolved.services[name]?.image, name).toBe(`node:${nodeVersion}-slim`);
      expect(s?.user, name).toBe('node');
      // node itself runs the service (npx does not forward SIGTERM, so `docker stop` would not shut it down gracefully)
      expect(s?.command, name).toEqual(['node', `${BUNDLE_DIR}/cli.cjs`, `lab-d/${name}`]);
      // the bundle folder, from the compose file's folder: the same in a checkout and in an installed app's resources
      expect(s?.volumes, name).toEqual([
        { type: 'bind', source: '../dist/services', target: BUNDLE_DIR, read_only: true },
      ]);
      const mount = resolved.services[name]?.volumes?.[0];
      expect(typeof mount === 'object' ? mount.source : mount, name).toBe(path.resolve(DOCKER_DIR, '../dist/services'));
    }
    expect(existsSync(path.join(DOCKER_DIR, 'Dockerfile')), 'nothing builds an image any more').toBe(false);
  });

  it('runs the lab services with the agreed env names: loms on 8084 (reachable through the published port), notifier x3 in one group', () => {
    const loms = services.loms;
    const notifier = services.notifier;
    // inside its container loms must listen on every interface for the 127.0.0.1 port mapping to reach it
    expect(loms?.environment).toMatchObject({ PORT: '8084', HOST: '0.0.0.0', KAFKA_BROKERS: 'kafka:19092' });
    expect(loms?.environment?.DATABASE_URL).toMatch(/^postgresql:\/\/.*@postgres:5432\//);
    expect(loms?.ports).toEqual(['127.0.0.1:8084:8084']);
    expect(loms?.depends_on).toEqual({
      'lab-d-init': { condition: 'service_completed_successfully' },
      postgres: { condition: 'service_healthy' },
    });
    // `up --wait` waits until loms answers, not only until its process runs
    expect(JSON.stringify(loms?.healthcheck)).toContain('http://127.0.0.1:8084/healthz');
    expect(notifier?.environment).toMatchObject({ KAFKA_BROKERS: 'kafka:19092', NOTIFIER_GROUP_ID: 'notifier' });
    expect(notifier?.deploy?.replicas).toBe(3);
    expect(notifier?.depends_on).toEqual({ 'lab-d-init': { condition: 'service_completed_successfully' } });
  });

  it('runs Lab B and Lab E as bundles in their profiles: `node …/cli.cjs <lab>/<service>`, the init first', () => {
    for (const [lab, table] of [
      ['lab-b', LAB_B_SERVICES],
      ['lab-e', LAB_E_SERVICES],
    ] as const) {
      const inProfile = Object.entries(services)
        .filter(([, s]) => s.profiles?.[0] === lab)
        .map(([name]) => name);
      expect(inProfile.sort(), lab).toEqual([labInitService(lab), ...Object.keys(table)].sort());
      for (const [name, bundle] of Object.entries(table)) {
        const s = services[name];
        expect(s?.image, name).toBe('node:${NODE_VERSION}-slim');
        expect(s?.user, name).toBe('node');
        expect(s?.build, name).toBeUndefined();
        expect(s?.command, name).toEqual(['node', `${BUNDLE_DIR}/cli.cjs`, bundle]);
        expect(s?.volumes, name).toEqual([
          { type: 'bind', source: '../dist/services', target: BUNDLE_DIR, read_only: true },
        ]);
        expect(s?.environment?.HOST, name).toBe('0.0.0.0');
      }
    }
  });

  it("declares Lab B's exchanges, queues and bindings in lab-b-init as the services do, once RabbitMQ is healthy", () => {
    const init = services['lab-b-init'];
    expect(init?.image).toBe(services.rabbitmq?.image); // the -management image: its rabbitmqadmin
    expect(init?.depends_on).toEqual({ rabbitmq: { condition: 'service_healthy' } });
    const script = commandLines(init).join('\n');
    expect(script).toContain('set -euo pipefail');
    expect(script).toContain('rabbitmqadmin --host rabbitmq --port 15672');
    for (const x of [EXCHANGES.auth, EXCHANGES.users, EXCHANGES.vacation])
      expect(script, x).toMatch(new RegExp(`\\b${x.replace('.', '\\.')}\\b`));
    expect(script).toContain(`declare exchange name=${EXCHANGES.deadLetter} type=fanout durable=true`);
    expect(script).toMatch(/declare exchange name="\$\$x" type=topic durable=true/);
    // work queues: durable with the dead-letter exchange (services/lab-b/topology.ts), in the loop that declares them
    const loop = commandLines(init).find((l) => l.startsWith('for q in '));
    const workQueues = Object.values(QUEUES).filter((q) => q !== QUEUES.userRegistered && q !== QUEUES.dead);
    expect(
      loop
        ?.replace(/^for q in |; do$/g, '')
        .split(' ')
        .sort(),
    ).toEqual([...workQueues].sort());
    expect(script).toContain(
      `declare queue name="$$q" durable=true arguments='{"x-dead-letter-exchange":"${EXCHANGES.deadLetter}"}'`,
    );
    expect(script).toContain(`declare queue name=${QUEUES.dead} durable=true`);
    // the seed's queue as the seed declares it: not durable, no arguments
    expect(script).toContain(`declare queue name=${QUEUES.userRegistered} durable=false auto_delete=false`);
    for (const b of BINDINGS)
      expect(script, `${b.exchange} → ${b.queue}`).toContain(
        `declare binding source=${b.exchange} destination=${b.queue} routing_key='${b.pattern}'`,
      );
  });

  it('runs Lab B on the stack RabbitMQ and the lab database lab_b, HTTP on 8101–8104 (127.0.0.1), two notification instances', () => {
    for (const name of Object.keys(LAB_B_SERVICES)) {
      const s = services[name];
      expect(s?.environment, name).toMatchObject({
        AMQP_URL: 'amqp://guest:guest@rabbitmq:5672',
        DATABASE_URL: 'postgresql://postgres:postgres@postgres:5432/lab_b',
      });
      expect(s?.environment?.INSTANCE, name).toBe(name.replace(/^lab-b-/, ''));
      expect(s?.depends_on, name).toEqual({
        'lab-b-init': { condition: 'service_completed_successfully' },
        postgres: { condition: 'service_healthy' },
      });
      const kind = LAB_B_SERVICES[name]?.replace('lab-b/', '') as keyof typeof LAB_B_PORTS;
      const port = LAB_B_PORTS[kind];
      if (port === undefined) {
        expect(s?.ports, name).toBeUndefined();
        expect(s?.healthcheck, name).toBeUndefined();
      } else {
        expect(s?.environment?.PORT, name).toBe(String(port));
        expect(s?.ports, name).toEqual([`127.0.0.1:${port}:${port}`]);
        expect(JSON.stringify(s?.healthcheck), name).toContain('/healthz');
      }
    }
  });

  it("creates Lab E's topics (3 partitions) and their .dlq (1) in lab-e-init, once Kafka is healthy", () => {
    const init = services['lab-e-init'];
    expect(init?.image).toBe('apache/kafka:${KAFKA_VERSION}');
    expect(init?.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    const lines = commandLines(init);
    const loop = lines.find((l) => l.startsWith('for t in '));
    expect(
      loop
        ?.replace(/^for t in |; do$/g, '')
        .split(' ')
        .sort(),
    ).toEqual(Object.values(TOPICS).sort());
    const creates = lines.filter((l) => l.includes('--create'));
    expect(creates).toHaveLength(2);
    expect(creates[0]).toMatch(new RegExp(`--topic "\\$\\$t" --partitions ${TOPIC_PARTITIONS} --replication-factor 1`));
    expect(dlqOf('t')).toBe('t.dlq');
    expect(creates[1]).toMatch(/--topic "\$\$t\.dlq" --partitions 1 --replication-factor 1/);
    for (const l of creates) expect(l).toContain('--if-not-exists');
  });

  it('runs Lab E with one database per service, the gateway alone on 127.0.0.1:8201 and the services behind it', () => {
    const env = services['lab-e-auth']?.environment ?? {};
    for (const [svc, db] of Object.entries(LAB_E_DATABASES))
      expect(env[`LAB_E_${svc.toUpperCase()}_DATABASE_URL`], svc).toBe(
        `postgresql://postgres:postgres@postgres:5432/${db}`,
      );
    expect(new Set(Object.values(LAB_E_DATABASES)).size).toBe(Object.keys(LAB_E_DATABASES).length);
    for (const name of Object.keys(LAB_E_SERVICES)) {
      const s = services[name];
      expect(s?.environment?.KAFKA_BROKERS, name).toBe('kafka:19092');
      expect(s?.depends_on?.['lab-e-init'], name).toEqual({ condition: 'service_completed_successfully' });
      if (name === 'lab-e-gateway')
        expect(s?.ports).toEqual([`127.0.0.1:${LAB_E_PORTS.gateway}:${LAB_E_PORTS.gateway}`]);
      else expect(s?.ports, name).toBeUndefined();
    }
    const gateway = services['lab-e-gateway']?.environment ?? {};
    for (const svc of ['auth', 'tasks', 'accounting', 'analytics'] as const)
      expect(gateway[`LAB_E_${svc.toUpperCase()}_URL`], svc).toBe(`http://lab-e-${svc}:${LAB_E_PORTS[svc]}`);
    expect(JSON.stringify(services['lab-e-gateway']?.healthcheck)).toContain(
      `http://127.0.0.1:${LAB_E_PORTS.gateway}/healthz`,
    );
  });
});
