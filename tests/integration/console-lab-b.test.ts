// Lab B in the console: its module (main/console/labs/lab-b) registered with a unique exchange/queue prefix, its own
// database and free ports. The console selects it, runs its seven instances (consumers first), drives vacation
// requests and logins through its load driver over the services' HTTP APIs, and shows each request's timeline from
// the lines only: published to vacation.events → delivered from notification.vacation → notification sent by
// notification-1 or -2 → acked, for each status.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { QUEUES } from '../../services/lab-b/schema.js';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import { createConsole, type Console } from '../../main/console/create-console.js';
import { createLabB } from '../../main/console/labs/lab-b/index.js';
import { callerOf, sharedStackProvider } from './support/test-provider.js';
import { LabBWorld, REPO_ROOT } from './lab-b/harness.js';

let world: LabBWorld;
let console_: Console;

const call = callerOf(() => console_);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** waits until the instance's captured stdout has a lifecycle line in `state` (for each queue, when given) */
async function logged(instance: string, state: 'consuming' | 'listening', count = 1): Promise<void> {
  await waitFor(
    async () => {
      const { lines } = await call('services:logs', { instance, lines: 5000 });
      const n = lines.filter((l) => l.text.includes('"type":"lifecycle"') && l.text.includes(`"state":"${state}"`));
      return n.length >= count;
    },
    { timeoutMs: 30_000, what: `${instance} ${state}` },
  );
}

beforeAll(async () => {
  world = await LabBWorld.create();
  const [auth, vacation, users, reports] = [await freePort(), await freePort(), await freePort(), await freePort()];
  console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, { EVENTSCOPE_POLL_MS: '300' }),
    provider: sharedStackProvider(['rabbitmq', 'postgres']),
    logger: createMemoryLogger('console').logger,
    mode: 'web',
    version: 'test',
    labs: [
      createLabB({
        EVENTSCOPE_LAB_B_PREFIX: world.prefix,
        EVENTSCOPE_LAB_B_DATABASE_URL: world.db.url,
        EVENTSCOPE_LAB_B_AUTH_PORT: String(auth),
        EVENTSCOPE_LAB_B_VACATION_PORT: String(vacation),
        EVENTSCOPE_LAB_B_USERS_PORT: String(users),
        EVENTSCOPE_LAB_B_REPORTS_PORT: String(reports),
      }),
    ],
  });
  await console_.start();
});

afterAll(async () => {
  await console_?.stop();
  // the lab's queues and exchanges (by the prefix) and its database
  await world?.dispose();
});

describe('Lab B as a console module', () => {
  it('is selected and lists its instances, exchanges and queues from its manifest (prefixed)', async () => {
    const info = await call('labs:select', { lab: 'lab-b' });
    expect(info.lab).toBe('lab-b');
    const { instances } = await call('services:list');
    expect(instances.map((i) => i.instance).sort()).toEqual(
      ['audit', 'auth', 'notification-1', 'notification-2', 'reports', 'users', 'vacation'].sort(),
    );
    const manifest = info.labs.find((l) => l.id === 'lab-b')!;
    const vacationEvents = manifest.exchanges.find((x) => x.name === world.name('vacation.events'));
    expect(vacationEvents?.queues).toEqual([world.name(QUEUES.notification), world.name(QUEUES.reportsVacation)]);
    expect(manifest.exchanges.find((x) => x.type === 'default')?.name).toBe('');
  });

  it('runs every instance, drives requests through HTTP and shows each one HTTP → exchange → queue → notification-N', async () => {
    const { instances } = await call('services:list');
    const manifest = (await call('console:info')).labs.find((l) => l.id === 'lab-b')!;
    // consumers first (the kinds without `after`), then the publishers
    const first = manifest.services.filter((s) => s.after === undefined).flatMap((s) => s.instances);
    const then = manifest.services.filter((s) => s.after !== undefined).flatMap((s) => s.instances);
    expect(first.length + then.length).toBe(instances.length);
    await Promise.all(first.map((instance) => call('services:start', { instance })));
    // audit consumes two queues, reports two, users and each notification one
    await Promise.all([
      logged('audit', 'consuming', 2),
      logged('reports', 'consuming', 2),
      logged('users', 'consuming'),
      logged('notification-1', 'consuming'),
      logged('notification-2', 'consuming'),
    ]);
    await Promise.all(then.map((instance) => call('services:start', { instance })));
    await Promise.all([logged('auth', 'listening'), logged('vacation', 'listening'), logged('vacation', 'consuming')]);

    await call('load:start', {
      lab: 'lab-b',
      rate: 10,
      count: 8,
      mix: { approve: 1, reject: 1, cancel: 1, 'approve-cancel': 1, 'login-failed': 1 },
    });
    const done = await waitFor(
      async () => {
        const p = (await call('load:status')).progress;
        return p !== null && !p.running ? p : undefined;
      },
      { timeoutMs: 30_000, what: 'the load run to end' },
    );
    expect(done.errors, done.lastError ?? '').toBe(0);
    const filed = Object.entries(done.outcomes)
      .filter(([id]) => id !== 'login-failed')
      .reduce((n, [, c]) => n + c, 0);
    expect(filed).toBeGreaterThan(0);

    const paths: Record<string, string> = {
      approve: 'submitted,approved',
      reject: 'submitted,rejected',
      cancel: 'submitted,cancelled',
      'approve-cancel': 'submitted,approved,cancelled',
    };
    const byPath = (items: { statuses: string[] }[], path: string) =>
      items.filter((i) => i.statuses.join() === path).length;
    // every filed request reaches its last status, each status notified by one notification instance
    const items = await waitFor(
      async () => {
        const r = await call('timeline:recent', { limit: 100 });
        const complete = r.items.filter((i) => i.actors.some((a) => a.startsWith('notification-')));
        const ok = Object.entries(paths).every(([id, path]) => byPath(complete, path) === (done.outcomes[id] ?? 0));
        if (!ok) return undefined;
        const timelines = await Promise.all(
          complete.map(async (i) => (await call('timeline:get', { lab: 'lab-b', entity: i.entity })).timeline!),
        );
        const notified = timelines.every((t) =>
          t.statuses.every((st) =>
            t.steps.some((s) => s.status === st && s.step === 'acked' && s.actor?.startsWith('notification-')),
          ),
        );
        return notified ? timelines : undefined;
      },
      { timeoutMs: 30_000, what: 'each filed request on the timeline, every status notified and acked' },
    );
    expect(items).toHaveLength(filed);

    const exchange = world.name('vacation.events');
    const queue = world.name(QUEUES.notification);
    for (const t of items) {
      expect(t.lab).toBe('lab-b');
      expect(t.flags).toEqual([]);
      for (const status of t.statuses) {
        const steps = t.steps.filter((s) => s.status === status);
        const toNotification = steps.filter((s) => s.where?.kind === 'amqp' && s.where.queue === queue);
        // the path of one status change, in the order the timeline gives it
        const path = steps
          .filter((s) => s.step === 'published' || s.actor?.startsWith('notification-'))
          .map((s) => s.step);
        expect(path, `${t.entity} ${status}`).toEqual(['published', 'delivered', 'notification_sent', 'acked']);
        const published = steps.find((s) => s.step === 'published')!;
        expect(published).toMatchObject({
          actor: 'vacation',
          where: { kind: 'amqp', exchange, routingKey: 'vacation.request.status_changed', queue: null },
        });
        // one notification instance handled it (a work queue): delivered, notified and acked by the same one
        const actors = new Set(toNotification.map((s) => s.actor));
        expect(actors.size, `${t.entity} ${status}: ${[...actors].join(', ')}`).toBe(1);
        expect([...actors][0]).toMatch(/^notification-[12]$/);
        // the fan-out copy for reports
        expect(steps.some((s) => s.step === 'acked' && s.actor === 'reports')).toBe(true);
      }
    }

    // the supervisor counted the lines: publishes for vacation, acks for the consumers, no errors
    const after = (await call('services:list')).instances;
    const of = (name: string) => after.find((i) => i.instance === name)!;
    expect(of('vacation').eventsProcessed).toBeGreaterThan(0);
    expect(of('audit').eventsProcessed).toBeGreaterThan(0);
    expect(of('notification-1').eventsProcessed + of('notification-2').eventsProcessed).toBeGreaterThanOrEqual(
      items.reduce((n, t) => n + t.statuses.length, 0),
    );
    expect(after.reduce((n, i) => n + i.errors, 0)).toBe(0);

    await Promise.all(after.map((i) => call('services:stop', { instance: i.instance })));
    const stopped = (await call('services:list')).instances;
    expect(stopped.every((i) => i.state === 'stopped' || i.state === 'exited')).toBe(true);
  });
});
