// Renderer bench: the real app and stores in Debian's Chromium, 100 000 orders in the timeline store, 1 000 events/s
// streaming in (a synthetic console: one tail record + one timeline update per event, batched every 50 ms like main
// does), the user switching between the views. Goal: no long task over 50 ms (PerformanceObserver 'longtask').
//
// As a suite of `npm run bench` (export `renderer`), or alone: `npx tsx bench/renderer-longtasks.ts` (writes
// bench/results/renderer.json). EVENTSCOPE_CHROMIUM overrides /usr/bin/chromium.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import react from '@vitejs/plugin-react';
import { build } from 'vite';
import type { BenchReport, BenchSuite } from './types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTITIES = 100_000;
const EVENTS_PER_SEC = 1000;
const VIEWS = ['Timeline', 'Topics & partitions', 'Consumer groups', 'Outbox', 'Stack'] as const;
const DWELL_MS = 4000;
const ROUNDS = 2;
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LongTask {
  start: number;
  duration: number;
}

export async function buildBenchPage(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: path.join(ROOT, 'renderer'),
    base: './',
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir, emptyOutDir: true, rollupOptions: { input: path.join(ROOT, 'renderer/bench/index.html') } },
  });
}

export function serve(dir: string, query = `entities=${ENTITIES}`): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.map': 'application/json',
  };
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = path.resolve(dir, `.${rel}`);
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/bench/index.html?${query}` });
    }),
  );
}

/** The bench page in Chromium, opened and ready (its stores preloaded), for `run`; everything closed after. */
export interface BenchPage {
  page: Page;
  /** the Chromium version */
  chromium: string;
  /** the page's uncaught errors so far (a bench fails on any) */
  errors: string[];
}

export async function withBenchPage<T>(
  query: string,
  log: (line: string) => void,
  run: (bench: BenchPage) => Promise<T>,
): Promise<T> {
  const outDir = await mkdtemp(path.join(tmpdir(), 'eventscope-renderer-bench-'));
  const t0 = Date.now();
  await buildBenchPage(outDir);
  log(`renderer bench page built in ${Date.now() - t0} ms`);
  const { server, url } = await serve(outDir, query);
  const browser = await chromium.launch({
    executablePath: process.env.EVENTSCOPE_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    const t1 = Date.now();
    const size = await page.evaluate<number>('window.__bench.ready');
    log(`${size} entities preloaded into the timeline store in ${Date.now() - t1} ms`);
    const result = await run({ page, chromium: browser.version(), errors });
    if (errors.length > 0) throw new Error(`the bench page failed: ${errors.join('; ')}`);
    return result;
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(outDir, { recursive: true, force: true });
  }
}

export function runRendererBench(log: (line: string) => void): Promise<BenchReport> {
  return withBenchPage(`entities=${ENTITIES}`, log, async ({ page, chromium: version }) => {
    await page.getByRole('tab', { name: /^Timeline/ }).click();
    await page.getByTestId('entities-recent').getByTestId('entity-row').first().waitFor();

    await page.evaluate(`window.__bench.start(${EVENTS_PER_SEC})`);
    const perView: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const view of VIEWS) {
        const before = (await page.evaluate<LongTask[]>('window.__bench.longTasks()')).length;
        await page.getByRole('tab', { name: new RegExp(`^${view.replace('&', '\\&')}`) }).click();
        // the user reads the view while the stream goes on
        await page.waitForTimeout(DWELL_MS);
        const after = (await page.evaluate<LongTask[]>('window.__bench.longTasks()')).length;
        perView[view] = (perView[view] ?? 0) + (after - before);
      }
    }
    const stats = await page.evaluate<{ delivered: number; elapsedMs: number; entities: number }>(
      'window.__bench.stop()',
    );
    const longTasks = await page.evaluate<LongTask[]>('window.__bench.longTasks()');

    const maxLongTask = longTasks.reduce((m, t) => Math.max(m, t.duration), 0);
    const eventsPerSec = stats.delivered / (stats.elapsedMs / 1000);
    log(
      `${stats.delivered} events in ${(stats.elapsedMs / 1000).toFixed(1)} s (${eventsPerSec.toFixed(0)}/s), ${stats.entities} orders in the store; ` +
        `long tasks > 50 ms: ${longTasks.length} (max ${maxLongTask} ms)`,
    );
    return {
      suite: 'renderer',
      rows: [
        {
          metric: 'entities in the timeline store',
          value: stats.entities,
          unit: 'orders',
          goal: '100 000',
          pass: stats.entities >= ENTITIES,
        },
        {
          metric: 'events streamed',
          value: eventsPerSec,
          unit: 'events/s',
          goal: '≥ 1000',
          pass: eventsPerSec >= EVENTS_PER_SEC * 0.95,
        },
        {
          metric: 'long tasks over 50 ms',
          value: longTasks.length,
          unit: 'tasks',
          goal: '0',
          pass: longTasks.length === 0,
        },
        {
          metric: 'longest long task',
          value: maxLongTask,
          unit: 'ms',
          goal: '≤ 50 (0 = none)',
          pass: maxLongTask <= 50,
        },
      ],
      details: {
        chromium: version,
        entities: stats.entities,
        eventsDelivered: stats.delivered,
        elapsedMs: stats.elapsedMs,
        eventsPerSec,
        batchMs: 50,
        views: VIEWS,
        dwellMsPerView: DWELL_MS,
        rounds: ROUNDS,
        longTasks,
        longTasksPerView: perView,
        note: 'synthetic console (renderer/bench/synthetic-feed.ts): measures the renderer, not the brokers',
      },
    };
  });
}

export const renderer: BenchSuite = { name: 'renderer', run: (ctx) => runRendererBench((line) => ctx.log(line)) };

// standalone: npx tsx bench/renderer-longtasks.ts
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const log = (line: string) => process.stderr.write(`[bench renderer] ${line}\n`);
  runRendererBench(log).then(
    (report) => {
      const dir = path.join(ROOT, 'bench', 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'renderer.json'),
        `${JSON.stringify({ suite: report.suite, at: new Date().toISOString(), rows: report.rows, details: report.details }, null, 2)}\n`,
      );
      for (const r of report.rows)
        process.stdout.write(
          `${r.metric.padEnd(32)} ${String(Math.round(r.value * 100) / 100).padStart(8)} ${r.unit.padEnd(9)} goal ${r.goal ?? ''} ${r.pass === false ? 'MISSED' : 'ok'}\n`,
        );
      process.exit(report.rows.every((r) => r.pass !== false) ? 0 : 1);
    },
    (err: unknown) => {
      process.stderr.write(
        `[bench renderer] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
