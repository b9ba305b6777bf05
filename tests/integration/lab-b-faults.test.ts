// Lab B's faults (main/console/labs/lab-b/faults.ts) against the stack's RabbitMQ, with notification and reports running
// in this process under a unique prefix: the unroutable message comes back 312 NO_ROUTE (mandatory), the poison message
// is dead-lettered to lab-b.dead with its reason by both consumers and the next good change is still handled; bad
// arguments are 4xx naming the field; without stack control "restart the broker" says so.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import { DEAD_LETTER_HEADERS, EXCHANGES, QUEUES, ROUTING_KEYS } from '../../services/lab-b/schema.js';
import { labBFaults, UNROUTABLE_KEY } from '../../main/console/labs/lab-b/faults.js';
import type { LabContext, LabFault } from '../../main/console/labs/types.js';
import { endpoints } from './support/index.js';
import { LabBWorld, ofType, type RunningService } from './lab-b/harness.js';

let world: LabBWorld;
let faults: LabFault[];
let notification: RunningService;
let reports: RunningService;

const ctx = (): LabContext =>
  ({
    endpoints: () => ({ ...endpoints(), rabbitmq: { url: world.amqpUrl } }),
    logger: createMemoryLogger('faults').logger,
  }) as unknown as LabContext;

const fault = (id: string): LabFault => {
  const f = faults.find((x) => x.id === id);
  if (f === undefined) throw new Error(`no fault ${id}`);
  return f;
};

beforeAll(async () => {
  world = await LabBWorld.create();
  faults = labBFaults(world.prefix);
  notification = await world.start('notification', { INSTANCE: 'notification-1' });
  reports = await world.start('reports');
  await world.consuming(notification);
  await world.consuming(reports, 2);
}, 60_000);

afterAll(async () => {
  await world?.dispose();
});

describe('Lab B faults', () => {
  it('publishes an unroutable message: returned 312 NO_ROUTE, not dropped', async () => {
    const said = await fault('unroutable').run(ctx(), {});
    expect(said).toContain(`with key ${UNROUTABLE_KEY}: returned 312 NO_ROUTE`);
    expect(said).toContain(world.name(EXCHANGES.auth));
  });

  it('publishes a poison message: both consumers dead-letter it with its reason and keep consuming', async () => {
    const said = await fault('poison').run(ctx(), {});
    const id = /published (\S+) \(not JSON\)/.exec(said)?.[1];
    expect(id, said).toBeDefined();
    const dead: { queue: unknown; reason: unknown }[] = [];
    await waitFor(
      async () => {
        for (const m of await world.drain(QUEUES.dead))
          if (m.properties.messageId === id)
            dead.push({
              queue: m.properties.headers?.[DEAD_LETTER_HEADERS.queue],
              reason: m.properties.headers?.[DEAD_LETTER_HEADERS.reason],
            });
        return dead.length >= 2;
      },
      { timeoutMs: 20_000, what: 'two dead-lettered copies of the poison message' },
    );
    expect(dead.map((d) => d.queue).sort()).toEqual(
      [world.name(QUEUES.notification), world.name(QUEUES.reportsVacation)].sort(),
    );
    for (const d of dead) expect(String(d.reason)).not.toBe('');
    expect(ofType(notification.lines, 'dead_lettered').length).toBeGreaterThan(0);
    // the next good change is handled
    const eventId = randomUUID();
    const requestId = randomUUID();
    const change = {
      event_id: eventId,
      request_id: requestId,
      user_id: randomUUID(),
      from_status: null,
      to_status: 'submitted',
      at: new Date().toISOString(),
    };
    await world.publishRaw(EXCHANGES.vacation, ROUTING_KEYS.vacationStatusChanged, JSON.stringify(change), eventId);
    await waitFor(() => ofType(notification.lines, 'acked').some((l) => l.event_id === eventId), {
      timeoutMs: 20_000,
      what: 'the change after the poison message acked by notification',
    });
  }, 60_000);

  it('refuses an instance it cannot stop, naming the field, and a restart without stack control', async () => {
    await expect(fault('stop-consumer').run(ctx(), { instance: 'auth' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'instance' },
    });
    await expect(fault('restart-broker').run(ctx(), {})).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
