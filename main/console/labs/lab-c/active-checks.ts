// Lab C's active checks, invariants 4 and 5: they drive the running services over their HTTP API (accounts, top-ups,
// orders, the event stream), judge by the orders database and the streams' frames, and return PASS or FAIL with the
// first counterexamples.
//
//   no-loss-outage (4)  a funded user, payments' database link cut (the module's link proxy), orders created while it
//                       is down, payments seen trying them, the link restored: every one of those orders must end.
//   sse-streams (5)     one user per running orders replica, the user's stream held on that replica, two orders each
//                       created on another replica: each stream must get `created` and the final status of each of
//                       its user's orders, and nothing of another user's.
import type { Evidence } from '../../contract/console-api.js';
import type { LinkProxy } from '../../faults/link-proxy.js';
import { outcome, plural, query, until } from '../../checks/kit.js';
import type { Check, CheckContext, CheckOutcome } from '../types.js';
import { readSse, type SseEvent } from '../../../../services/shared/sse-client.js';

const FINAL = ['paid', 'payment_failed', 'completed', 'cancelled'];

/** an instance's base URL (undefined: not one that serves HTTP) */
export type UrlOf = (instance: string) => string | undefined;

/** the running instances of a kind with their base URLs, in instance order */
export function runningOf(
  ctx: Pick<CheckContext, 'services'>,
  urlOf: UrlOf,
  kind: string,
): { instance: string; url: string }[] {
  return ctx.services
    .list()
    .filter((i) => i.kind === kind && i.state === 'running' && urlOf(i.instance) !== undefined)
    .sort((a, b) => a.instance.localeCompare(b.instance))
    .map((i) => ({ instance: i.instance, url: urlOf(i.instance)! }));
}

/** a JSON call to a Lab C service; a non-2xx answer throws with its body */
export async function labCHttp<T>(method: string, url: string, body?: unknown, timeoutMs = 15_000): Promise<T> {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`${method} ${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

/** a new account of a new user on payments at `url`, topped up with `amount` */
export async function fundedUser(url: string, amount: number): Promise<string> {
  const a = await labCHttp<{ user_id: string }>('POST', `${url}/payments-api/accounts`);
  if (amount > 0) await labCHttp('POST', `${url}/payments-api/accounts/${a.user_id}/topup`, { amount });
  return a.user_id;
}

interface OrderSeen {
  id: string;
  userID: string;
  status: string;
}

/** the orders' statuses in the orders database */
async function statusesOf(url: string, ids: string[]): Promise<Map<string, string>> {
  const rows = await query<{ id: string; status: string }>(
    url,
    'SELECT id::text AS id, status FROM orders WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.status]));
}

export interface ActiveCheckDeps {
  ordersDatabaseUrl: (ctx: CheckContext) => string;
  /** payments' database link when payments was started through it (undefined: started on the direct URL) */
  paymentsLink: () => LinkProxy | undefined;
  /** an order may be open this long (the funds window and a grace) */
  openForMs: number;
  urlOf: UrlOf;
}

export function outageCheck(deps: ActiveCheckDeps, orders = 3): Check {
  return {
    id: 'no-loss-outage',
    timeoutMs: deps.openForMs + 90_000,
    async run(ctx): Promise<CheckOutcome> {
      const ordersUp = runningOf(ctx, deps.urlOf, 'orders');
      const paymentsUp = runningOf(ctx, deps.urlOf, 'payments');
      if (ordersUp.length === 0 || paymentsUp.length === 0)
        return outcome('SKIP', 'start orders and payments first', {}, []);
      const link = deps.paymentsLink();
      if (link === undefined)
        return outcome(
          'SKIP',
          "payments was not started through the console's database link: start it from the console to cut its link",
          {},
          [],
        );
      const db = deps.ordersDatabaseUrl(ctx);
      const user = await fundedUser(paymentsUp[0]!.url, orders * 1000);
      ctx.progress("cutting payments' database link", 0.1);
      const cutAt = Date.now();
      link.cut();
      const ids: string[] = [];
      let tried = 0;
      let downMs = 0;
      try {
        for (let n = 0; n < orders; n++) {
          const o = await labCHttp<OrderSeen>('POST', `${ordersUp[n % ordersUp.length]!.url}/orders-api/orders`, {
            user_id: user,
          });
          ids.push(o.id);
        }
        ctx.progress(`${plural(orders, 'order')} accepted; waiting for payments to try them`, 0.3);
        // payments saw each event (its record reached a member and the member could not store it): a line names it
        const events = await query<{ order_id: string; event_id: string }>(
          db,
          'SELECT aggregate_id::text AS order_id, event_id::text AS event_id FROM orders_outbox WHERE aggregate_id = ANY($1::uuid[])',
          [ids],
        );
        await until(
          ctx,
          () => {
            const text = paymentsUp
              .flatMap((p) => ctx.services.logs(p.instance))
              .filter((l) => l.at >= cutAt)
              .map((l) => l.text)
              .join('\n');
            tried = events.filter((e) => text.includes(e.event_id) || text.includes(e.order_id)).length;
            return tried === ids.length ? true : undefined;
          },
          20_000,
          200,
        );
      } finally {
        link.restore();
        downMs = Date.now() - cutAt;
      }
      ctx.progress("payments' database link restored; waiting for the orders to end", 0.6);
      const restoredAt = Date.now();
      let statuses = new Map<string, string>();
      await until(
        ctx,
        async () => {
          statuses = await statusesOf(db, ids);
          return ids.every((id) => FINAL.includes(statuses.get(id) ?? '')) ? true : undefined;
        },
        deps.openForMs + 30_000,
        300,
      );
      const open = ids.filter((id) => !FINAL.includes(statuses.get(id) ?? ''));
      const counts = { orders: ids.length, tried, open: open.length, downMs };
      if (open.length === 0)
        return outcome(
          'PASS',
          `${plural(ids.length, 'order')} accepted while payments' database was down (${(downMs / 1000).toFixed(1)} s) all ended after it: ${ids.map((id) => statuses.get(id)).join(', ')}`,
          counts,
          [],
        );
      const evidence: Evidence[] = open.map((id) => {
        const given = paymentsUp
          .flatMap((p) => ctx.services.logs(p.instance).map((l) => ({ ...l, instance: p.instance })))
          .find((l) => l.at >= cutAt && l.text.includes(id) && l.text.includes('"outcome":"error"'));
        return {
          source: 'row',
          ref: `orders ${id}`,
          detail: `accepted during payments' database outage, still ${statuses.get(id) ?? 'missing'} ${((Date.now() - restoredAt) / 1000).toFixed(1)} s after the link came back${given ? `; ${given.instance} gave its event up: ${given.text.slice(0, 200)}` : ''}`,
          entity: id,
        };
      });
      return outcome(
        'FAIL',
        `${open.length} of ${plural(ids.length, 'order')} accepted during payments' database outage never ended`,
        counts,
        evidence,
      );
    },
  };
}

/** an SSE stream read in the background: its events as they come */
async function openStream(url: string, signal: AbortSignal): Promise<{ status: number; frames: SseEvent[] }> {
  const res = await fetch(url, { signal, headers: { accept: 'text/event-stream' } });
  const frames: SseEvent[] = [];
  if (res.ok && res.body !== null) void readSse(res.body, { event: (e) => frames.push(e) });
  return { status: res.status, frames };
}

export function sseCheck(deps: ActiveCheckDeps, perUser = 2): Check {
  return {
    id: 'sse-streams',
    timeoutMs: deps.openForMs + 90_000,
    async run(ctx): Promise<CheckOutcome> {
      const ordersUp = runningOf(ctx, deps.urlOf, 'orders');
      const paymentsUp = runningOf(ctx, deps.urlOf, 'payments');
      if (ordersUp.length === 0 || paymentsUp.length === 0)
        return outcome('SKIP', 'start orders and payments first', {}, []);
      const db = deps.ordersDatabaseUrl(ctx);
      const abort = new AbortController();
      ctx.signal.addEventListener('abort', () => abort.abort(), { once: true });
      try {
        // one user per orders replica, the stream on that replica
        const streams = await Promise.all(
          ordersUp.map(async (r, i) => {
            const user = await fundedUser(paymentsUp[i % paymentsUp.length]!.url, perUser * 1000);
            const s = await openStream(
              `${r.url}/orders-api/orders/stream?user_id=${encodeURIComponent(user)}`,
              abort.signal,
            );
            return { replica: r.instance, user, ...s, orders: [] as string[] };
          }),
        );
        const refused = streams.filter((s) => s.status !== 200);
        if (refused.length > 0)
          return outcome(
            'FAIL',
            `${plural(refused.length, 'stream')} refused`,
            { refused: refused.length },
            refused.map((s) => ({ source: 'http', ref: `GET stream on ${s.replica}`, detail: `answered ${s.status}` })),
          );
        await until(
          ctx,
          () => (streams.every((s) => s.frames.some((f) => f.event === 'connected')) ? true : undefined),
          10_000,
          50,
        );
        ctx.progress(`${plural(streams.length, 'stream')} open; creating orders`, 0.2);
        // each user's orders on another replica than the one holding the stream
        for (let n = 0; n < perUser; n++)
          for (const [i, s] of streams.entries()) {
            const on = ordersUp[(i + 1 + n) % ordersUp.length]!;
            const o = await labCHttp<OrderSeen>('POST', `${on.url}/orders-api/orders`, { user_id: s.user });
            s.orders.push(o.id);
          }
        const ids = streams.flatMap((s) => s.orders);
        let statuses = new Map<string, string>();
        await until(
          ctx,
          async () => {
            statuses = await statusesOf(db, ids);
            return ids.every((id) => FINAL.includes(statuses.get(id) ?? '')) ? true : undefined;
          },
          deps.openForMs + 30_000,
          300,
        );
        ctx.progress('orders final; reading the streams', 0.7);
        const updatesOf = (s: (typeof streams)[number]): OrderSeen[] =>
          s.frames
            .filter((f) => f.event === 'order-update')
            .flatMap((f) => {
              try {
                return [JSON.parse(f.data) as OrderSeen];
              } catch {
                return [];
              }
            });
        const missingOf = (s: (typeof streams)[number]) => {
          const got = updatesOf(s);
          return s.orders.flatMap((id) => {
            const want = ['created', statuses.get(id) ?? 'a final status'];
            return want.filter((st) => !got.some((o) => o.id === id && o.status === st)).map((st) => ({ id, st }));
          });
        };
        await until(ctx, () => (streams.every((s) => missingOf(s).length === 0) ? true : undefined), 10_000, 100);
        const evidence: Evidence[] = [];
        let missing = 0;
        let foreign = 0;
        for (const s of streams) {
          for (const m of missingOf(s)) {
            missing++;
            evidence.push({
              source: 'http',
              ref: `stream of user ${s.user} on ${s.replica}`,
              detail: `never got order ${m.id} ${m.st} (${statuses.get(m.id) ?? 'not in the database'} there)`,
              entity: m.id,
            });
          }
          for (const o of updatesOf(s).filter((u) => u.userID !== s.user)) {
            foreign++;
            evidence.push({
              source: 'http',
              ref: `stream of user ${s.user} on ${s.replica}`,
              detail: `got order ${o.id} ${o.status} of another user (${o.userID})`,
              entity: o.id,
            });
          }
        }
        const open = ids.filter((id) => !FINAL.includes(statuses.get(id) ?? '')).length;
        const counts = { streams: streams.length, orders: ids.length, missing, foreign, open };
        if (missing === 0 && foreign === 0)
          return outcome(
            'PASS',
            `${plural(streams.length, 'stream')} on ${streams.map((s) => s.replica).join(', ')}: each got created and the final status of its user's ${plural(perUser, 'order')}, nothing of another user's`,
            counts,
            [],
          );
        return outcome(
          'FAIL',
          `${plural(missing, 'update')} missing and ${plural(foreign, 'foreign update')} on ${plural(streams.length, 'stream')}`,
          counts,
          evidence,
        );
      } finally {
        abort.abort();
      }
    },
  };
}
