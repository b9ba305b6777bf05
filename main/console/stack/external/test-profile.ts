// "Test" of a connection profile: per component, was it reached (TCP), did the login work (TLS handshake, then SASL
// or the URL's credentials), and may this user describe what the console shows (Kafka: the cluster, its topics and
// groups; RabbitMQ: the management API's overview and queues). Every step has a short deadline: nothing hangs, and
// every failure says what failed in words (a wrong password names the mechanism; a wrong CA is a certificate error).
import net from 'node:net';
import tls from 'node:tls';
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { toAppError } from '../../../../services/shared/app-error.js';
import type { ConnectionProfile, ProfileTestResult, ProfileTestStep } from '../../contract/profiles.js';
import { kafkaClientSecurity, tlsOptions } from '../kafka-security.js';
import { PROBES, publicEndpoint } from '../probes.js';
import { createManagementClient } from '../rabbitmq-management.js';
import { endpointsOfProfile, profileComponents } from './profile-endpoints.js';

const TLS_CERT_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

function withDeadline<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

/** A TCP connection, closed at once. */
function reach(host: string, port: number, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${host}:${port}: no TCP answer within ${ms} ms`));
    }, ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(`${host}:${port}: ${err.code ?? err.message}`));
    });
  });
}

/** A TLS handshake with the profile's options; a certificate problem reads "certificate error: …". */
function handshake(host: string, port: number, options: tls.ConnectionOptions, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...options, host, port, servername: net.isIP(host) === 0 ? host : undefined });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${host}:${port}: no TLS handshake within ${ms} ms (is this a TLS listener?)`));
    }, ms);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      const subject = typeof cert.subject?.CN === 'string' ? cert.subject.CN : '?';
      const verified = socket.authorized ? 'verified' : `NOT verified: ${String(socket.authorizationError)}`;
      socket.destroy();
      resolve(`TLS ${socket.getProtocol() ?? '?'}, certificate ${subject} ${verified}`);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      const code = err.code ?? '';
      reject(
        new Error(
          TLS_CERT_CODES.has(code)
            ? `certificate error: ${err.message} (${code}) — check kafka.tls.caFile`
            : `${host}:${port}: TLS handshake failed: ${err.message}`,
        ),
      );
    });
  });
}

const message = (err: unknown) => toAppError(err).message || String(err);

/** Kafka: every bootstrap broker reached; TLS handshake and SASL login; describe cluster, topics and groups. */
async function testKafka(k: NonNullable<ConnectionProfile['kafka']>, ms: number): Promise<ProfileTestStep[]> {
  const steps: ProfileTestStep[] = [];
  const reached = await Promise.allSettled(
    k.brokers.map((b) => {
      const { host, port } = splitHostPort(b);
      return reach(host, port, ms);
    }),
  );
  const up = reached.filter((r) => r.status === 'fulfilled').length;
  const failed = reached.flatMap((r) => (r.status === 'fulfilled' ? [] : [message(r.reason)]));
  if (up === 0) {
    steps.push({ step: 'reached', ok: false, detail: failed.join('; ') });
    return [...steps, notTried('authenticated'), notTried('authorised')];
  }
  steps.push({
    step: 'reached',
    ok: true,
    detail: `${up} of ${k.brokers.length} bootstrap broker(s) answer${failed.length > 0 ? `; ${failed.join('; ')}` : ''}`,
  });
  const login: string[] = [];
  let security: ReturnType<typeof kafkaClientSecurity>;
  try {
    security = kafkaClientSecurity({
      ...(k.sasl === undefined ? {} : { sasl: k.sasl }),
      ...(k.tls === undefined ? {} : { tls: k.tls }),
    });
    if (k.tls !== undefined) {
      const first = reached.findIndex((r) => r.status === 'fulfilled');
      const { host, port } = splitHostPort(k.brokers[first]!);
      login.push(await handshake(host, port, tlsOptions(k.tls), ms));
    }
  } catch (err) {
    steps.push({ step: 'authenticated', ok: false, detail: message(err) });
    return [...steps, notTried('authorised')];
  }
  const kafka = new Kafka({
    clientId: 'eventscope-profile-test',
    brokers: k.brokers,
    ...security,
    logLevel: logLevel.NOTHING,
    connectionTimeout: ms,
    authenticationTimeout: ms,
    requestTimeout: ms,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    try {
      await withDeadline('kafka login', ms * 2, admin.connect());
      login.push(k.sasl === undefined ? 'no SASL' : `SASL ${k.sasl.mechanism} as ${k.sasl.username}`);
      steps.push({ step: 'authenticated', ok: true, detail: login.join('; ') });
    } catch (err) {
      const e = err as Error;
      const detail =
        e.name === 'KafkaJSSASLAuthenticationError'
          ? `authentication failed (${k.sasl?.mechanism ?? 'SASL'} as ${k.sasl?.username ?? '?'}): ${e.message}`
          : `could not log in: ${e.message}${k.tls === undefined && k.sasl !== undefined ? ' (a SASL_SSL listener needs kafka.tls)' : ''}`;
      steps.push({ step: 'authenticated', ok: false, detail });
      return [...steps, notTried('authorised')];
    }
    try {
      const cluster = await withDeadline('describe cluster', ms * 2, admin.describeCluster());
      const topics = await withDeadline('list topics', ms * 2, admin.listTopics());
      const groups = await withDeadline('list groups', ms * 2, admin.listGroups());
      steps.push({
        step: 'authorised',
        ok: true,
        detail: `cluster ${cluster.clusterId}: ${cluster.brokers.length} broker(s), ${topics.length} topic(s), ${groups.groups.length} group(s)`,
      });
    } catch (err) {
      const e = err as Error & { type?: string };
      steps.push({
        step: 'authorised',
        ok: false,
        detail: /AUTHORIZATION/.test(e.type ?? e.message)
          ? `not authorised to describe: ${e.type ?? e.message} (the user needs Describe on the cluster, topics and groups)`
          : e.message,
      });
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return steps;
}

const notTried = (step: ProfileTestStep['step'], detail = 'not tried'): ProfileTestStep => ({ step, ok: null, detail });

/** RabbitMQ: the AMQP port reached, the AMQP login, then the management API's overview and queues. */
async function testRabbitmq(r: NonNullable<ConnectionProfile['rabbitmq']>, ms: number): Promise<ProfileTestStep[]> {
  const u = new URL(r.url);
  const port = Number(u.port || (u.protocol === 'amqps:' ? 5671 : 5672));
  try {
    await reach(u.hostname, port, ms);
  } catch (err) {
    return [{ step: 'reached', ok: false, detail: message(err) }, notTried('authenticated'), notTried('authorised')];
  }
  const steps: ProfileTestStep[] = [{ step: 'reached', ok: true, detail: `${u.hostname}:${port} answers` }];
  try {
    const conn = await withDeadline('amqp login', ms * 2, amqp.connect(r.url, { timeout: ms }));
    conn.on('error', () => undefined);
    await conn.close().catch(() => undefined);
  } catch (err) {
    const text = message(err);
    steps.push({
      step: 'authenticated',
      ok: false,
      detail: /ACCESS_REFUSED|403/.test(text)
        ? `authentication failed (AMQP PLAIN as ${decodeURIComponent(u.username) || 'guest'}): ${text}`
        : text,
    });
    return [...steps, notTried('authorised')];
  }
  if (r.managementUrl === undefined) {
    steps.push({
      step: 'authenticated',
      ok: true,
      detail: `AMQP login as ${decodeURIComponent(u.username) || 'guest'}`,
    });
    return [...steps, notTried('authorised', 'no management URL: queues are not observed')];
  }
  const management = createManagementClient(r.managementUrl);
  try {
    await management.get('/api/whoami', ms);
    steps.push({ step: 'authenticated', ok: true, detail: `AMQP and management API login` });
  } catch (err) {
    const text = message(err);
    steps.push({
      step: 'authenticated',
      ok: false,
      detail: /401/.test(text) ? `authentication failed (management API, HTTP basic): ${text}` : text,
    });
    return [...steps, notTried('authorised')];
  }
  try {
    const queues = await management.get<unknown[]>('/api/queues?columns=name', ms);
    steps.push({
      step: 'authorised',
      ok: true,
      detail: `${Array.isArray(queues) ? queues.length : '?'} queue(s) visible`,
    });
  } catch (err) {
    steps.push({ step: 'authorised', ok: false, detail: `not authorised to list queues: ${message(err)}` });
  }
  return steps;
}

/** Postgres, MongoDB, Redis: the address reached, then one round trip with the component's client (login included). */
async function testUrl(
  component: 'postgres' | 'mongodb' | 'redis',
  profile: ConnectionProfile,
  ms: number,
): Promise<ProfileTestStep[]> {
  const endpoints = endpointsOfProfile(profile);
  const u = new URL(endpoints[component].url);
  const defaults = { postgres: 5432, mongodb: 27017, redis: 6379 } as const;
  const steps: ProfileTestStep[] = [];
  if (!u.protocol.includes('+srv')) {
    const port = Number(u.port || defaults[component]);
    try {
      await reach(u.hostname.split(',')[0] ?? u.hostname, port, ms);
      steps.push({ step: 'reached', ok: true, detail: `${u.hostname}:${port} answers` });
    } catch (err) {
      return [{ step: 'reached', ok: false, detail: message(err) }, notTried('authenticated'), notTried('authorised')];
    }
  } else steps.push(notTried('reached', 'a DNS seed list: tried by the login'));
  try {
    const detail = await PROBES[component](endpoints, ms);
    steps.push({ step: 'authenticated', ok: true, detail });
  } catch (err) {
    steps.push({ step: 'authenticated', ok: false, detail: message(err) });
    return [...steps, notTried('authorised')];
  }
  return [...steps, notTried('authorised', 'not checked for this component')];
}

/** Tests every component of a profile at once; each step within `timeoutMs` (default 4 s). */
export async function testProfile(profile: ConnectionProfile, timeoutMs = 4_000): Promise<ProfileTestResult[]> {
  const endpoints = endpointsOfProfile(profile);
  return Promise.all(
    profileComponents(profile).map(async (component): Promise<ProfileTestResult> => {
      const t0 = Date.now();
      let steps: ProfileTestStep[];
      try {
        steps =
          component === 'kafka'
            ? await testKafka(profile.kafka!, timeoutMs)
            : component === 'rabbitmq'
              ? await testRabbitmq(profile.rabbitmq!, timeoutMs)
              : await testUrl(component, profile, timeoutMs);
      } catch (err) {
        steps = [{ step: 'reached', ok: false, detail: message(err) }];
      }
      return {
        component,
        endpoint: publicEndpoint(component, endpoints),
        ok: steps.every((s) => s.ok !== false) && steps.some((s) => s.ok === true),
        steps,
        millis: Date.now() - t0,
      };
    }),
  );
}
