// Lab D's unit of load: one order created over loms' HTTP API, then paid, cancelled or left waiting; `failed` asks
// for a sku whose stock is fully reserved (loms answers 400, the order goes new → failed).
import type { LoadRun } from '../../load/load-generator.js';

/** skus with plenty of stock (course seed) and one whose stock is fully reserved */
const STOCKED = ['139275865', '1625903'];
const NO_STOCK = '139819069';

async function post(run: LoadRun, url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await run.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const json: unknown = await res.json().catch(() => undefined);
  return { status: res.status, json };
}

export async function orderUnit(baseUrl: string, outcome: string, run: LoadRun): Promise<string> {
  const failed = outcome === 'failed';
  const sku = failed ? NO_STOCK : STOCKED[Math.floor(run.random() * STOCKED.length)]!;
  const created = await post(run, `${baseUrl}/order/create`, {
    userId: String(1000 + Math.floor(run.random() * 50)),
    items: [{ sku, count: 1 }],
  });
  const orderId = (created.json as { orderId?: unknown } | undefined)?.orderId;
  if (failed) {
    if (created.status === 400) return 'failed';
    throw new Error(`create for a sku without stock answered ${created.status}`);
  }
  if (created.status !== 200 || typeof orderId !== 'string')
    throw new Error(`create answered ${created.status}: ${JSON.stringify(created.json)}`);
  if (outcome === 'pay' || outcome === 'cancel') {
    const r = await post(run, `${baseUrl}/order/${outcome}`, { orderId });
    if (r.status !== 200) throw new Error(`${outcome} answered ${r.status}: ${JSON.stringify(r.json)}`);
    return outcome;
  }
  return 'none';
}
