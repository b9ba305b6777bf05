// The Lab E walk-through in the browser against web mode and the real local stack, driven only from the UI: pick
// Lab E, start the stack and its five services, create tasks (the load), publish an event that fails its schema (a
// fault), read the Schemas panel (the registry, TaskCreated v1 against v2: breaking, and why; per topic what was
// validated and dead-lettered, with the errors), the Ledger panel (balances, the day's income; close the day: payouts,
// mails), and run every check: all PASS. Screenshots: test-results/screenshots/lab-e-{schemas,ledger,checks}.png.
import { expect, test } from '@playwright/test';
import { ChecksPage } from './pages/checks-page';
import { ConsoleApp } from './pages/console-app';
import { LabEPage } from './pages/lab-e-page';
import { StackPage } from './pages/stack-page';

const LAB_E_CHECK_COUNT = 8;

const url = () => {
  const u = process.env.EVENTSCOPE_E2E_URL;
  if (u === undefined || u === '')
    throw new Error('EVENTSCOPE_E2E_URL is not set: the global setup did not start web mode');
  return u;
};

test('Lab E from the UI: schemas and their versions, the ledger and the day close, every check PASSes', async ({
  page,
}) => {
  const app = new ConsoleApp(page);
  const stack = new StackPage(page);
  const labE = new LabEPage(page);
  const checks = new ChecksPage(page);
  const t0 = Date.now();
  const step = (msg: string) => console.log(`[lab-e ${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}`);

  await app.open(url());

  await test.step('pick Lab E: its services come from its manifest', async () => {
    await app.pickLab('Lab E · popug', 'tasks, accounting, versioned JSON-schema events');
    for (const i of ['gateway', 'auth', 'tasks', 'accounting', 'analytics'])
      await expect(page.getByTestId(`service-${i}`)).toBeVisible();
    await expect(labE.ledger.getByTestId('ledger-empty')).toContainText('Accounting is not running');
  });

  await test.step('start the stack and the services, create tasks, publish an event that fails its schema', async () => {
    await stack.startStack();
    step('stack healthy');
    await labE.startAllServices();
    step('services running');
    await labE.createUnits(12, 6);
    step('12 tasks created');
    const result = await labE.runFault('invalid-event');
    expect(result).toContain('accounting dead-letters it');
  });

  await test.step('Schemas: the registry, TaskCreated v1 against v2, and the counts per topic', async () => {
    await app.show('Topics & partitions');
    const schemas = labE.schemas;
    await schemas.scrollIntoViewIfNeeded();
    const registry = schemas.getByRole('table', { name: 'Schema registry' });
    for (const domain of ['accounts', 'tasks', 'accounting'])
      await expect(registry.locator('tr.schemas-domain', { hasText: domain })).toBeVisible();
    await expect(registry.getByTestId('schema-event-TaskCreated')).toContainText('v1 v2');
    await registry.getByRole('button', { name: 'TaskCreated' }).click();
    await expect(schemas.getByRole('combobox', { name: 'From version' })).toHaveValue('1');
    await expect(schemas.getByRole('combobox', { name: 'To version' })).toHaveValue('2');
    await expect(schemas.getByTestId('diff-verdict')).toHaveText('breaking');
    const changes = schemas.getByTestId('diff-changes');
    await expect(changes).toContainText('data.title: pattern');
    await expect(changes).toContainText('data.jira_id: optional field added');
    await expect(schemas.getByRole('table', { name: 'TaskCreated v1 and v2' })).toContainText('"jira_id"');
    // the load's events, validated by tasks and consumed; the fault's TaskAssigned dead-lettered by accounting
    const life = page.getByTestId('schema-stats-tasks-lifecycle');
    await expect.poll(() => labE.producedOn('tasks-lifecycle'), { timeout: 20_000 }).toBeGreaterThanOrEqual(24);
    await expect.poll(() => labE.producedOn('tasks-stream'), { timeout: 20_000 }).toBeGreaterThanOrEqual(12);
    await expect(life.getByRole('cell').nth(4)).toHaveText('1', { timeout: 20_000 });
    await expect(life.getByRole('cell').nth(5)).toHaveText('1', { timeout: 20_000 });
    const failures = schemas.getByTestId('schema-failures');
    await expect(failures).toContainText('dead-lettered (invalid)');
    await expect(failures).toContainText("data.assignee_public_id: must have required property 'assignee_public_id'");
    await labE.screenshot(schemas, 'lab-e-schemas');
    step('schemas read');
  });

  await test.step('Ledger: balances and audit logs, the day income, then close the day', async () => {
    await app.show('Stack');
    const ledger = labE.ledger;
    await ledger.scrollIntoViewIfNeeded();
    const workers = ledger.getByRole('table', { name: 'Workers' });
    await expect(workers.getByRole('row')).not.toHaveCount(1, { timeout: 20_000 });
    await expect(ledger.getByTestId('ledger-audit')).toContainText(/fee/);
    // every balance equals its ledger rows
    await expect(workers.getByText('≠ balance')).toHaveCount(0);
    const income = Number(await ledger.getByTestId('ledger-income').textContent());
    expect(Number.isInteger(income)).toBe(true);
    await ledger.getByRole('button', { name: 'Close the day' }).click();
    const closed = ledger.getByTestId('ledger-close-result');
    await expect(closed).toContainText(/Day \d{4}-\d{2}-\d{2} closed \(cycle #\d+; #\d+ is open now\)/, {
      timeout: 20_000,
    });
    await expect(closed).toContainText(/Payouts \([1-9]\d*\)/);
    await expect(closed.getByTestId('ledger-mails')).toContainText('Your popug payout for');
    // paid out: no worker has a positive balance left
    await expect
      .poll(async () => {
        const balances = await workers.locator('tbody tr td:nth-child(2)').allTextContents();
        return balances.filter((b) => Number(b) > 0).length;
      })
      .toBe(0);
    await labE.screenshot(ledger, 'lab-e-ledger');
    step('day closed');
  });

  await test.step('run all checks: every one PASSes', async () => {
    await app.show('Checks');
    const ids = await checks.declared();
    expect(ids).toHaveLength(LAB_E_CHECK_COUNT);
    const rows = await checks.runAll(ids, 240_000);
    step(`checks: ${rows.map((r) => `${r.id} ${r.status}`).join(', ')}`);
    for (const r of rows) expect(r, `${r.id}: ${r.summary}`).toMatchObject({ status: 'PASS' });
    await app.screenshot('lab-e-checks');
  });
});
