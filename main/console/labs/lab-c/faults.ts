// Lab C's faults beyond the record ones (index.ts): the cases of invariant 2 and a database link.
//
//   reset-payments-group      payments' members stopped (Kafka resets only an empty group), the group's offsets on
//                             orders-events set to the earliest, the members started again: every order.created comes
//                             again and the inbox must reject each
//   kill-payments             payments restarted with the test hook's pause (LAB_C_PAUSE_MS), an order of a funded
//                             user, the replica that pauses in its payment transaction killed (SIGKILL) there, the
//                             replicas restarted without the pause: the order is redelivered and must be paid once
//   race-payments             the same pause; while a replica holds the order in its transaction, its order.created is
//                             re-sent to every partition (so the other replicas race on it) and the account is topped
//                             up: one payment, one debit and every top-up kept
//   db-link-cut / -restore    a service's link to its database (the module's link proxy) cut or restored
import { AppError } from '../../../../services/shared/app-error.js';
import type { LabCLine } from '../../../../services/lab-c/schema.js';
import type { LinkProxy } from '../../faults/link-proxy.js';
import type { ServiceInstance } from '../../contract/console-api.js';
import { query } from '../../checks/kit.js';
import type { LabContext, LabFault } from '../types.js';
import { fundedUser, labCHttp, type UrlOf } from './active-checks.js';

const FINAL = ['paid', 'payment_failed', 'completed', 'cancelled'];

/** What the module saw of its instances' lines (the line parser's observer feeds it). */
export class LabCLineLog {
  private readonly listened = new Map<string, number>();
  private readonly pausedLines: { instance: string; orderId: string; at: string; seen: number }[] = [];
  private readonly consumedByOrder = new Map<string, number>();
  /** deliveries each service's inbox rejected as duplicates (its lines) */
  readonly duplicates = { payments: 0, orders: 0 };

  observe(instance: string, line: LabCLine): void {
    if (line.type === 'consumed' && line.outcome === 'duplicate' && line.service !== 'gateway')
      this.duplicates[line.service]++;
    if (line.type === 'lifecycle' && line.state === 'listening') this.listened.set(instance, Date.now());
    else if (line.type === 'paused') {
      this.pausedLines.push({ instance, orderId: line.order_id, at: line.at, seen: Date.now() });
      if (this.pausedLines.length > 200) this.pausedLines.shift();
    } else if (line.type === 'consumed' && line.service === 'payments' && line.order_id !== null) {
      this.consumedByOrder.set(line.order_id, (this.consumedByOrder.get(line.order_id) ?? 0) + 1);
      if (this.consumedByOrder.size > 5000) this.consumedByOrder.delete(this.consumedByOrder.keys().next().value!);
    }
  }
  listenedSince(instance: string, since: number): boolean {
    return (this.listened.get(instance) ?? 0) >= since;
  }
  pausedOn(orderId: string): { instance: string; at: string }[] {
    return this.pausedLines.filter((p) => p.orderId === orderId);
  }
  consumed(orderId: string): number {
    return this.consumedByOrder.get(orderId) ?? 0;
  }
}

export interface LabCFaultDeps {
  log: LabCLineLog;
  /** payments started from now on wait this long in their payment transaction (0: no pause) */
  setPause(ms: number): void;
  links: { orders: LinkProxy; payments: LinkProxy };
  linkUsed: (service: 'orders' | 'payments') => boolean;
  ordersTopic: string;
  paymentsGroup: string;
  partitions: number;
  ordersDatabaseUrl: (ctx: LabContext) => string;
  paymentsDatabaseUrl: (ctx: LabContext) => string;
  urlOf: UrlOf;
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new AppError('TIMEOUT', `gave up waiting for ${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const servicesOf = (ctx: LabContext) => {
  if (ctx.services === undefined) throw new AppError('CONFLICT', 'this fault needs the console to run the services');
  return ctx.services;
};

const live = (i: ServiceInstance) => i.state === 'running' || i.state === 'starting';

export function labCFaults(deps: LabCFaultDeps): LabFault[] {
  const { log } = deps;

  /** restarts instances (in their broken modes) and waits until each listens again */
  async function restart(ctx: LabContext, instances: ServiceInstance[]): Promise<void> {
    const svc = servicesOf(ctx);
    const since = Date.now();
    await Promise.all(
      instances.map(async (i) => {
        if (live(i)) await svc.stop(i.instance);
        await svc.start(i.instance, i.brokenMode);
      }),
    );
    await Promise.all(
      instances.map((i) =>
        waitUntil(`${i.instance} listening`, () => (log.listenedSince(i.instance, since) ? true : undefined), 90_000),
      ),
    );
  }

  /** the running payments and orders replicas with their URLs (both needed) */
  function replicas(ctx: LabContext) {
    const list = servicesOf(ctx).list();
    const payments = list.filter((i) => i.kind === 'payments' && i.state === 'running');
    const orders = list.filter((i) => i.kind === 'orders' && i.state === 'running');
    if (payments.length === 0 || orders.length === 0)
      throw new AppError('CONFLICT', 'start payments and orders first', { running: list.filter(live).length });
    const url = (i: ServiceInstance) => deps.urlOf(i.instance)!;
    return { payments, orders, paymentsUrl: url(payments[0]!), ordersUrl: url(orders[0]!) };
  }

  /**
   * payments restarted with the pause, an order of a funded user, the replica paused in its transaction on it; on a
   * failure the pause is disarmed (the replicas keep it until they are restarted, which the error says)
   */
  async function pausedOrder(ctx: LabContext, pauseMs: number) {
    const r = replicas(ctx);
    deps.setPause(pauseMs);
    try {
      await restart(ctx, r.payments);
      const { paymentsUrl, ordersUrl } = replicas(ctx);
      const user = await fundedUser(paymentsUrl, 2000);
      const order = await labCHttp<{ id: string }>('POST', `${ordersUrl}/orders-api/orders`, { user_id: user });
      const paused = await waitUntil(
        `payments to pause on order ${order.id}`,
        () => log.pausedOn(order.id)[0],
        pauseMs + 20_000,
      );
      return { ...r, paymentsUrl, ordersUrl, user, order: order.id, paused };
    } catch (err) {
      deps.setPause(0);
      throw new AppError(
        'TIMEOUT',
        `${(err as Error).message}; payments replicas started meanwhile keep the pause until restarted`,
        {},
        { cause: err },
      );
    }
  }

  /** the pause disarmed and the replicas that had it (`pausedOrder`'s) restarted without it */
  async function unpause(ctx: LabContext, paused: { payments: ServiceInstance[] }): Promise<void> {
    deps.setPause(0);
    const had = new Set(paused.payments.map((i) => i.instance));
    await restart(
      ctx,
      servicesOf(ctx)
        .list()
        .filter((i) => had.has(i.instance)),
    );
  }

  /** waits until the order is final in the orders database; its status and its payments' debits */
  async function settled(
    ctx: LabContext,
    order: string,
  ): Promise<{ status: string; debits: number; payments: number }> {
    const status = await waitUntil(
      `order ${order} to end`,
      async () => {
        const rows = await query<{ status: string }>(
          deps.ordersDatabaseUrl(ctx),
          'SELECT status FROM orders WHERE id = $1',
          [order],
        );
        return FINAL.includes(rows[0]?.status ?? '') ? rows[0]!.status : undefined;
      },
      45_000,
    );
    const [p] = await query<{ debits: string; payments: string }>(
      deps.paymentsDatabaseUrl(ctx),
      `SELECT (SELECT count(*) FROM ledger WHERE kind = 'debit' AND order_id = $1)::text AS debits,
              (SELECT count(*) FROM payments WHERE order_id = $1)::text AS payments`,
      [order],
    );
    return { status, debits: Number(p?.debits ?? 0), payments: Number(p?.payments ?? 0) };
  }

  const pauseArg = (args: Record<string, string | number | boolean>, fallback: number): number => {
    const ms = args.pauseMs === undefined ? fallback : Number(args.pauseMs);
    if (!Number.isInteger(ms) || ms < 100 || ms > 60_000)
      throw new AppError('INVALID_INPUT', 'pauseMs: an integer of milliseconds, 100–60000', { field: 'pauseMs' });
    return ms;
  };

  const serviceArg = (args: Record<string, string | number | boolean>): 'orders' | 'payments' => {
    const s = args.service === undefined ? 'payments' : String(args.service);
    if (s !== 'orders' && s !== 'payments')
      throw new AppError('INVALID_INPUT', `service: orders or payments, not ${s}`, { field: 'service' });
    return s;
  };

  return [
    {
      id: 'reset-payments-group',
      run: async (ctx) => {
        const svc = servicesOf(ctx);
        if (ctx.kafka === undefined) throw new AppError('CONFLICT', 'this fault needs the stack’s Kafka');
        const members = svc.list().filter((i) => i.kind === 'payments' && live(i));
        await Promise.all(members.map((i) => svc.stop(i.instance)));
        const admin = ctx.kafka().admin();
        await admin.connect();
        let offsets: string;
        try {
          // Kafka resets the offsets of an empty group only: wait until the stopped members have left it
          await waitUntil(
            `${deps.paymentsGroup} to be empty`,
            async () => {
              const g = (await admin.describeGroups([deps.paymentsGroup])).groups[0];
              return g === undefined || g.members.length === 0 ? true : undefined;
            },
            30_000,
          );
          await admin.resetOffsets({ groupId: deps.paymentsGroup, topic: deps.ordersTopic, earliest: true });
          const low = await admin.fetchTopicOffsets(deps.ordersTopic);
          offsets = low
            .sort((a, b) => a.partition - b.partition)
            .map((p) => `p${p.partition} ${p.low}→ (end ${p.high})`)
            .join(', ');
        } finally {
          await admin.disconnect().catch(() => undefined);
        }
        await restart(ctx, members);
        return `stopped ${members.map((i) => i.instance).join(', ') || 'no payments replica (none ran)'}; reset ${deps.paymentsGroup} on ${deps.ordersTopic} to the earliest offsets (${offsets}); started them again: every order.created is delivered again and the inbox must reject each`;
      },
    },
    {
      id: 'kill-payments',
      run: async (ctx, args) => {
        const pauseMs = pauseArg(args, 5000);
        const p = await pausedOrder(ctx, pauseMs);
        const victim = servicesOf(ctx)
          .list()
          .find((i) => i.instance === p.paused.instance);
        if (victim?.pid === null || victim?.pid === undefined)
          throw new AppError('CONFLICT', `${p.paused.instance} has no process`);
        process.kill(victim.pid, 'SIGKILL');
        await waitUntil(
          `${victim.instance} to exit`,
          () =>
            servicesOf(ctx)
              .list()
              .find((i) => i.instance === victim.instance)?.state === 'exited'
              ? true
              : undefined,
          10_000,
        );
        await unpause(ctx, p);
        const s = await settled(ctx, p.order);
        return `killed ${victim.instance} (pid ${victim.pid}) paused ${p.paused.at} on order ${p.order}; restarted ${p.payments.map((i) => i.instance).join(', ')} without the pause: the order is ${s.status}, ${s.payments} payment row${s.payments === 1 ? '' : 's'}, ${s.debits} debit${s.debits === 1 ? '' : 's'}`;
      },
    },
    {
      id: 'race-payments',
      run: async (ctx, args) => {
        const pauseMs = pauseArg(args, 2000);
        if (ctx.kafka === undefined) throw new AppError('CONFLICT', 'this fault needs the stack’s Kafka');
        const p = await pausedOrder(ctx, pauseMs);
        try {
          const [row] = await query<{ payload: unknown }>(
            deps.ordersDatabaseUrl(ctx),
            'SELECT payload FROM orders_outbox WHERE aggregate_id = $1',
            [p.order],
          );
          const producer = ctx.kafka().producer();
          await producer.connect();
          try {
            await producer.send({
              topic: deps.ordersTopic,
              messages: Array.from({ length: deps.partitions }, (_, partition) => ({
                key: p.order,
                value: JSON.stringify(row?.payload),
                partition,
              })),
            });
          } finally {
            await producer.disconnect().catch(() => undefined);
          }
          // a top-up while the order is held: it must be kept whatever the payment does
          await labCHttp(
            'POST',
            `${p.paymentsUrl}/payments-api/accounts/${p.user}/topup`,
            { amount: 10 },
            pauseMs + 15_000,
          );
          await waitUntil(
            `payments to handle the ${deps.partitions + 1} deliveries of order ${p.order}`,
            () => (log.consumed(p.order) >= deps.partitions + 1 ? true : undefined),
            pauseMs * (deps.partitions + 2) + 20_000,
          );
        } finally {
          await unpause(ctx, p);
        }
        const s = await settled(ctx, p.order);
        return `order ${p.order} held ${pauseMs} ms in ${p.paused.instance}'s transaction while its order.created went to all ${deps.partitions} partitions and its account was topped up: the order is ${s.status}, ${s.payments} payment row${s.payments === 1 ? '' : 's'}, ${s.debits} debit${s.debits === 1 ? '' : 's'}`;
      },
    },
    {
      id: 'db-link-cut',
      run: (_ctx, args) => {
        const service = serviceArg(args);
        if (!deps.linkUsed(service))
          throw new AppError(
            'CONFLICT',
            `${service} was not started through the console's database link: restart it from the console`,
          );
        deps.links[service].cut();
        return Promise.resolve(
          `${service}' link to its database cut (${deps.links[service].stats().cuts} cuts so far): its replicas cannot reach it until db-link-restore`,
        );
      },
    },
    {
      id: 'db-link-restore',
      run: (_ctx, args) => {
        const service = serviceArg(args);
        deps.links[service].restore();
        return Promise.resolve(`${service}' link to its database restored: what waited must now go through`);
      },
    },
  ];
}
