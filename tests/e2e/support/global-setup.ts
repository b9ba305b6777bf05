// Starts web mode for the e2e and returns the teardown.
// - builds the renderer (dist/renderer) so the test sees the current code;
// - gives the console a Kafka broker of its own (free ports, a temporary data dir) so that stopping it in the scenario
//   never touches a broker another run shares; Postgres, RabbitMQ, Redis and MongoDB are reused as the local provider
//   does; loms gets a database of its own when Postgres already answers; Lab E's services get free ports and
//   databases of their own (dropped at the end);
// - gives Lab B a RabbitMQ node of its own (the local provider's own node on free ports, in the data dir, which is
//   opened to the `rabbitmq` user the node runs as), so that restarting it never touches the dev stack's node, free
//   HTTP ports, a database of its own (dropped at the end) and a work delay, so that a consumer holds unacked messages;
// - gives Lab A its 2-node KRaft cluster on the e2e's Kafka ports (node 2 on node 1's + 2: four free ports in a row),
//   the API on a free port, a MongoDB database and a Redis key prefix of its own (dropped at the end);
// - gives Lab C free ports (gateway, three orders and three payments replicas), databases and a Redis channel of its
//   own (dropped at the end), a 2 s funds window; its URLs go to the tests as EVENTSCOPE_E2E_LAB_C_*;
// - reads the URL with the token the server prints, and hands it to the tests as EVENTSCOPE_E2E_URL;
// - teardown: `stack:down` over the WebSocket bridge (stops the services and the broker it started), SIGTERM to the
//   server's process group (by the PID it started), drops the database, removes the data dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const ADMIN_URL = process.env.EVENTSCOPE_E2E_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Lab E's services (each gets a free port) and the ones with a database (services/lab-e/schema.ts) */
const LAB_E_SERVICES = ['gateway', 'auth', 'tasks', 'accounting', 'analytics'] as const;
const LAB_E_DATABASES = ['auth', 'tasks', 'accounting', 'analytics'] as const;

const say = (msg: string) => process.stdout.write(`[e2e setup] ${msg}\n`);

/**
 * A port nobody listens on right now, below the kernel's ephemeral range (32768–60999): the scenario stops and starts
 * its broker, which must get its ports back, and a port from the ephemeral range can meanwhile be the source port of
 * any outgoing connection (seen: "port … is already in use" for the broker's controller port after a stop).
 */
export async function freePort(from = 20_000, to = 32_000): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from));
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}–${to}`);
}

async function withAdmin<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function waitForUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`web mode printed no URL within ${timeoutMs} ms\n${out}\n${err}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web mode exited (${code}) before printing its URL\n${out}\n${err}`));
    });
  });
}

/** One request over the bridge (used by the teardown only). */
export function bridgeRequest(pageUrl: string, name: string, request: unknown, timeoutMs = 120_000): Promise<unknown> {
  const u = new URL(pageUrl);
  const ws = new WebSocket(`ws://${u.host}/console?token=${u.searchParams.get('token') ?? ''}`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`${name}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as {
        type: string;
        id?: number;
        ok?: boolean;
        response?: unknown;
        error?: unknown;
      };
      if (msg.type === 'ready') ws.send(JSON.stringify({ type: 'request', id: 1, name, request }));
      if (msg.type === 'response' && msg.id === 1) {
        clearTimeout(timer);
        ws.close();
        if (msg.ok === true) resolve(msg.response);
        else reject(new Error(`${name}: ${JSON.stringify(msg.error)}`));
      }
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/**
 * Lab B's settings for the e2e: its own RabbitMQ node (AMQP, management API, Erlang distribution on free ports), free
 * HTTP ports, its own database, and a work delay per message so that killing a consumer
 * finds messages it holds unacked.
 */
async function labBEnv(): Promise<{ env: Record<string, string>; database: string }> {
  const database = `es_e2e_labb_${Date.now().toString(36)}_${process.pid}`;
  const u = new URL(ADMIN_URL);
  u.pathname = `/${database}`;
  const env: Record<string, string> = {
    EVENTSCOPE_LOCAL_RABBITMQ: 'own',
    EVENTSCOPE_LOCAL_RABBITMQ_PORT: String(await freePort()),
    EVENTSCOPE_LOCAL_RABBITMQ_MANAGEMENT_PORT: String(await freePort()),
    EVENTSCOPE_LOCAL_RABBITMQ_DIST_PORT: String(await freePort()),
    EVENTSCOPE_LAB_B_DATABASE_URL: u.toString(),
    EVENTSCOPE_LAB_B_WORK_DELAY_MS: '500',
  };
  for (const kind of ['AUTH', 'VACATION', 'USERS', 'REPORTS'])
    env[`EVENTSCOPE_LAB_B_${kind}_PORT`] = String(await freePort());
  // made here, not by the services: five of them starting together each CREATE DATABASE when it is missing, and
  // Postgres refuses concurrent ones ("source database template1 is being accessed by other users")
  await withAdmin((c) => c.query(`CREATE DATABASE "${database}"`)).catch((err: unknown) =>
    say(`Lab B database not made (${(err as Error).message}): its services make it`),
  );
  return { env, database };
}

/** The first of `n` free ports in a row below the ephemeral range. */
async function freePortRun(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort(20_000, 32_000 - n);
    let all = true;
    for (let i = 1; i < n && all; i++)
      all = await freePort(first + i, first + i + 1).then(
        () => true,
        () => false,
      );
    if (all) return first;
  }
  throw new Error(`no ${n} free ports in a row`);
}

/**
 * Lab C's settings for the e2e: the gateway and the six replicas on free ports (the dev console may run Lab C on
 * 8090…8096), databases and a Redis channel of its own, a short funds window (an under-funded order fails after 2 s,
 * not the seed's 15 s) and short sessions.
 */
async function labCEnv(): Promise<{ env: Record<string, string>; databases: string[] }> {
  const tag = `es_e2e_labc_${Date.now().toString(36)}_${process.pid}`;
  const ports: number[] = [];
  for (let i = 0; i < 7; i++) ports.push(await freePort());
  return {
    env: {
      EVENTSCOPE_LAB_C_DATABASE_PREFIX: tag,
      EVENTSCOPE_LAB_C_GATEWAY_PORT: String(ports[0]),
      EVENTSCOPE_LAB_C_ORDERS_PORTS: ports.slice(1, 4).join(','),
      EVENTSCOPE_LAB_C_PAYMENTS_PORTS: ports.slice(4).join(','),
      EVENTSCOPE_LAB_C_SSE_CHANNEL: `${tag}.sse-updates`,
      EVENTSCOPE_LAB_C_FUNDS_WINDOW_MS: '2000',
      EVENTSCOPE_LAB_C_SESSION_TIMEOUT_MS: '6000',
    },
    databases: [`${tag}_orders`, `${tag}_payments`],
  };
}

/**
 * Lab A's settings for the e2e: the API on a free port (the dev console may run it on 8001), a MongoDB database and a
 * Redis key prefix of its own, dropped at the end (the machine's MongoDB-wire server and Redis are shared).
 */
async function labAEnv(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const tag = `e2e_laba_${Date.now().toString(36)}_${process.pid}`;
  const env = {
    EVENTSCOPE_LAB_A_API_PORT: String(await freePort()),
    EVENTSCOPE_LAB_A_MONGODB_DB: `es_${tag}`,
    EVENTSCOPE_LAB_A_REDIS_PREFIX: `${tag}:`,
    // check 1 with 50 commands at 50/s as the checks matrix runs it, and a bound of 10 s instead of 5: the e2e walks the
    // UI beside a 2-node cluster and a browser on 2 cores (at load 25, 14 of 50 changes took 5–6 s); the matrix keeps 5 s
    EVENTSCOPE_LAB_A_WINDOW_COMMANDS: '50',
    EVENTSCOPE_LAB_A_WINDOW_BOUND_MS: '10000',
  };
  return {
    env,
    async drop() {
      const { MongoClient } = await import('mongodb');
      const mongo = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true', {
        serverSelectionTimeoutMS: 3000,
      });
      await mongo
        .connect()
        .then(() => mongo.db(env.EVENTSCOPE_LAB_A_MONGODB_DB).dropDatabase())
        .finally(() => mongo.close());
      const { createClient } = await import('redis');
      const redis = createClient({ url: 'redis://127.0.0.1:6379', socket: { reconnectStrategy: false } });
      redis.on('error', () => undefined);
      await redis.connect();
      const keys: string[] = [];
      for await (const batch of redis.scanIterator({ MATCH: `${env.EVENTSCOPE_LAB_A_REDIS_PREFIX}*`, COUNT: 500 }))
        keys.push(...batch);
      if (keys.length > 0) await redis.del(keys);
      await redis.quit();
    },
  };
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.EVENTSCOPE_E2E_URL !== undefined && process.env.EVENTSCOPE_E2E_URL !== '') {
    say(`using the running console at EVENTSCOPE_E2E_URL (nothing started, nothing stopped)`);
    return () => Promise.resolve();
  }
  const t0 = Date.now();
  const build = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'renderer/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  if (build.status !== 0) throw new Error('the renderer build failed (npm run build)');
  say(`renderer built in ${Date.now() - t0} ms`);

  mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
  const stackDir = mkdtempSync(path.join(ROOT, '.cache', 'e2e-stack-'));
  // the own RabbitMQ node runs as the `rabbitmq` user: its folder goes inside this one (mkdtemp makes it 0700)
  chmodSync(stackDir, 0o755);
  const labB = await labBEnv();
  // Lab A asks for a 2-node KRaft cluster: node 2 listens on node 1's ports + 2, so the e2e takes four in a row
  const kafkaPort = await freePortRun(4);
  const controllerPort = kafkaPort + 1;
  const lomsPort = await freePort();
  const labA = await labAEnv();

  let dbName: string | undefined;
  let dbUrl: string | undefined;
  try {
    dbName = `es_e2e_${Date.now().toString(36)}_${process.pid}`;
    const name = dbName;
    await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
    const u = new URL(ADMIN_URL);
    u.pathname = `/${dbName}`;
    dbUrl = u.toString();
    say(`loms database: ${dbName}`);
  } catch (err) {
    dbName = undefined;
    say(`Postgres does not answer yet (${(err as Error).message}): loms uses the stack's default database`);
  }

  // Lab E's five services on free ports and databases of their own (the dev console may run Lab E on 8201…8205)
  const labEDatabasePrefix = `es_e2e_labe_${Date.now().toString(36)}_${process.pid}`;
  const labEPorts: Record<string, string> = {};
  for (const s of LAB_E_SERVICES) labEPorts[`EVENTSCOPE_LAB_E_${s.toUpperCase()}_PORT`] = String(await freePort());

  const labC = await labCEnv();

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...labEPorts,
    ...labC.env,
    EVENTSCOPE_LAB_E_DATABASE_PREFIX: labEDatabasePrefix,
    EVENTSCOPE_STACK: process.env.EVENTSCOPE_STACK ?? 'local',
    EVENTSCOPE_WEB_PORT: '0',
    EVENTSCOPE_LOCAL_KAFKA_PORT: String(kafkaPort),
    EVENTSCOPE_LOCAL_KAFKA_CONTROLLER_PORT: String(controllerPort),
    EVENTSCOPE_LOCAL_STACK_DIR: stackDir,
    EVENTSCOPE_LOMS_PORT: String(lomsPort),
    EVENTSCOPE_POLL_MS: '500',
    ...(dbUrl !== undefined ? { EVENTSCOPE_LOMS_DATABASE_URL: dbUrl } : {}),
    ...labB.env,
    ...labA.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'main/web/server.ts'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start web mode');
  const logFile = path.join(ROOT, 'test-results', 'e2e-web-mode.log');
  mkdirSync(path.dirname(logFile), { recursive: true });
  const { createWriteStream } = await import('node:fs');
  const log = createWriteStream(logFile);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const url = await waitForUrl(child, 60_000);
  process.env.EVENTSCOPE_E2E_URL = url;
  process.env.EVENTSCOPE_E2E_LAB_A_API_URL = `http://127.0.0.1:${labA.env.EVENTSCOPE_LAB_A_API_PORT}`;
  process.env.EVENTSCOPE_E2E_LAB_C_GATEWAY_URL = `http://127.0.0.1:${labC.env.EVENTSCOPE_LAB_C_GATEWAY_PORT}`;
  process.env.EVENTSCOPE_E2E_LAB_C_ORDERS_URLS = labC.env
    .EVENTSCOPE_LAB_C_ORDERS_PORTS!.split(',')
    .map((p) => `http://127.0.0.1:${p}`)
    .join(',');
  say(
    `web mode (pid ${pid}) at ${url.replace(/token=.*/, 'token=…')}; own Kafka on 127.0.0.1:${kafkaPort}; loms on :${lomsPort}; own RabbitMQ on 127.0.0.1:${labB.env.EVENTSCOPE_LOCAL_RABBITMQ_PORT}; log: ${path.relative(ROOT, logFile)}`,
  );

  return async () => {
    try {
      await bridgeRequest(url, 'stack:down', {});
      say('stack:down done (services stopped, the e2e broker stopped)');
    } catch (err) {
      say(`stack:down failed: ${(err as Error).message}`);
    }
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone
        }
        resolve();
      }, 15_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      if (child.exitCode !== null) {
        clearTimeout(t);
        resolve();
      }
    });
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${labB.database}" WITH (FORCE)`)).catch(() => undefined);
    if (dbName !== undefined) {
      const name = dbName;
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch((err: unknown) =>
        say(`could not drop ${name}: ${String(err)}`),
      );
    }
    for (const s of LAB_E_DATABASES) {
      const name = `${labEDatabasePrefix}_${s}`;
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => undefined);
    }
    await labA.drop().catch((err: unknown) => say(`Lab A's database and keys not dropped: ${String(err)}`));
    for (const name of labC.databases)
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => undefined);
    rmSync(stackDir, { recursive: true, force: true });
    say('web mode stopped');
  };
}
