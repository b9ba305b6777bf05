// The Lab B walk-through in the browser against web mode, driven from the UI: pick Lab B, start its stack (the e2e's
// own RabbitMQ node and the machine's Postgres) and its seven services, run load (vacation requests and logins), watch
// the Queues view (topology, queue table, fan-out next to the work queue), kill notification-1 while it holds unacked
// messages and watch them go to notification-2 (redelivered), restart the broker (the services reconnect), read a
// redelivered vacation request's timeline, and run all of Lab B's checks: each PASS, or SKIP with its reason.
// Screenshots: test-results/screenshots/lab-b-{queues,timeline,checks}.png.
import { expect, test } from '@playwright/test';
import { bridgeRequest } from './support/global-setup';
import { ChecksPage } from './pages/checks-page';
import { ConsoleApp } from './pages/console-app';
import { LAB_B_INSTANCES, LabBPage, WORK_QUEUE } from './pages/lab-b-page';

const url = () => {
  const u = process.env.EVENTSCOPE_E2E_URL;
  if (u === undefined || u === '')
    throw new Error('EVENTSCOPE_E2E_URL is not set: the global setup did not start web mode');
  return u;
};

/** Lab B's invariants 1–6 (LABS.md), one check each */
const LAB_B_CHECK_COUNT = 6;

interface Step {
  step: string;
  actor: string | null;
  where: { kind: string; queue?: string | null; redelivered?: boolean | null } | null;
}

/** A vacation request one of whose messages the broker redelivered to `instance` (asked over the bridge). */
async function redeliveredTo(instance: string): Promise<string | undefined> {
  const recent = (await bridgeRequest(url(), 'timeline:recent', { limit: 200 })) as { items: { entity: string }[] };
  for (const { entity } of recent.items) {
    const r = (await bridgeRequest(url(), 'timeline:get', { lab: 'lab-b', entity })) as {
      timeline: { steps: Step[] } | null;
    };
    const hit = r.timeline?.steps.some(
      (s) => s.actor === instance && s.where?.kind === 'amqp' && s.where.redelivered === true,
    );
    if (hit === true) return entity;
  }
  return undefined;
}

test('Lab B from the UI: queues, a killed consumer’s unacked messages redelivered, a broker restart, the checks', async ({
  page,
}) => {
  test.setTimeout(8 * 60_000);
  const app = new ConsoleApp(page);
  const lab = new LabBPage(page);
  const checks = new ChecksPage(page);
  const t0 = Date.now();
  const step = (msg: string) => console.log(`[lab-b ${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}`);

  await app.open(url());

  await test.step('pick Lab B: the Queues view is among its views', async () => {
    await app.pickLab('Lab B · RabbitMQ', 'auth and audit, vacation requests, notifications over RabbitMQ');
    await expect(page.getByRole('tab', { name: /^Queues/ })).toBeVisible();
    for (const i of LAB_B_INSTANCES) await expect(page.getByTestId(`service-${i}`)).toBeVisible();
  });

  await test.step('start the stack (its own RabbitMQ node) and the seven services', async () => {
    await lab.startStack();
    step('stack healthy');
    await lab.startAllServices();
    step('services running');
    await app.show('Queues');
    // every queue of the lab declared by its consumer, each with a consumer
    await expect(lab.queueCell('consumers', WORK_QUEUE)).toHaveText('2', { timeout: 30_000 });
    for (const q of ['audit.auth', 'security.failed-logins', 'reports.vacation', 'user_registered'])
      await expect(page.getByTestId(`queue-row-${q}`)).toBeVisible();
    await expect(page.getByTestId('fanout-auth.events')).toContainText('security.failed-logins');
  });

  await test.step('run load: notification-1 and notification-2 each hold unacked messages of the work queue', async () => {
    await app.show('Stack');
    await lab.runLoad(40, 20);
    await app.show('Queues');
    // the broker pushes up to the prefetch to each instance, whose work waits (the e2e's work delay, 500 ms a message:
    // 4 messages/s for both, under what the load sends even on a busy machine)
    await expect.poll(() => lab.heldBy('notification-1'), { timeout: 30_000, intervals: [250] }).toBeGreaterThan(1);
    step(`notification-1 holds ${await lab.heldBy('notification-1')} unacked`);
  });

  await test.step('kill notification-1 while it holds them: they are redelivered to notification-2', async () => {
    await app.show('Stack');
    await lab.kill('notification-1');
    step('notification-1 killed');
    await app.show('Queues');
    await expect(lab.queueCell('consumers', WORK_QUEUE)).toHaveText('1', { timeout: 20_000 });
    await expect(page.getByTestId(`redelivered-${WORK_QUEUE}`)).toBeVisible({ timeout: 30_000 });
    step(`redelivered: ${await page.getByTestId(`redelivered-${WORK_QUEUE}`).textContent()}`);
    await expect(page.getByTestId(`work-left-${WORK_QUEUE}`)).toContainText('1 of the 2 consumers left');
    await expect.poll(() => lab.heldBy('notification-2'), { timeout: 20_000 }).toBeGreaterThan(0);
    await app.screenshot('lab-b-queues');
    // back to two, so the backlog drains faster
    await app.show('Stack');
    await lab.start('notification-1');
  });

  let redelivered: string | undefined;
  await test.step('the load finishes; the work queue drains through notification-2', async () => {
    await app.show('Stack');
    await lab.waitForLoadDone(40);
    await app.show('Queues');
    await expect(lab.queueCell('ready', WORK_QUEUE)).toHaveText('0', { timeout: 60_000 });
    await expect(lab.queueCell('unacked', WORK_QUEUE)).toHaveText('0', { timeout: 30_000 });
    await expect.poll(() => redeliveredTo('notification-2'), { timeout: 20_000 }).toBeDefined();
    redelivered = await redeliveredTo('notification-2');
    step(`vacation request ${redelivered} redelivered to notification-2`);
  });

  await test.step('a redelivered vacation request’s timeline: HTTP → exchange → queue → notification-2', async () => {
    await app.show('Timeline');
    await page.getByRole('searchbox', { name: 'Vacation request id' }).fill(redelivered ?? '');
    await page.getByRole('button', { name: 'Show timeline' }).click();
    await expect(page.getByTestId('timeline-entity-id')).toHaveText(redelivered ?? '');
    const table = page.getByRole('table', { name: `Timeline of vacation request ${redelivered}` });
    await expect(table.getByText('redelivered').first()).toBeVisible({ timeout: 20_000 });
    await expect(table.getByText('notification-2').first()).toBeVisible();
    await app.screenshot('lab-b-timeline');
  });

  await test.step('restart the broker: the services reconnect and the queues come back', async () => {
    await app.show('Stack');
    await lab.restartBroker();
    step('broker restarted');
    await app.show('Queues');
    await expect(lab.queueCell('consumers', WORK_QUEUE)).toHaveText('2', { timeout: 60_000 });
    await expect(page.getByTestId('queues-unreachable')).toHaveCount(0, { timeout: 30_000 });
    step('both notification instances consume again');
  });

  await test.step('run all checks: each PASS, or SKIP with its reason', async () => {
    await app.show('Checks');
    const ids = await checks.declared();
    expect(ids, `the Checks view lists ${ids.length} checks of Lab B`).toHaveLength(LAB_B_CHECK_COUNT);
    const rows = await checks.runAll(ids, 5 * 60_000);
    step(`checks done:\n${rows.map((r) => `  ${r.status.padEnd(5)} ${r.id}: ${r.summary}`).join('\n')}`);
    await app.screenshot('lab-b-checks');
    expect(
      rows.filter((r) => !(r.status === 'PASS' || (r.status === 'SKIP' && r.summary.trim().length > 10))),
      'checks that neither PASSed nor SKIPped with a reason',
    ).toEqual([]);
  });
});
