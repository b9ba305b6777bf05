// The System view during a Lab D run, in the browser against web mode and the real local stack, driven from the UI:
// start the stack and the services, create orders, open the System view (loms, the outbox table, the topic, the group
// and its three members, each edge with its rate), kill a notifier and see it marked, cut loms → Postgres on the Stack
// view's Links panel and see that edge marked cut, click the topic (the Topics view opens), export the report and
// render its HTML file in Chromium. Screenshots: test-results/screenshots/system-{view,cut,report}.png.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { ConsoleApp, SCREENSHOT_DIR } from './pages/console-app';
import { StackPage } from './pages/stack-page';
import { SystemPage } from './pages/system-page';

const url = () => {
  const u = process.env.EVENTSCOPE_E2E_URL;
  if (u === undefined || u === '')
    throw new Error('EVENTSCOPE_E2E_URL is not set: the global setup did not start web mode');
  return u;
};

const LOMS = 'instance:loms';
const OUTBOX = 'table:outbox';
const TOPIC = 'topic:loms.order-events';
const GROUP = 'group:notifier';

test('System view during Lab D: the live graph, a killed instance and a cut link marked, the report', async ({
  page,
  context,
}) => {
  const app = new ConsoleApp(page);
  const stack = new StackPage(page);
  const system = new SystemPage(page);
  const t0 = Date.now();
  const step = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}`);

  await app.open(url());
  await app.pickLab('Lab D · LOMS', 'orders, outbox, notifiers');

  await test.step('start the stack and the services, create orders', async () => {
    await stack.startStack();
    await stack.startAllServices();
    await stack.createOrders(30, 15, { pay: 100, cancel: 0, failed: 0, none: 0 });
    // on a loaded machine some creates may time out on Postgres: the graph needs orders, not all thirty
    await expect(page.getByTestId('load-status')).toContainText('Finished', { timeout: 120_000 });
    const created = Number(await page.getByTestId('load-created').textContent());
    expect(created).toBeGreaterThan(0);
    step(`${created} orders created`);
  });

  await test.step('the System view draws the running lab', async () => {
    await app.show('System');
    await system.expectNodes([LOMS, OUTBOX, TOPIC, GROUP, 'instance:notifier-1', 'instance:notifier-2']);
    await expect(system.edge(LOMS, TOPIC)).toHaveAttribute('aria-label', /\/s/);
    await expect(system.edge(TOPIC, GROUP)).toHaveAttribute('aria-label', /lag \d+/);
    // the group's members as Kafka reports them: two own a partition, one is idle
    await expect(page.locator(`.react-flow__edge[aria-label^="${GROUP} to instance:notifier-"]`)).toHaveCount(3, {
      timeout: 60_000,
    });
    await expect(page.locator(`.react-flow__edge[aria-label^="${GROUP} to "][aria-label*="idle"]`)).toHaveCount(1, {
      timeout: 60_000,
    });
    await expect(system.node(GROUP)).toContainText('lag');
    await app.screenshot('system-view');
    step('graph drawn');
  });

  await test.step('kill a notifier and cut loms → Postgres: both marked', async () => {
    await app.show('Stack');
    await stack.kill('notifier-3');
    const link = page.getByTestId('link-loms-postgres');
    await expect(link).toBeVisible({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Cut loms/postgres' }).click();
    await expect(page.getByTestId('link-loms-postgres-state')).toHaveText('cut', { timeout: 30_000 });
    await app.show('System');
    await expect(system.node('instance:notifier-3')).toContainText('killed', { timeout: 30_000 });
    await system.expectCut(LOMS, OUTBOX);
    // the other links of loms are up
    await expect(system.edge(LOMS, TOPIC)).not.toHaveClass(/topo-edge-cut/);
    await app.screenshot('system-cut');
    step('cut marked');
    await app.show('Stack');
    await page.getByRole('button', { name: 'Restore loms/postgres' }).first().click();
    await expect(page.getByTestId('link-loms-postgres-state')).toHaveText('up', { timeout: 30_000 });
    await app.show('System');
    await system.expectNotCut(LOMS, OUTBOX);
  });

  await test.step('a click on the topic opens the Topics view', async () => {
    await system.node(TOPIC).click();
    await expect(page.getByTestId('view-topics')).toBeVisible();
    await app.show('System');
  });

  await test.step('export the report and open it in Chromium', async () => {
    const written = await system.exportReport();
    step(`report ${written.html}`);
    expect(written.html).toMatch(/lab-d-report-.*\.html$/);
    const html = readFileSync(written.html, 'utf8');
    expect(html).not.toMatch(/<script|<link /i);
    expect(readFileSync(written.markdown, 'utf8')).toContain('```mermaid');
    const report = await context.newPage();
    await report.goto(pathToFileURL(written.html).href);
    await expect(report.getByRole('heading', { level: 1 })).toHaveText('Lab D · LOMS: lab report');
    await expect(report.getByRole('img', { name: 'Lab D · LOMS: containers' })).toBeVisible();
    await expect(report.getByRole('heading', { name: 'Checks' })).toBeVisible();
    await expect(report.getByText(/The console followed \d+ orders/)).toBeVisible();
    // the report's first page, as a reader opens it
    await report.setViewportSize({ width: 1200, height: 1100 });
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await report.screenshot({ path: path.join(SCREENSHOT_DIR, 'system-report.png') });
    await report.close();
  });
});
