// The benchmark contract: each part (bench/lab-d-*.ts, the console's own) is a BenchSuite; bench/run.ts brings the
// stack up once, runs the suites, prints one table and writes bench/results/<suite>.json.
import type { StackEndpoints } from '../main/console/stack/types.js';

export interface BenchContext {
  endpoints: StackEndpoints;
  /** progress lines (stderr) */
  log(line: string): void;
}

export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  /** e.g. "≥ 0.5" */
  goal?: string;
  pass?: boolean;
}

export interface BenchReport {
  suite: string;
  rows: BenchRow[];
  /** everything else worth keeping in the JSON file */
  details: Record<string, unknown>;
}

export interface BenchSuite {
  name: string;
  run(ctx: BenchContext): Promise<BenchReport>;
}
