// Lab D's benchmark suite: relay throughput vs a bare producer, and end-to-end latency at 200 orders/s.
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
        {
          metric: `e2e create 200 → notifier line, p50 (${e2e.ratePerSec}/s × ${e2e.durationSec} s)`,
          value: e2e.p50Ms,
          unit: 'ms',
        },
        { metric: 'e2e p99', value: e2e.p99Ms, unit: 'ms', goal: '< 100', pass: e2e.p99Ms < 100 },
        { metric: 'e2e max', value: e2e.maxMs, unit: 'ms' },
        { metric: 'HTTP create p99', value: e2e.httpP99Ms, unit: 'ms' },
        {
          metric: 'orders measured (failed requests, missing lines)',
          value: e2e.orders,
          unit: `(${e2e.failedRequests}, ${e2e.missing})`,
          pass: e2e.failedRequests === 0 && e2e.missing === 0,
        },
      ],
      details: { relay, e2e },
    };
  },
};
