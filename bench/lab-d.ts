// Lab D's benchmark suite: relay throughput vs a bare producer, and end-to-end latency at 200 and 1 000 orders/s
// (BENCH_E2E_RATES).
import { cpus } from 'node:os';
import type { BenchContext, BenchReport, BenchSuite } from './types.js';
import { benchLatency } from './lab-d-latency.js';
import { benchRelay } from './lab-d-relay.js';

export const labD: BenchSuite = {
  name: 'lab-d',
  async run(ctx: BenchContext): Promise<BenchReport> {
    ctx.log('lab-d: relay throughput');
    const relay = await benchRelay(ctx);
    ctx.log('lab-d: end-to-end latency');
    const e2e = await benchLatency(ctx);
    return {
      suite: 'lab-d',
      rows: [
        {
          metric: `relay: ${relay.events} events drained (median of ${relay.rounds})`,
          value: relay.relayEventsPerSec,
          unit: 'events/s',
        },
        {
          metric: `bare kafkajs producer, batches of ${relay.batchSize}`,
          value: relay.bareEventsPerSec,
          unit: 'events/s',
        },
        {
          metric: `relay / bare producer, median of per-round ratios (spread ${relay.ratioMin.toFixed(2)}–${relay.ratioMax.toFixed(2)})`,
          value: relay.ratio,
          unit: 'ratio',
          goal: '≥ 0.8',
          pass: relay.ratio >= 0.8,
        },
        {
          metric: 'context: load average (1 min) after the relay rounds, on this many cores',
          value: relay.loadAverage[0] ?? Number.NaN,
          unit: `(${cpus().length} cores)`,
        },
        ...e2e.flatMap((f) => {
          // the goals: p99 < 100 ms at 200 orders/s (the lab's), < 25 ms at 1 000 orders/s (the performance push)
          const goal = f.ratePerSec === 1000 ? 25 : f.ratePerSec === 200 ? 100 : undefined;
          const at = `@${f.ratePerSec}/s × ${f.durationSec} s`;
          return [
            { metric: `e2e create 200 → notifier line, p50 ${at}`, value: f.p50Ms, unit: 'ms' },
            {
              metric: `e2e p99 ${at}`,
              value: f.p99Ms,
              unit: 'ms',
              ...(goal === undefined ? {} : { goal: `< ${goal}`, pass: f.p99Ms < goal }),
            },
            { metric: `e2e max ${at}`, value: f.maxMs, unit: 'ms' },
            { metric: `HTTP create p99 ${at}`, value: f.httpP99Ms, unit: 'ms' },
            {
              metric: `orders measured ${at} (failed requests, missing lines)`,
              value: f.orders,
              unit: `(${f.failedRequests}, ${f.missing})`,
              pass: f.failedRequests === 0 && f.missing === 0,
            },
          ];
        }),
      ],
      details: { relay, e2e },
    };
  },
};
