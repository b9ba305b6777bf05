// Real clusters in the browser: a SASL_SSL broker of this spec's own (tests/integration/support/sasl-ssl-kafka.ts:
// its own KRaft process, CA and certificate made with openssl, a SCRAM user; ports below 20000, killed by PID), reached
// through the Connect dialog: a wrong password fails the Test naming the mechanism, the right one passes every step,
// Save (the password comes back as "saved", never as text), Connect, then the Topics view's browser finds a record by
// a filter, produces one and finds it, and the Consumer groups view draws a lagging group's lag history.
// Screenshots: test-results/screenshots/connect-{test,connected,browser,lag-chart}.png.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { Kafka, logLevel } from 'kafkajs';
import { startSaslSslKafka, type SaslSslKafka } from '../integration/support/sasl-ssl-kafka';
import { ConsoleApp } from './pages/console-app';
import { TopicsPage } from './pages/topics-page';

const url = () => {
  const u = process.env.EVENTSCOPE_E2E_URL;
  if (u === undefined || u === '')
    throw new Error('EVENTSCOPE_E2E_URL is not set: the global setup did not start web mode');
  return u;
};

const suffix = `${Date.now().toString(36)}-${process.pid}`;
const topic = `e2e-sasl-${suffix}`;
const profile = `e2e-sasl-${suffix}`;
/** a group without members whose committed offsets leave one record per partition unread (2 of the first 6) */
const group = `e2e-sasl-group-${suffix}`;
let broker: SaslSslKafka | undefined;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  broker = await startSaslSslKafka({ from: 18_100, to: 18_900 });
  const kafka = new Kafka({
    clientId: 'e2e-sasl',
    brokers: [broker.broker],
    ssl: { ca: [readFileSync(broker.caFile, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', ...broker.users.scram },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: 6 }, (_, i) => ({
      key: `order-${i}`,
      value: JSON.stringify({ id: i, status: i === 4 ? 'cancelled' : 'paid' }),
    })),
  });
  await producer.disconnect();
  const setter = kafka.admin();
  await setter.connect();
  const ends = await setter.fetchTopicOffsets(topic);
  await setter.setOffsets({
    groupId: group,
    topic,
    partitions: ends.map((o) => ({ partition: o.partition, offset: String(Math.max(0, Number(o.high) - 1)) })),
  });
  await setter.disconnect();
});

test.afterAll(async () => {
  await broker?.stop();
});

test('Connect to a SASL_SSL cluster through the dialog, browse it with a filter, produce and find', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const b = broker!;
  const app = new ConsoleApp(page);
  await app.open(url());
  await app.show('Stack');
  const panel = page.getByTestId('connect-panel');
  await panel.getByRole('button', { name: 'Connect…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Connect to a cluster' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Profile name', { exact: true }).fill(profile);
  await dialog.getByLabel('Bootstrap brokers', { exact: true }).fill(b.broker);
  await dialog.getByLabel('SASL', { exact: true }).selectOption('SCRAM-SHA-512');
  await dialog.getByLabel('User name', { exact: true }).fill(b.users.scram.username);
  await dialog.getByLabel('Password', { exact: true }).fill('not-the-password');
  await dialog.getByLabel('TLS', { exact: true }).check();
  await dialog.getByLabel('CA file (PEM)', { exact: true }).fill(b.caFile);

  await test.step('Test: a wrong password names the mechanism; the right one passes every step', async () => {
    await dialog.getByRole('button', { name: 'Test', exact: true }).click();
    const row = dialog.getByTestId('connect-result-kafka');
    // the results table or the request's error, whichever comes: an error is printed, so a red run says why
    await expect(row.or(dialog.getByTestId('connect-error'))).toBeVisible({ timeout: 60_000 });
    const error = dialog.getByTestId('connect-error');
    if ((await error.count()) > 0) console.log(`[connect] Test answered an error: ${await error.textContent()}`);
    await expect(error).toHaveCount(0);
    await expect(row).toContainText('authentication failed (SCRAM-SHA-512 as alice)');
    await dialog.getByLabel('Password', { exact: true }).fill(b.users.scram.password);
    await dialog.getByRole('button', { name: 'Test', exact: true }).click();
    await expect(row.locator('td.ok')).toHaveCount(3, { timeout: 30_000 });
    await expect(row).toContainText('SASL SCRAM-SHA-512 as alice');
    await app.screenshot('connect-test');
  });

  await test.step('Save and Connect: the password is write-only; the console observes the cluster', async () => {
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    const saved = panel.getByTestId(`profile-${profile}`);
    await expect(saved).toBeVisible();
    await saved.getByRole('button', { name: 'Edit' }).click();
    await expect(dialog.getByTestId('secret-kafka.sasl.password')).toHaveText(/saved/);
    await expect(dialog.getByLabel('Password', { exact: true })).toHaveValue('');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await saved.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect(saved).toContainText('connected', { timeout: 30_000 });
    await expect(page.getByTestId('stack-panel')).toContainText(b.broker, { timeout: 30_000 });
    await app.screenshot('connect-connected');
  });

  await test.step('the Topics view browses the cluster with a filter, produces a record and finds it', async () => {
    await app.show('Topics & partitions');
    const topics = new TopicsPage(page);
    await expect(topics.browser.getByRole('form', { name: 'Search a topic' }).getByLabel('Topic')).toContainText(
      topic,
      {
        timeout: 30_000,
      },
    );
    const { found } = await topics.searchText(topic, 'cancelled');
    expect(found).toBe(1);
    const landed = await topics.produceAgain('e2e-sasl-new', '{"status":"from the e2e"}');
    expect(landed).toMatch(/produced to /);
    await expect(topics.browser.getByTestId('browse-record').first()).toContainText('e2e-sasl-new', {
      timeout: 30_000,
    });
    await topics.browser.scrollIntoViewIfNeeded();
    await app.screenshot('connect-browser');
  });

  await test.step("the Consumer groups view draws the lagging group's lag history", async () => {
    await app.show('Consumer groups');
    const others = page.getByTestId('other-groups');
    await others.locator('summary').click();
    await others.getByTestId('other-groups-table-filter').fill(group);
    await others.getByTestId('other-groups-table-row').filter({ hasText: group }).click();
    const chart = page.getByTestId(`lag-chart-${group}`);
    await expect(chart).toBeVisible({ timeout: 30_000 });
    // 2 records unread when the group was made, and the record this spec produced above
    await expect(page.getByTestId(`group-${group}`).getByTestId('group-total-lag')).toHaveText('3');
    // one sample per poll (1 s): a line, not a point
    await expect
      .poll(async () => Number(await chart.getAttribute('data-samples')), { timeout: 30_000 })
      .toBeGreaterThan(2);
    await chart.scrollIntoViewIfNeeded();
    await app.screenshot('connect-lag-chart');
  });

  await test.step('back to the local stack; the profile deleted', async () => {
    await app.show('Stack');
    await panel.getByRole('button', { name: 'Back to the local stack' }).click();
    const saved = panel.getByTestId(`profile-${profile}`);
    await expect(saved).not.toContainText('connected', { timeout: 30_000 });
    await saved.getByRole('button', { name: 'Delete' }).click();
    await expect(saved).toHaveCount(0);
  });
});
