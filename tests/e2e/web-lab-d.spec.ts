// The Lab D walk-through in the browser against web mode and the real local stack, driven only from the UI:
// pick Lab D in the lab picker (the default), start the stack and the services, create 50 orders, see 3 members of which 2 own a partition, kill the active
// notifier and see its partition move to the idle one, stop Kafka (the outbox backlog rises), start it (the backlog
// drains to 0), and read one order's timeline. A screenshot of every view goes to test-results/screenshots/.
import { expect, test } from '@playwright/test';
import { ConsoleApp } from './pages/console-app';
import { GroupsPage } from './pages/groups-page';
import { OutboxPage } from './pages/outbox-page';
import { StackPage, type Instance } from './pages/stack-page';
import { TimelinePage } from './pages/timeline-page';

const url = () => {
  const u = process.env.EVENTSCOPE_E2E_URL;
  if (u === undefined || u === '')
    throw new Error('EVENTSCOPE_E2E_URL is not set: the global setup did not start web mode');
  return u;
};

test('Lab D from the UI: group assignment, failover, outbox through a Kafka outage, an order timeline', async ({
  page,
}) => {
  const app = new ConsoleApp(page);
  const stack = new StackPage(page);
  const groups = new GroupsPage(page);
  const outbox = new OutboxPage(page);
  const timeline = new TimelinePage(page);
  const t0 = Date.now();
  const step = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}`);

  await app.open(url());
  await app.screenshot('00-first-open');

  await test.step('pick Lab D: its views and services come from its manifest', async () => {
    await app.pickLab('Lab D · LOMS', 'orders, outbox, notifiers');
    await expect(page.getByRole('tab')).toHaveText([/^Stack/, /^Topics/, /^Consumer groups/, /^Outbox/, /^Timeline/]);
    for (const i of ['loms', 'notifier-1', 'notifier-2', 'notifier-3'])
      await expect(page.getByTestId(`service-${i}`)).toBeVisible();
    await expect(page.getByTestId('faults-panel').getByRole('button', { name: 'Pause the relay' })).toBeVisible();
  });

  await test.step('start the local stack and the Lab D services', async () => {
    await stack.startStack();
    step('stack healthy');
    await stack.startAllServices();
    step('services running');
  });

  await test.step('create 50 orders', async () => {
    await stack.createOrders(50, 25, { pay: 100, cancel: 0, failed: 0, none: 0 });
    await stack.waitForLoadDone(50);
    step('50 orders created');
    await app.screenshot('01-stack');
  });

  let killed: Instance;
  let idle: string;
  let orderId: string;
  await test.step('3 members, exactly 2 own a partition', async () => {
    await app.show('Consumer groups');
    await groups.expectMembers(3, 2);
    const idleMembers = await groups.idleMembers();
    expect(idleMembers).toHaveLength(1);
    idle = idleMembers[0] as string;
    killed = (await groups.ownerOf(0)) as Instance;
    expect(killed).toMatch(/^notifier-[123]$/);
    expect(killed).not.toBe(idle);
    step(`p0 owned by ${killed}, ${idle} idle`);
    await app.screenshot('02-consumer-groups');
    // an order of this batch, processed before the faults, for the timeline at the end
    await app.show('Timeline');
    orderId = await timeline.recentOrderWith('paid');
    step(`order ${orderId} picked from the recent orders`);
  });

  await test.step('kill the active notifier: its partition moves to the idle one', async () => {
    await app.show('Stack');
    await stack.kill(killed);
    step(`${killed} killed`);
    await app.show('Consumer groups');
    await groups.expectOwner(0, idle, 120_000);
    await groups.expectMembers(2, 2);
    await expect(page.getByTestId('rebalance-row').first()).toBeVisible();
    // the takeover's generation arrives with the notifiers' joined lines, a moment after the row
    await expect(page.getByTestId('rebalance-generation').first()).toHaveText(/^\d+$/, { timeout: 20_000 });
    step(`p0 moved to ${idle}`);
    await app.screenshot('03-consumer-groups-after-kill');
  });

  await test.step('stop Kafka: the outbox backlog rises above 0', async () => {
    await app.show('Stack');
    await stack.stopKafka();
    step('kafka stopped');
    await stack.createOrders(10, 10, { pay: 100, cancel: 0, failed: 0, none: 0 });
    await app.show('Outbox');
    await outbox.expectBacklogAbove(0);
    step(`backlog ${await outbox.pending()}`);
    await app.show('Stack');
    await stack.waitForLoadDone(10);
    await app.show('Outbox');
    await app.screenshot('04-outbox-kafka-down');
  });

  await test.step('start Kafka: the backlog drains to 0', async () => {
    await app.show('Stack');
    await stack.startKafka();
    step('kafka healthy again');
    await app.show('Outbox');
    await outbox.expectBacklog(0, 180_000);
    step('backlog 0');
    await app.screenshot('05-outbox-drained');
  });

  await test.step('topics view shows both partitions and the tail', async () => {
    await app.show('Topics & partitions');
    await expect(page.getByTestId('partition-loms.order-events-0')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('partition-loms.order-events-1')).toBeVisible();
    await expect(page.getByTestId('tail-record').first()).toBeVisible({ timeout: 30_000 });
    await app.screenshot('06-topics');
  });

  await test.step("one order's timeline: new → awaiting payment → paid with partition, offset and notifier", async () => {
    await app.show('Timeline');
    await timeline.search(orderId);
    await expect(async () => {
      const rows = await timeline.rows();
      expect(rows.map((r) => r.status)).toEqual(['new', 'awaiting payment', 'paid']);
      for (const r of rows) {
        expect(r.partition).toMatch(/^p[01]$/);
        expect(r.offset).toMatch(/^\d+$/);
        expect(r.instance).toMatch(/^notifier-[123]$/);
      }
      // per-order ordering: one partition, offsets growing
      expect(new Set(rows.map((r) => r.partition)).size).toBe(1);
      const offsets = rows.map((r) => Number(r.offset));
      expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    }).toPass({ timeout: 60_000 });
    step(`timeline of order ${orderId} complete`);
    await app.screenshot('07-timeline');
  });
});
