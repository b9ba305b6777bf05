// `npm run bench`: brings up what the benchmarks need, runs each suite, prints one table and writes
// bench/results/<suite>.json. Endpoints: KAFKA_BROKERS and DATABASE_URL when both are set, else the stack provider
// chooser (EVENTSCOPE_STACK, docker, local) like the integration tests. `npm run bench -- lab-d` runs one suite.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chooseProvider } from '../main/console/stack/choose.js';
import { LocalStackProvider } from '../main/console/stack/local/provider.js';
import type { StackEndpoints, StackProvider } from '../main/console/stack/types.js';
import type { BenchReport, BenchSuite } from './types.js';
import { labD } from './lab-d.js';
import { consoleBench } from './console-ingest.js';
import { renderer } from './renderer-longtasks.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
/** a lab's suite is a file of its own, `bench/suites/<name>.ts`, whose default export is the BenchSuite */
const SUITES_DIR = path.join(BENCH_DIR, 'suites');

async function allSuites(): Promise<BenchSuite[]> {
  const files = readdirSync(SUITES_DIR, { withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith('.ts'))
    .map((f) => f.name)
    .sort();
  const labs = await Promise.all(
    files.map(async (name) => {
      const mod = (await import(pathToFileURL(path.join(SUITES_DIR, name)).href)) as { default?: BenchSuite };
      if (mod.default === undefined || typeof mod.default.run !== 'function')
        throw new Error(`bench/suites/${name}: its default export must be a BenchSuite ({ name, run })`);
      return mod.default;
    }),
  );
  return [labD, ...labs, consoleBench, renderer];
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

async function stackEndpoints(): Promise<{ endpoints: StackEndpoints; release: () => Promise<void> }> {
  const brokers = process.env.KAFKA_BROKERS;
  const databaseUrl = process.env.DATABASE_URL;
  if (brokers && databaseUrl) {
    log('endpoints from KAFKA_BROKERS and DATABASE_URL');
    return {
      endpoints: {
        kafka: { brokers: brokers.split(',').map((b) => b.trim()) },
        postgres: { url: databaseUrl },
        rabbitmq: { url: '' },
        mongodb: { url: '' },
        redis: { url: '' },
      },
      release: () => Promise.resolve(),
    };
  }
  const { provider, reason } = await chooseProvider({ local: { owner: 'tests' } });
  log(`stack provider: ${provider.kind} (${reason})`);
  const up = await provider.up();
  return { endpoints: up.endpoints, release: () => releaseProvider(provider) };
}

async function releaseProvider(provider: StackProvider): Promise<void> {
  if (process.env.EVENTSCOPE_KEEP_STACK === '1') return;
  if (provider instanceof LocalStackProvider) await provider.release();
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}

function printTable(reports: BenchReport[]): void {
  const rows = reports.flatMap((r) =>
    r.rows.map((row) => [
      r.suite,
      row.metric,
      fmt(row.value),
      row.unit,
      row.goal ?? '',
      row.pass === undefined ? '' : row.pass ? 'ok' : 'MISSED',
    ]),
  );
  const header = ['suite', 'metric', 'value', 'unit', 'goal', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 2 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ');
  process.stdout.write(
    `${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`,
  );
}

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const known = await allSuites();
  const suites = only.length > 0 ? known.filter((s) => only.includes(s.name)) : known;
  if (suites.length === 0)
    throw new Error(`no suite named ${only.join(', ')} (have: ${known.map((s) => s.name).join(', ')})`);
  const { endpoints, release } = await stackEndpoints();
  const reports: BenchReport[] = [];
  try {
    mkdirSync(RESULTS_DIR, { recursive: true });
    for (const suite of suites) {
      const report = await suite.run({ endpoints, log });
      reports.push(report);
      const file = path.join(RESULTS_DIR, `${suite.name}.json`);
      writeFileSync(
        file,
        `${JSON.stringify({ suite: suite.name, at: new Date().toISOString(), rows: report.rows, details: report.details }, null, 2)}\n`,
      );
      log(`wrote ${path.relative(process.cwd(), file)}`);
    }
  } finally {
    await release();
  }
  printTable(reports);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
