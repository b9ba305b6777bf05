// Scale in the renderer (issue "the console on real clusters"): the real app in Chromium, fed by the synthetic console
// with a big cluster around the lab (1 000 topics × 10 partitions, 500 groups without members; the others refreshed in
// full every 10 s as the observer's full poll sends them, the lab's every second) while 1 000 events/s stream in. The
// user opens the other topics and groups, scrolls each table to the end and filters it. Goal: no long task over 50 ms.
//   npm run bench -- scale-renderer
import type { Page } from '@playwright/test';
import { withBenchPage, type LongTask } from '../renderer-longtasks.js';
import type { BenchReport, BenchSuite } from '../types.js';

const TOPICS = 1000;
const PARTITIONS = 10;
const GROUPS = 500;
const ENTITIES = 10_000;
const EVENTS_PER_SEC = 1000;

const longTasks = (page: Page) => page.evaluate<LongTask[]>('window.__bench.longTasks()');

/** Scrolls a FilterTable to its end in screenful steps, then filters it and clears the filter, as a user would. */
async function workTable(page: Page, testId: string, filter: string): Promise<void> {
  const table = page.getByTestId(testId);
  const scroll = table.locator('.vlist-scroll');
  for (let step = 0; step < 40; step++) {
    // the page's own code (a string: this file is compiled without the DOM's types)
    const atEnd = await scroll.evaluate<boolean, undefined>(
      '(el) => { el.scrollTop += el.clientHeight; return el.scrollTop + el.clientHeight >= el.scrollHeight - 1; }',
    );
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(resolve))');
    if (atEnd) break;
  }
  const box = table.getByTestId(`${testId}-filter`);
  await box.pressSequentially(filter, { delay: 60 });
  await table.getByTestId(`${testId}-count`).filter({ hasText: ' of ' }).waitFor();
  await box.fill('');
  await table.getByTestId(`${testId}-row`).first().click();
}

export function runScaleRendererBench(log: (line: string) => void): Promise<BenchReport> {
  return withBenchPage(
    `entities=${ENTITIES}&cluster=${TOPICS}x${PARTITIONS}x${GROUPS}`,
    log,
    async ({ page, chromium }) => {
      await page.evaluate(`window.__bench.start(${EVENTS_PER_SEC})`);
      const perStep: Record<string, number> = {};
      const step = async (name: string, work: () => Promise<void>) => {
        const before = (await longTasks(page)).length;
        const t0 = Date.now();
        await work();
        perStep[name] = (await longTasks(page)).length - before;
        log(`scale-renderer: ${name} in ${Date.now() - t0} ms, ${perStep[name]} long tasks`);
      };
      await step('open Topics', async () => {
        await page.getByRole('tab', { name: /^Topics/ }).click();
        await page.getByTestId('other-topics').locator('summary').click();
        await page.getByTestId('other-topics-table-row').first().waitFor();
      });
      await step('scroll and filter the topics', () => workTable(page, 'other-topics-table', 'scale-t09'));
      await step('open Consumer groups', async () => {
        await page.getByRole('tab', { name: /^Consumer groups/ }).click();
        await page.getByTestId('other-groups').locator('summary').click();
        await page.getByTestId('other-groups-table-row').first().waitFor();
      });
      await step('scroll and filter the groups', () => workTable(page, 'other-groups-table', 'scale-g4'));
      // a full refresh of the cluster's 10 000 partitions and 500 groups arrives while the user reads
      await step('read through two full refreshes', () => page.waitForTimeout(21_000));
      await page.evaluate('window.__bench.stop()');
      const tasks = await longTasks(page);
      const longest = tasks.reduce((m, t) => Math.max(m, t.duration), 0);
      return {
        suite: 'scale-renderer',
        rows: [
          {
            metric: `long tasks over 50 ms, ${TOPICS * PARTITIONS} partitions + ${GROUPS} groups, tables scrolled and filtered`,
            value: tasks.length,
            unit: 'tasks',
            goal: '0',
            pass: tasks.length === 0,
          },
          { metric: 'longest long task', value: longest, unit: 'ms', goal: '≤ 50 (0 = none)', pass: longest <= 50 },
        ],
        details: { chromium, topics: TOPICS, partitions: PARTITIONS, groups: GROUPS, perStep, tasks },
      };
    },
  );
}

const scaleRenderer: BenchSuite = {
  name: 'scale-renderer',
  run: (ctx) => runScaleRendererBench((line) => ctx.log(line)),
};

export default scaleRenderer;
