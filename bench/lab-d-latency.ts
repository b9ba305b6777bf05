// End-to-end latency at steady rates: POST /order/create at each rate of BENCH_E2E_RATES (orders/s, default 200 and
// 1 000) for BENCH_E2E_SECONDS (default 30) each, after 2 s of warm-up at that rate (open loop: each request is sent at
// its scheduled time, whatever the previous ones do), measured from the HTTP 200 of the create to the notifier's log
// line for `awaiting payment`. loms and three notifiers run as child processes, as the console runs them; the same
// ones serve every rate.
import { Agent, request } from 'node:http';
import { Kafka, logLevel } from 'kafkajs';
import type { BenchContext } from './types.js';
import { Child, createDatabase, freePort, percentile, uniqueSuffix, waitUntil } from './lab-d-support.js';

/** the rates measured, orders/s (BENCH_E2E_RATES: a comma-separated list) */
export const E2E_RATES = (process.env.BENCH_E2E_RATES ?? '200,1000').split(',').map((r) => {
  const rate = Number(r.trim());
  if (!Number.isInteger(rate) || rate <= 0 || rate > 10_000)
    throw new Error(`BENCH_E2E_RATES: ${JSON.stringify(r)} is not a rate in orders/s (1 to 10 000)`);
  return rate;
});
export const DURATION_SEC = Number(process.env.BENCH_E2E_SECONDS ?? 30);

export interface LatencyFigures {
  ratePerSec: number;
  durationSec: number;
  orders: number;
  failedRequests: number;
  missing: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  httpP50Ms: number;
  httpP99Ms: number;
  /** the notifier's own latency_ms (from the event's moment, the DB commit) */
  commitToLogP50Ms: number;
  commitToLogP99Ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(port: number, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

export async function benchLatency(ctx: BenchContext, rates: number[] = E2E_RATES): Promise<LatencyFigures[]> {
  const suffix = uniqueSuffix().replace('_', '-');
  const topic = `bench-lab-d-e2e-${suffix}`;
  const groupId = `bench-lab-d-e2e-${suffix}`;
  const brokers = ctx.endpoints.kafka.brokers.join(',');
  const db = await createDatabase(ctx.endpoints.postgres.url, 'bench_lab_d_e2e');
  const port = await freePort();
  const loggedAt = new Map<number, { at: number; latency: number }>();
  const joined = new Set<string>();
  const children: Child[] = [];
  try {
    const loms = new Child('lab-d/loms', {
      PORT: String(port),
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers,
      LOMS_TOPIC: topic,
    });
    children.push(loms);
    await waitUntil(
      async () => {
        try {
          return (
            (await post(port, '/order/create', '{"userId":"1","items":[{"sku":"139275865","count":1}]}')).status === 200
          );
        } catch {
          return false;
        }
      },
      60_000,
      'loms answering',
      200,
    );
    for (const i of [1, 2, 3]) {
      children.push(
        new Child(
          'lab-d/notifier',
          {
            KAFKA_BROKERS: brokers,
            NOTIFIER_GROUP_ID: groupId,
            NOTIFIER_TOPIC: topic,
            NOTIFIER_INSTANCE: `bench-${i}`,
          },
          (line) => {
            if (line.type === 'event' && line.status === 'awaiting payment' && !loggedAt.has(line.order_id)) {
              loggedAt.set(line.order_id, { at: Date.parse(line.ts), latency: line.latency_ms });
            }
            if (line.type === 'lifecycle' && line.state === 'joined' && Object.keys(line.assignment ?? {}).length > 0)
              joined.add(line.instance);
          },
        ),
      );
    }
    await waitUntil(() => joined.size >= 2 && loggedAt.size >= 1, 60_000, 'notifiers joined and consuming', 100);

    const run = async (
      rate: number,
      count: number,
      record: boolean,
    ): Promise<{ ok: Map<number, number>; http: number[]; failed: number }> => {
      const ok = new Map<number, number>();
      const http: number[] = [];
      let failed = 0;
      const start = performance.now();
      const wallStart = Date.now();
      const inflight: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        inflight.push(
          (async () => {
            const sent = performance.now();
            try {
              const res = await post(
                port,
                '/order/create',
                `{"userId":"${1000 + (i % 50)}","items":[{"sku":"139275865","count":1}]}`,
              );
              const doneAt = wallStart + (performance.now() - start);
              if (res.status !== 200) {
                failed++;
                return;
              }
              http.push(performance.now() - sent);
              ok.set(Number((JSON.parse(res.text) as { orderId: string }).orderId), doneAt);
            } catch {
              failed++;
            }
          })(),
        );
      }
      await Promise.all(inflight);
      if (record)
        ctx.log(
          `e2e ${rate}/s: ${count} creates sent in ${((performance.now() - start) / 1000).toFixed(1)} s, ${failed} failed`,
        );
      return { ok, http, failed };
    };
    const figures: LatencyFigures[] = [];
    for (const rate of rates) {
      // warm-up: 2 s at the rate, not measured
      const warm = await run(rate, rate * 2, false);
      await waitUntil(() => [...warm.ok.keys()].every((id) => loggedAt.has(id)), 30_000, 'warm-up events logged', 50);

      const measured = await run(rate, rate * DURATION_SEC, true);
      const ids = [...measured.ok.keys()];
      await waitUntil(
        () => ids.every((id) => loggedAt.has(id)),
        60_000,
        'every measured order logged as awaiting payment',
        50,
      ).catch((err: unknown) => ctx.log(`e2e: ${(err as Error).message}`));
      const latencies: number[] = [];
      const commitToLog: number[] = [];
      let missing = 0;
      for (const [id, okAt] of measured.ok) {
        const logged = loggedAt.get(id);
        if (!logged) {
          missing++;
          continue;
        }
        latencies.push(logged.at - okAt);
        commitToLog.push(logged.latency);
      }
      latencies.sort((a, b) => a - b);
      commitToLog.sort((a, b) => a - b);
      const http = measured.http.sort((a, b) => a - b);
      figures.push({
        ratePerSec: rate,
        durationSec: DURATION_SEC,
        orders: measured.ok.size,
        failedRequests: measured.failed,
        missing,
        p50Ms: percentile(latencies, 50),
        p95Ms: percentile(latencies, 95),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies[latencies.length - 1] ?? Number.NaN,
        httpP50Ms: percentile(http, 50),
        httpP99Ms: percentile(http, 99),
        commitToLogP50Ms: percentile(commitToLog, 50),
        commitToLogP99Ms: percentile(commitToLog, 99),
      });
    }
    return figures;
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    agent.destroy();
    await db.drop().catch(() => undefined);
    const admin = new Kafka({
      clientId: 'bench-e2e',
      brokers: ctx.endpoints.kafka.brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin
      .connect()
      .then(() => admin.deleteTopics({ topics: [topic] }))
      .catch(() => undefined)
      .finally(() => void admin.disconnect());
  }
}
