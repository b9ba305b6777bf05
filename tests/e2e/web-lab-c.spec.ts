// The Lab C walk-through in the browser against web mode and the real local stack: pick Lab C, start the stack and
// its seven instances (orders ×3, payments ×3, the gateway) from the UI; as a student's client would, open a user's
// event stream on orders-2 and create an order on orders-1 (the update crosses replicas through Redis); create orders
// with the load (a share under-funded); duplicate an order.created (a fault) and see the payments inbox reject it;
// read the Inbox and Money panels and the order's timeline (committed → received → payment → applied → paid → pushed
// by orders-2), both outboxes; run every check: all PASS.
// Screenshots: test-results/screenshots/lab-c-{inbox,outbox,money,timeline,checks}.png.
import { expect, test } from '@playwright/test';
import { ChecksPage } from './pages/checks-page';
import { ConsoleApp } from './pages/console-app';
import { LAB_C_INSTANCES, LabCApi, LabCPage } from './pages/lab-c-page';
import { StackPage } from './pages/stack-page';

/** Lab C's invariants 1–5 (LABS.md), one check each */
const LAB_C_CHECK_COUNT = 5;
/** orders of the load step */
const LOAD = 30;

const url = () => {
  const u = process.env.EVENTSCOPE_E2E_URL;
  if (u === undefined || u === '')
    throw new Error('EVENTSCOPE_E2E_URL is not set: the global setup did not start web mode');
  return u;
};

test('Lab C from the UI: an order across replicas, the inbox rejecting a duplicate, the money, the checks', async ({
  page,
}) => {
  test.setTimeout(8 * 60_000);
  const app = new ConsoleApp(page);
  const stack = new StackPage(page);
  const lab = new LabCPage(page);
  const checks = new ChecksPage(page);
  const api = LabCApi.fromEnv();
  const t0 = Date.now();
  const step = (msg: string) => console.log(`[lab-c ${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}`);

  await app.open(url());

  await test.step('pick Lab C: its seven instances come from its manifest', async () => {
    await app.pickLab('Lab C · orders & payments', 'outbox + inbox, exactly-once payment, live status over SSE');
    for (const i of LAB_C_INSTANCES) await expect(page.getByTestId(`service-${i}`)).toBeVisible();
  });

  await test.step('start the stack and the seven instances', async () => {
    await stack.startStack();
    step('stack healthy');
    await lab.startAllServices();
    await api.ready();
    step('services running and answering');
  });

  let orderId = '';
  await test.step("a user's stream on orders-2, an order on orders-1: paid, and pushed across replicas", async () => {
    const userId = await api.account(5000);
    const stream = await api.stream(userId, api.orders[1]!);
    try {
      await expect.poll(() => stream.text(), { timeout: 10_000 }).toContain('event: connected');
      orderId = await api.order(userId, api.orders[0]);
      await expect
        .poll(() => stream.text(), { timeout: 30_000 })
        .toMatch(new RegExp(`event: order-update\\ndata: .*"id":"${orderId}".*"status":"paid"`));
      step(`order ${orderId} paid; its update came on the stream held by orders-2`);
    } finally {
      stream.close();
    }
  });

  await test.step('the load: orders at 10/s, a share under-funded', async () => {
    await app.show('Stack');
    await lab.createUnits(LOAD, 10);
    step(`${LOAD} orders created`);
  });

  await test.step('duplicate an order.created: the payments inbox rejects it (Inbox panel)', async () => {
    const before = await lab.inboxCount('payments', 'duplicates');
    const result = await lab.runFault('duplicate-event');
    expect(result).toContain('re-sent an event on');
    step(`fault: ${result}`);
    await app.show('Consumer groups');
    await expect
      .poll(() => lab.inboxCount('payments', 'received'), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(LOAD + 1);
    await expect
      .poll(() => lab.inboxCount('payments', 'duplicates'), { timeout: 30_000 })
      .toBeGreaterThan(Math.max(0, before));
    await expect.poll(() => lab.inboxCount('orders', 'received'), { timeout: 30_000 }).toBeGreaterThanOrEqual(LOAD + 1);
    await expect(page.getByTestId('outbox-payments-pending')).toHaveText('0', { timeout: 30_000 });
    await expect(page.getByTestId('outbox-orders-pending')).toHaveText('0', { timeout: 30_000 });
    await lab.screenshot(lab.inbox, 'lab-c-inbox');
  });

  await test.step("the Outbox view: both services' outbox tables, each in its own database, drained", async () => {
    await app.show('Outbox');
    for (const service of ['orders', 'payments'])
      await expect(page.getByTestId(`outbox-card-${service}-pending`)).toHaveText('0', { timeout: 30_000 });
    await app.screenshot('lab-c-outbox');
  });

  await test.step('Money: balances = top-ups − payments', async () => {
    await app.show('Stack');
    const conservation = lab.money.getByTestId('money-conservation');
    // Σ balances − (Σ top-ups − Σ completed payments), and every account adding up (its sub line says so)
    await expect(conservation).toHaveText('0.00', { timeout: 20_000 });
    await expect(lab.money).toContainText('balances = top-ups − payments');
    await expect(lab.money.getByTestId('money-accounts')).not.toHaveText('0');
    await lab.screenshot(lab.money, 'lab-c-money');
  });

  await test.step("the order's timeline: committed → received → payment → applied → paid → pushed by orders-2", async () => {
    await app.show('Timeline');
    await page.getByRole('searchbox', { name: 'Order id' }).fill(orderId);
    await page.getByRole('button', { name: 'Show timeline' }).click();
    await expect(page.getByTestId('timeline-entity-id')).toHaveText(orderId);
    const table = page.getByRole('table', { name: `Timeline of order ${orderId}` });
    await expect(table.getByText('paid').first()).toBeVisible({ timeout: 20_000 });
    for (const who of ['orders-1', 'orders-2']) await expect(table.getByText(who).first()).toBeVisible();
    await expect(table.getByText(/payments-[123]/).first()).toBeVisible();
    await app.screenshot('lab-c-timeline');
  });

  await test.step('run all checks: every one PASSes', async () => {
    await app.show('Checks');
    const ids = await checks.declared();
    expect(ids).toHaveLength(LAB_C_CHECK_COUNT);
    const rows = await checks.runAll(ids, 5 * 60_000);
    step(`checks done:\n${rows.map((r) => `  ${r.status.padEnd(5)} ${r.id}: ${r.summary}`).join('\n')}`);
    await app.screenshot('lab-c-checks');
    for (const r of rows) expect(r, `${r.id}: ${r.summary}`).toMatchObject({ status: 'PASS' });
  });
});
