// A single-node KRaft broker with a SASL_SSL listener, made by a test for itself: a CA and a broker certificate made
// with openssl (and the broker's keystore as PKCS12), SCRAM-SHA-256/512 users added at format time
// (`kafka-storage format --add-scram`), a PLAIN user in the listener's JAAS config. The broker also has a PLAINTEXT
// listener for its own inter-broker traffic, advertised to no client of the SASL_SSL listener. Killed by PID.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { classpathOf, ensureJars, kafkaJarsDir } from '../../../main/console/stack/local/jars.js';
import { isAlive, isPortOpen, spawnServer, tailFile } from '../../../main/console/stack/local/process.js';
import { TOOLS_DIR } from '../../../main/console/stack/paths.js';
import { waitFor } from '../../../services/shared/wait.js';
import { freePort } from './test-provider.js';

const run = promisify(execFile);

export interface SaslSslKafka {
  dir: string;
  /** the SASL_SSL listener, host:port */
  broker: string;
  pid: number;
  /** the CA that signed the broker's certificate (PEM file) */
  caFile: string;
  /** a CA that signed nothing here (PEM file): a client trusting only it fails the handshake */
  otherCaFile: string;
  users: { scram: { username: string; password: string }; plain: { username: string; password: string } };
  stop(): Promise<void>;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir, timeout: 30_000 });
}

/** A CA (ca.pem), another CA (other-ca.pem) and the broker's keystore (broker.p12) for 127.0.0.1 and localhost. */
async function makeCertificates(dir: string, storePassword: string): Promise<void> {
  const subj = (cn: string) => ['-subj', `/CN=${cn}`];
  for (const ca of ['ca', 'other-ca'])
    await openssl(dir, [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '2',
      ...subj(`eventscope test ${ca}`),
    ]);
  await openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'broker.key',
    '-out',
    'broker.csr',
    ...subj('127.0.0.1'),
  ]);
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    'broker.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'broker.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
  await openssl(dir, [
    'pkcs12',
    '-export',
    '-in',
    'broker.pem',
    '-inkey',
    'broker.key',
    '-certfile',
    'ca.pem',
    '-name',
    'broker',
    '-out',
    'broker.p12',
    '-passout',
    `pass:${storePassword}`,
  ]);
}

/** Starts the broker on free ports in [from, to) (below 20000) and resolves when its SASL_SSL port answers. */
export async function startSaslSslKafka(opts: { from?: number; to?: number; timeoutMs?: number } = {}) {
  const from = opts.from ?? 17_100;
  const to = opts.to ?? 17_900;
  const dir = mkdtempSync(path.join(tmpdir(), 'eventscope-sasl-ssl-'));
  const storePassword = 'keystore-secret';
  const users = {
    scram: { username: 'alice', password: 'alice-secret' },
    plain: { username: 'bob', password: 'bob-secret' },
  };
  await makeCertificates(dir, storePassword);
  // A port found free can be taken before the broker binds it (other tests pick from the machine's ports too):
  // a broker that exits on a bind error is started again on other ports, up to three times.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startBroker(dir, storePassword, users, { from, to, timeoutMs: opts.timeoutMs ?? 60_000 });
    } catch (err) {
      if (!(err instanceof BindError) || attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

/** the broker exited because a port was taken */
class BindError extends Error {}

async function startBroker(
  dir: string,
  storePassword: string,
  users: SaslSslKafka['users'],
  opts: { from: number; to: number; timeoutMs: number },
): Promise<SaslSslKafka> {
  const { from, to } = opts;
  rmSync(path.join(dir, 'data'), { recursive: true, force: true });
  rmSync(path.join(dir, 'server.log'), { force: true });
  rmSync(path.join(dir, 'stdout.log'), { force: true });
  const ports: number[] = [];
  while (ports.length < 3) {
    const p = await freePort(from, to);
    if (!ports.includes(p)) ports.push(p);
  }
  const [saslPort, internalPort, controllerPort] = ports as [number, number, number];
  mkdirSync(path.join(dir, 'data'));
  const scramJaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=SASL_SSL://127.0.0.1:${saslPort},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${saslPort},INTERNAL://127.0.0.1:${internalPort}`,
    'listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=INTERNAL',
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${users.plain.username}="${users.plain.password}";`,
    `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${scramJaas}`,
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scramJaas}`,
    `ssl.keystore.type=PKCS12`,
    `ssl.keystore.location=${path.join(dir, 'broker.p12')}`,
    `ssl.keystore.password=${storePassword}`,
    `ssl.key.password=${storePassword}`,
    'ssl.client.auth=none',
    `log.dirs=${path.join(dir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'num.network.threads=2',
    'num.io.threads=2',
    // the log cleaner's dedupe buffer is 128 MB by default: with -Xmx256m the broker ran out of heap at start (CI)
    'log.cleaner.dedupe.buffer.size=16777216',
  ];
  const propsFile = path.join(dir, 'server.properties');
  writeFileSync(propsFile, `${props.join('\n')}\n`);
  const jars = kafkaJarsDir();
  await ensureJars(jars);
  const log4j = `-Dlog4j.configuration=file:${path.join(TOOLS_DIR, 'kafka', 'log4j.properties')}`;
  const scram = (mechanism: string) => `${mechanism}=[name=${users.scram.username},password=${users.scram.password}]`;
  await run(
    'java',
    [
      '-Xmx256m',
      `-Dkafka.logs.dir=${dir}`,
      log4j,
      '-cp',
      classpathOf(jars),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      'c2FzbC1zc2wtdGVzdC0xMg',
      '-c',
      propsFile,
      '--add-scram',
      scram('SCRAM-SHA-256'),
      '--add-scram',
      scram('SCRAM-SHA-512'),
    ],
    { timeout: 60_000 },
  );
  const { pid } = spawnServer(
    'java',
    ['-Xmx256m', '-Xms128m', `-Dkafka.logs.dir=${dir}`, log4j, '-cp', classpathOf(jars), 'kafka.Kafka', propsFile],
    { logFile: path.join(dir, 'stdout.log'), cwd: dir },
  );
  const stop = async () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
    await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, what: `the SASL_SSL broker (pid ${pid}) gone` });
    rmSync(dir, { recursive: true, force: true });
  };
  // The broker logs to server.log (tools/kafka/log4j.properties); stdout.log holds what the JVM printed itself.
  const logTail = () =>
    [...tailFile(path.join(dir, 'stdout.log'), 10), ...tailFile(path.join(dir, 'server.log'), 20)].join('\n');
  // A broker that exits fails at once (with its log), not at the deadline.
  const state = await waitFor(async () => (!isAlive(pid) ? 'exited' : (await isPortOpen(saslPort)) && 'listening'), {
    timeoutMs: opts.timeoutMs,
    intervalMs: 200,
    what: 'the SASL_SSL listener',
  }).catch(async (err: unknown) => {
    await stop().catch(() => undefined);
    throw err;
  });
  if (state === 'exited') {
    const tail = logTail();
    const Failure = /BindException|Address already in use/.test(tail) ? BindError : Error;
    throw new Failure(`the SASL_SSL broker (ports ${ports.join(', ')}) exited: ${tail}`);
  }
  return {
    dir,
    broker: `127.0.0.1:${saslPort}`,
    pid,
    caFile: path.join(dir, 'ca.pem'),
    otherCaFile: path.join(dir, 'other-ca.pem'),
    users,
    stop,
  } satisfies SaslSslKafka;
}
