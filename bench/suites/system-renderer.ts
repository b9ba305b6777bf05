// The System view under load (issue "See it and tell it"): the real app in Chromium, fed by the synthetic console, the
// System view open on a graph of 50 nodes (instances, topics, groups, tables, queues) whose rates and backlogs change
// at every poll (1 s) while 1 000 events/s stream into the stores. Goal: no long task over 50 ms.
//   npm run bench -- system-renderer
import { withBenchPage, type LongTask } from '../renderer-longtasks.js';
import type { BenchReport, BenchSuite } from '../types.js';

const NODES = 50;
const EVENTS_PER_SEC = 1000;
const DWELL_MS = 20_000;

export function runSystemRendererBench(log: (line: string) => void): Promise<BenchReport> {
  return withBenchPage(`entities=10000&system=${NODES}`, log, async ({ page, chromium }) => {
    await page.getByRole('tab', { name: /^System/ }).click();
    // the first layout (elkjs) is part of opening the view, not of watching it
    await page.getByTestId('topo-node-queue:queue-9').waitFor({ timeout: 30_000 });
    const nodes = await page.locator('[data-testid^="topo-node-"]').count();
    await page.evaluate(`window.__bench.start(${EVENTS_PER_SEC})`);
    // the user watches the live graph while the stream goes on
    await page.waitForTimeout(DWELL_MS);
    const stats = await page.evaluate<{ delivered: number; elapsedMs: number }>('window.__bench.stop()');
    const tasks = await page.evaluate<LongTask[]>('window.__bench.longTasks()');
    const longest = tasks.reduce((m, t) => Math.max(m, t.duration), 0);
    const eventsPerSec = stats.delivered / (stats.elapsedMs / 1000);
    log(`system-renderer: ${nodes} nodes drawn, ${eventsPerSec.toFixed(0)} events/s, ${tasks.length} long tasks`);
    return {
      suite: 'system-renderer',
      rows: [
        { metric: 'System view nodes drawn', value: nodes, unit: 'nodes', goal: `${NODES}`, pass: nodes >= NODES },
        { metric: 'events streamed meanwhile', value: eventsPerSec, unit: 'events/s' },
        {
          metric: `long tasks over 50 ms in ${DWELL_MS / 1000} s`,
          value: tasks.length,
          unit: 'tasks',
          goal: '0',
          pass: tasks.length === 0,
        },
        { metric: 'longest long task', value: longest, unit: 'ms', goal: '≤ 50 (0 = none)', pass: longest <= 50 },
      ],
      details: { chromium, nodes, eventsPerSec, dwellMs: DWELL_MS, tasks },
    };
  });
}

const systemRenderer: BenchSuite = {
  name: 'system-renderer',
  run: (ctx) => runSystemRendererBench((line) => ctx.log(line)),
};

export default systemRenderer;
