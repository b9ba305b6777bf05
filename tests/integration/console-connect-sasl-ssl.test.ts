// Connection profiles against a real broker with a SASL_SSL listener that this test configures itself
// (tests/integration/support/sasl-ssl-kafka.ts: its own KRaft process from .cache/jars, a CA and broker certificate
// made with openssl, SCRAM users added at format time, a PLAIN user; ports below 20000, killed by PID at the end).
// A Kafka-only "cluster" profile is saved (its password never comes back), tested per step, connected: the views
// fill (partitions, the group's lag), a filtered browse finds a record, produce then browse finds the new one. A wrong
// password is "authentication failed" naming the mechanism, a wrong CA a certificate error, a plaintext client to the
// TLS port a bounded failure: nothing hangs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import { createProfileStore } from '../../main/console/config/profile-store.js';
import { createConsole, type Console } from '../../main/console/create-console.js';
import { createFixtureLab } from '../fixtures/lab-fixture/module.js';
import { uniqueName } from './support/index.js';
import { startSaslSslKafka, type SaslSslKafka } from './support/sasl-ssl-kafka.js';
import { callerOf, sharedStackProvider } from './support/test-provider.js';
import { REPO_ROOT } from './lab-d/harness.js';

let broker: SaslSslKafka;
let console_: Console;
let admin: Admin;
let profilesDir: string;
const topic = uniqueName('sasl-orders');
const group = uniqueName('sasl-readers');
const call = callerOf(() => console_);

const profileOf = (over: { password?: string; caFile?: string; mechanism?: string; username?: string } = {}) => ({
  name: 'course-cluster',
  kafka: {
    brokers: [broker.broker],
    sasl: {
      mechanism: over.mechanism ?? 'SCRAM-SHA-512',
      username: over.username ?? broker.users.scram.username,
      password: over.password ?? broker.users.scram.password,
    },
    tls: { caFile: over.caFile ?? broker.caFile },
  },
});

beforeAll(async () => {
  broker = await startSaslSslKafka({ from: 17_100, to: 17_900 });
  const kafka = new Kafka({
    clientId: 'sasl-ssl-test',
    brokers: [broker.broker],
    ssl: { ca: [readFileSync(broker.caFile, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', ...broker.users.scram },
    logLevel: logLevel.NOTHING,
  });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: 10 }, (_, i) => ({
      key: `order-${i}`,
      value: JSON.stringify({ id: i, status: i === 7 ? 'cancelled' : 'paid' }),
    })),
  });
  await producer.disconnect();
  // a group that committed offset 1 on each partition: it lags
  await admin.setOffsets({
    groupId: group,
    topic,
    partitions: [
      { partition: 0, offset: '1' },
      { partition: 1, offset: '1' },
    ],
  });
  profilesDir = mkdtempSync(path.join(tmpdir(), 'eventscope-profiles-'));
  console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, { EVENTSCOPE_POLL_MS: '300' }),
    provider: sharedStackProvider([]),
    logger: createMemoryLogger('console').logger,
    mode: 'web',
    version: 'test',
    labs: [createFixtureLab({ topic: uniqueName('fixture'), group: uniqueName('fixture-g'), count: 1 })],
    profiles: createProfileStore({ dir: profilesDir }),
  });
  await console_.start();
}, 120_000);

afterAll(async () => {
  await console_?.stop();
  await admin?.disconnect().catch(() => undefined);
  await broker?.stop();
  if (profilesDir !== undefined) rmSync(profilesDir, { recursive: true, force: true });
});

describe('a connection profile on a SASL_SSL broker', () => {
  it('is saved without giving its password back', async () => {
    const { saved } = await call('profiles:save', { profile: profileOf() });
    expect(saved.secrets).toEqual({ 'kafka.sasl.password': 'set' });
    const list = await call('profiles:list');
    expect(list.profiles.map((p) => p.profile.name)).toEqual(['course-cluster']);
    expect(JSON.stringify(list)).not.toContain(broker.users.scram.password);
    expect(list.connected).toBeNull();
  });

  it('tests reached, authenticated and authorised with the right credentials (SCRAM-SHA-512, -256, PLAIN)', async () => {
    const r = await call('profiles:test', { name: 'course-cluster' });
    expect(r.ok).toBe(true);
    const kafka = r.results.find((x) => x.component === 'kafka')!;
    expect(kafka.steps.map((s) => [s.step, s.ok])).toEqual([
      ['reached', true],
      ['authenticated', true],
      ['authorised', true],
    ]);
    expect(kafka.steps[1]!.detail).toMatch(/certificate 127\.0\.0\.1 verified; SASL SCRAM-SHA-512 as alice/);
    expect(kafka.steps[2]!.detail).toMatch(/1 broker\(s\)/);
    const sha256 = await call('profiles:test', { profile: profileOf({ mechanism: 'SCRAM-SHA-256' }) });
    expect(sha256.ok).toBe(true);
    const plain = await call('profiles:test', {
      profile: profileOf({ mechanism: 'PLAIN', ...broker.users.plain }),
    });
    expect(plain.ok).toBe(true);
  });

  it('a wrong password is "authentication failed" naming the mechanism, quickly', async () => {
    const t0 = Date.now();
    const r = await call('profiles:test', { profile: profileOf({ password: 'not-the-password' }), timeoutMs: 3000 });
    expect(Date.now() - t0).toBeLessThan(15_000);
    const kafka = r.results[0]!;
    expect(r.ok).toBe(false);
    expect(kafka.steps.map((s) => s.ok)).toEqual([true, false, null]);
    expect(kafka.steps[1]!.detail).toMatch(/^authentication failed \(SCRAM-SHA-512 as alice\)/);
    // the stored (right) password is kept: a test of the saved profile still passes
    expect((await call('profiles:test', { name: 'course-cluster' })).ok).toBe(true);
  });

  it('a wrong CA is a certificate error; a client without TLS fails within its deadline', async () => {
    const wrongCa = await call('profiles:test', {
      profile: profileOf({ caFile: broker.otherCaFile }),
      timeoutMs: 3000,
    });
    expect(wrongCa.results[0]!.steps[1]!.detail).toMatch(
      /^certificate error: self[- ]signed certificate in certificate chain/,
    );
    const t0 = Date.now();
    const { tls: _tls, ...noTls } = profileOf().kafka;
    const plaintext = await call('profiles:test', { profile: { name: 'no-tls', kafka: noTls }, timeoutMs: 2000 });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(plaintext.results[0]!.steps[1]!.ok).toBe(false);
    expect(plaintext.results[0]!.steps[1]!.detail).toMatch(/needs kafka\.tls/);
    const missingCa = await call('profiles:test', { profile: profileOf({ caFile: '/nonexistent/ca.pem' }) });
    expect(missingCa.results[0]!.steps[1]!.detail).toMatch(/^kafka\.tls\.caFile: cannot read/);
  });

  it('connected, the views fill; a filtered browse finds a record; a produced record is found', async () => {
    const connected = await call('profiles:connect', { name: 'course-cluster' });
    expect(connected.connected).toBe('course-cluster');
    const status = await call('stack:status');
    expect(status.provider).toBe('external');
    const kafkaHealth = status.health.find((h) => h.name === 'kafka')!;
    expect(kafkaHealth.state).toBe('healthy');
    expect(kafkaHealth.endpoint).toBe(broker.broker);
    expect(status.health.find((h) => h.name === 'postgres')!.state).toBe('stopped');
    const partitions = await waitFor(
      async () => {
        const p = (await call('kafka:snapshot')).partitions.filter((x) => x.topic === topic);
        return p.length === 2 && p.reduce((n, x) => n + Number(x.logEndOffset), 0) === 10 ? p : undefined;
      },
      { timeoutMs: 30_000, what: 'the SASL_SSL topic in the Topics view' },
    );
    expect(partitions.map((p) => p.partition).sort()).toEqual([0, 1]);
    const g = await waitFor(async () => (await call('groups:snapshot')).groups.find((x) => x.groupId === group), {
      timeoutMs: 30_000,
      what: 'the group in the Consumer groups view',
    });
    expect(JSON.stringify(g)).toContain(topic);

    const found = await call('topics:browse', {
      topic,
      from: { kind: 'newest' },
      limit: 10,
      filter: { jsonPath: '$.status', equals: 'cancelled' },
    });
    expect(found.records.map((r) => r.key)).toEqual(['order-7']);

    const produced = await call('topics:produce', { topic, key: 'order-new', value: '{"id":99,"status":"fresh"}' });
    const again = await call('topics:browse', {
      topic,
      from: { kind: 'newest' },
      limit: 10,
      filter: { text: 'fresh' },
    });
    expect(again.records.map((r) => [r.key, r.partition, r.offset])).toEqual([
      ['order-new', produced.partition, produced.offset],
    ]);

    const back = await call('profiles:connect', { name: null });
    expect(back.connected).toBeNull();
    expect((await call('profiles:list')).connected).toBeNull();
  });
});
