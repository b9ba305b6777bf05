import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProfileStore, type SecretBox } from './profile-store.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'eventscope-profiles-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const course = {
  name: 'course-cluster',
  kafka: {
    brokers: ['b1.example.com:9093', 'b2.example.com:9093'],
    sasl: { mechanism: 'SCRAM-SHA-512', username: 'student', password: 'hunter2' },
    tls: { caFile: '/etc/course/ca.pem' },
  },
  rabbitmq: {
    url: 'amqps://student:rabbit-pw@mq.example.com:5671',
    managementUrl: 'https://student:mgmt-pw@mq.example.com/',
  },
};

describe('profile store', () => {
  it('saves a profile and never gives its secrets back; the files are 0600', () => {
    const dir = tmp();
    const store = createProfileStore({ dir, now: () => 1000 });
    const saved = store.save(course);
    expect(saved.secrets).toEqual({
      'kafka.sasl.password': 'set',
      'rabbitmq.url': 'set',
      'rabbitmq.managementUrl': 'set',
    });
    const listed = JSON.stringify(store.list());
    for (const secret of ['hunter2', 'rabbit-pw', 'mgmt-pw']) expect(listed).not.toContain(secret);
    expect(store.list()[0]?.profile.rabbitmq?.url).toBe('amqps://student@mq.example.com:5671');
    expect(store.list()[0]?.profile.kafka?.tls?.insecure).toBe(false);
    for (const f of ['profiles.json', 'secrets.json']) expect(statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, 'profiles.json'), 'utf8')).not.toContain('hunter2');
    const resolved = store.resolve('course-cluster');
    expect(resolved.kafka?.sasl?.password).toBe('hunter2');
    expect(resolved.rabbitmq?.url).toBe('amqps://student:rabbit-pw@mq.example.com:5671');
  });

  it('keeps a stored secret when a save leaves it out, and clears it when asked', () => {
    const store = createProfileStore({ dir: tmp() });
    store.save(course);
    const { password: _pw, ...sasl } = course.kafka.sasl;
    const again = { ...course, kafka: { ...course.kafka, sasl } };
    expect(store.save(again).secrets['kafka.sasl.password']).toBe('set');
    expect(store.resolve('course-cluster').kafka?.sasl?.password).toBe('hunter2');
    expect(store.withStoredSecrets(again).kafka?.sasl?.password).toBe('hunter2');
    expect(store.save(again, ['kafka.sasl.password']).secrets['kafka.sasl.password']).toBe('not set');
  });

  it('seals secrets with the box it is given', () => {
    const dir = tmp();
    const box: SecretBox = {
      kind: 'safeStorage',
      seal: (s) => Buffer.from(s).toString('base64'),
      open: (s) => Buffer.from(s, 'base64').toString(),
    };
    const store = createProfileStore({ dir, box });
    store.save(course);
    expect(readFileSync(path.join(dir, 'secrets.json'), 'utf8')).not.toContain('hunter2');
    expect(store.resolve('course-cluster').kafka?.sasl?.password).toBe('hunter2');
    expect(() => createProfileStore({ dir }).list()).toThrow(/sealed with safeStorage/);
  });

  it('accepts a Kafka-only profile and refuses bad input naming the field', () => {
    const store = createProfileStore({ dir: tmp() });
    expect(store.save({ name: 'just-kafka', kafka: { brokers: ['127.0.0.1:9092'] } }).profile.kafka?.brokers).toEqual([
      '127.0.0.1:9092',
    ]);
    expect(() => store.save({ name: 'x', kafka: { brokers: ['no-port'] } })).toThrow(
      /profile\.kafka\.brokers\.0: must be host:port/,
    );
    expect(() =>
      store.save({ name: 'x', kafka: { brokers: ['a:1'], sasl: { mechanism: 'GSSAPI', username: 'u' } } }),
    ).toThrow(/profile\.kafka\.sasl\.mechanism/);
    expect(() => store.save({ name: 'x', kafka: { brokers: ['a:1'], tls: { certFile: '/c.pem' } } })).toThrow(
      /profile\.kafka\.tls\.keyFile/,
    );
    expect(() => store.save({ name: 'x' })).toThrow(/at least one component/);
    expect(() => store.save({ name: 'x', rabbitmq: { url: 'http://mq' } })).toThrow(
      /profile\.rabbitmq\.url: must be a URL/,
    );
  });

  it('a bad profiles file is an error naming the field', () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'profiles.json'),
      JSON.stringify({ version: 1, profiles: [{ savedAt: 1, profile: { name: 'a', kafka: { brokers: [] } } }] }),
    );
    expect(() => createProfileStore({ dir }).list()).toThrow(
      /profiles\.0\.profile\.kafka\.brokers: needs at least one/,
    );
  });
});
