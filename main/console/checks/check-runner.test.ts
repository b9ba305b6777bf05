import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../services/shared/logger.js';
import type { CheckResult } from '../contract/console-api.js';
import { createLabD } from '../labs/lab-d/index.js';
import type { Check, CheckContext, LabModule } from '../labs/types.js';
import { createCheckRunner } from './check-runner.js';

/** Lab D's manifest with three checks of its own: one passes, one throws, one never ends */
function labWith(checks: Check[]): LabModule {
  const base = createLabD({});
  return {
    ...base,
    manifest: {
      ...base.manifest,
      checks: checks.map((c) => ({ id: c.id, title: c.id, invariant: `the ${c.id} invariant`, active: false })),
    },
    checks,
  };
}

function runner(lab: LabModule, results: CheckResult[], progress: string[] = []) {
  return createCheckRunner({
    lab: () => lab,
    logger: createMemoryLogger().logger,
    context: (extra) => ({ ...extra }) as unknown as CheckContext,
    onProgress: (_run, check, message) => progress.push(`${check}: ${message}`),
    onResult: (r) => results.push(r),
  });
}

const pass: Check = {
  id: 'passes',
  run: (ctx) => {
    ctx.progress('reading records', 0.5);
    return Promise.resolve({
      status: 'PASS',
      summary: 'all good',
      counts: { checked: 3 },
      evidence: Array.from({ length: 80 }, (_, i) => ({ source: 'record' as const, ref: `t p0@${i}`, detail: 'ok' })),
    });
  },
};
const throws: Check = { id: 'throws', run: () => Promise.reject(new Error('the broker said no')) };
const hangs: Check = {
  id: 'hangs',
  timeoutMs: 50,
  run: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
};

describe('check runner', () => {
  it('runs every check in order, keeps the last result, bounds the evidence, and lives on after a throw and a timeout', async () => {
    const results: CheckResult[] = [];
    const progress: string[] = [];
    const r = runner(labWith([pass, throws, hangs]), results, progress);
    const run = r.run();
    expect(run.checks).toEqual(['passes', 'throws', 'hangs']);
    expect(r.list().find((c) => c.id === 'passes')?.running).toBe(true);
    const out = await run.done;
    expect(out.map((x) => x.status)).toEqual(['PASS', 'ERROR', 'ERROR']);
    expect(out[0]!.evidence).toHaveLength(50);
    expect(out[0]!.counts).toEqual({ checked: 3 });
    expect(out[1]!.summary).toContain('the broker said no');
    expect(out[2]!.summary).toMatch(/TIMEOUT/);
    expect(results).toHaveLength(3);
    expect(progress).toContain('passes: reading records');
    expect(r.result('throws')?.status).toBe('ERROR');
    expect(r.list().every((c) => !c.running && c.last !== null)).toBe(true);
    // the runner lives on
    expect((await r.run(['passes']).done)[0]!.status).toBe('PASS');
  });

  it('refuses a second run while one runs (ALREADY_RUNNING) and an undeclared check (INVALID_INPUT)', async () => {
    const r = runner(labWith([pass, hangs]), []);
    const first = r.run(['hangs']);
    expect(() => r.run(['passes'])).toThrow(expect.objectContaining({ code: 'ALREADY_RUNNING' }) as Error);
    await first.done;
    expect(() => r.run(['nope'])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }) as Error);
  });

  it('stop() aborts the running check', async () => {
    const r = runner(labWith([{ ...hangs, timeoutMs: 60_000 }]), []);
    const run = r.run();
    await r.stop();
    const [result] = await run.done;
    expect(result?.status).toBe('ERROR');
  });
});
