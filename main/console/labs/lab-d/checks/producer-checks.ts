// Lab D's invariants about the producer side, each driving loms through its HTTP API and judging the topic: at least
// once through a broker outage (7), no event without a commit while loms' link to Postgres is down (8), and a producer
// shutdown that loses no committed change (11). The (order, status) pairs loms answered 200 for are what must reach the
// topic; loms' outbox rows, when they can be read, are extra evidence.
import type { Evidence } from '../../../contract/console-api.js';
import type { Check, CheckContext } from '../../types.js';
import { walkPath } from './paths.js';
import {
  createOrder,
  endOffsets,
  httpEvidence,
  lomsAnswers,
  lomsCall,
  outboxPending,
  outcome,
  plural,
  query,
  readTopic,
  recordEvidence,
  until,
  type HttpAnswer,
  type LabDCheckDeps,
  type OrderRecord,
  groupBy,
} from './support.js';

type Pair = { orderId: string; status: string; via: string };

const key = (orderId: string, status: string) => `${orderId}/${status}`;

/** `a` comes before `b` on the way to `b` */
const precedes = (a: string, b: string) =>
  a === 'new' ? b !== 'new' : a === 'awaiting payment' ? b === 'paid' || b === 'cancelled' : false;

/** Waits until the relay has nothing pending (our outbox) or every pair is on the topic; reads the topic. */
async function settle(
  ctx: CheckContext,
  deps: LabDCheckDeps,
  expected: Pair[],
  timeoutMs: number,
): Promise<OrderRecord[]> {
  const db = deps.databaseUrl(ctx);
  let records: OrderRecord[] = [];
  const present = () => {
    const have = new Set(records.filter((r) => r.kind === 'event').map((r) => key(r.orderId!, r.status ?? '')));
    return expected.every((p) => have.has(key(p.orderId, p.status)));
  };
  await until(
    ctx,
    async () => {
      records = (await readTopic(ctx, deps.settings, { timeoutMs: 10_000 })).records;
      if (present()) return true;
      const pending = await outboxPending(db);
      if (pending !== 0) return undefined;
      // nothing pending: what is not on the topic now never will be (read once more, after the last mark)
      records = (await readTopic(ctx, deps.settings, { timeoutMs: 10_000 })).records;
      return true;
    },
    timeoutMs,
    500,
  );
  return records;
}

/** Lost pairs (with the outbox rows that say why, when they can be read), duplicates, and path problems of the keys. */
async function judge(ctx: CheckContext, deps: LabDCheckDeps, expected: Pair[], records: OrderRecord[]) {
  const topic = deps.settings.topic;
  const ids = new Set(expected.map((p) => p.orderId));
  const mine = records.filter((r) => r.kind === 'event' && ids.has(r.orderId!));
  const count = new Map<string, number>();
  for (const r of mine)
    count.set(key(r.orderId!, r.status ?? ''), (count.get(key(r.orderId!, r.status ?? '')) ?? 0) + 1);
  const lost = expected.filter((p) => !count.has(key(p.orderId, p.status)));
  const duplicated = [...count.values()].reduce((n, c) => n + (c - 1), 0);
  const evidence: Evidence[] = [];
  let rows: { id: string; aggregate_id: string; status: string; sent: boolean; last_error: string | null }[] = [];
  if (lost.length > 0)
    rows = await query<(typeof rows)[number]>(
      deps.databaseUrl(ctx),
      `SELECT id::text AS id, aggregate_id::text AS aggregate_id, payload->>'status' AS status, sent_at IS NOT NULL AS sent, last_error
         FROM outbox WHERE aggregate_id = ANY($1::bigint[]) ORDER BY id`,
      [[...new Set(lost.map((p) => p.orderId))]],
    ).catch(() => []);
  for (const p of lost.slice(0, 25)) {
    const row = rows.find((r) => r.aggregate_id === p.orderId && r.status === p.status);
    const why = row
      ? `; outbox #${row.id} is ${row.sent ? `marked sent${row.last_error ? ` with "${row.last_error.slice(0, 120)}"` : ''}` : 'still pending'}`
      : '';
    evidence.push({
      source: row ? 'row' : 'http',
      ref: row ? `outbox #${row.id}` : p.via,
      detail: `order ${p.orderId} ${p.status}: ${p.via} answered 200, no record on ${topic}${why}`,
      entity: p.orderId,
    });
  }
  // order per key over the whole topic
  let outOfOrder = 0;
  let invalid = 0;
  const byKey = groupBy(mine, (r) => r.orderId!);
  for (const [id, rs] of byKey) {
    if (new Set(rs.map((r) => r.partition)).size > 1) {
      invalid++;
      evidence.push(recordEvidence(topic, rs[rs.length - 1]!, `order ${id}: records on more than one partition`));
      continue;
    }
    for (const step of walkPath(rs.map((r) => r.status))) {
      if (step.kind === 'duplicate') continue;
      if (step.kind === 'out-of-order') outOfOrder++;
      else invalid++;
      evidence.push(
        recordEvidence(
          topic,
          rs[step.index]!,
          `order ${id}: status ${step.detail} (offset order: ${rs.map((r) => r.status).join(' → ')})`,
        ),
      );
    }
  }
  return { lost, duplicated, outOfOrder, invalid, evidence };
}

async function ensureLoms(ctx: CheckContext, deps: LabDCheckDeps): Promise<boolean> {
  const loms = ctx.services.list().find((i) => i.kind === 'loms');
  if (loms && loms.state !== 'running') await ctx.services.start(loms.instance, loms.brokenMode);
  return lomsAnswers(ctx, deps.settings, 30_000);
}

const relay = (deps: LabDCheckDeps, action: 'pause' | 'resume') =>
  lomsCall(deps.settings, 'POST', `/admin/relay/${action}`, undefined, 5000);

export function outageCheck(deps: LabDCheckDeps): Check {
  const { settings } = deps;
  return {
    id: 'outage-at-least-once',
    timeoutMs: 180_000,
    async run(ctx) {
      const topic = settings.topic;
      if (!(await ensureLoms(ctx, deps))) return outcome('SKIP', `loms (${settings.lomsUrl}) does not answer.`, {}, []);
      const expected: Pair[] = [];
      const evidence: Evidence[] = [];
      let refused = 0;
      const ok = (r: HttpAnswer, ref: string, what: string, orderId?: string) => {
        if (r.status === 200) return true;
        refused++;
        evidence.push(httpEvidence(ref, r, `${what}: not 200 while Kafka was down`, orderId));
        return false;
      };
      // before: orders whose first records are on the topic
      const before: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await createOrder(settings);
        if (r.orderId === undefined)
          return outcome('ERROR', `loms did not create an order (${r.error ?? r.status}).`, {}, []);
        before.push(r.orderId);
        expected.push(
          { orderId: r.orderId, status: 'new', via: 'POST /order/create' },
          { orderId: r.orderId, status: 'awaiting payment', via: 'POST /order/create' },
        );
      }
      await settle(ctx, deps, expected, 20_000);
      ctx.progress('stopping Kafka', 0.15);
      await ctx.stack.stop('kafka');
      const during: string[] = [];
      try {
        ctx.progress('paying and creating orders while Kafka is down', 0.3);
        for (const id of before) {
          const r = await lomsCall(settings, 'POST', '/order/pay', { orderId: id }, 20_000);
          if (ok(r, 'POST /order/pay', `pay ${id}`, id))
            expected.push({ orderId: id, status: 'paid', via: 'POST /order/pay' });
        }
        for (let i = 0; i < 6; i++) {
          const r = await createOrder(settings);
          if (ok(r, 'POST /order/create', 'create') && r.orderId !== undefined) {
            during.push(r.orderId);
            expected.push(
              { orderId: r.orderId, status: 'new', via: 'POST /order/create' },
              { orderId: r.orderId, status: 'awaiting payment', via: 'POST /order/create' },
            );
          }
        }
      } finally {
        ctx.progress('starting Kafka', 0.5);
        await ctx.stack.start('kafka');
      }
      // after: the rest of their lives
      for (const [i, id] of during.entries()) {
        if (i > 4) break;
        const action = i < 3 ? 'pay' : 'cancel';
        const r = await lomsCall(settings, 'POST', `/order/${action}`, { orderId: id }, 20_000);
        if (r.status === 200)
          expected.push({ orderId: id, status: action === 'pay' ? 'paid' : 'cancelled', via: `POST /order/${action}` });
      }
      ctx.progress('waiting for the relay to catch up', 0.7);
      const records = await settle(ctx, deps, expected, 60_000);
      const j = await judge(ctx, deps, expected, records);
      evidence.push(...j.evidence);
      const counts = {
        expected: expected.length,
        lost: j.lost.length,
        duplicated: j.duplicated,
        outOfOrder: j.outOfOrder,
        invalid: j.invalid,
        refused,
      };
      if (j.lost.length + j.outOfOrder + j.invalid + refused > 0)
        return outcome(
          'FAIL',
          `through a Kafka outage: ${[j.lost.length > 0 ? `${plural(j.lost.length, 'event')} of ${expected.length} never reached ${topic}` : '', j.outOfOrder + j.invalid > 0 ? `${j.outOfOrder + j.invalid} break the order per key` : '', refused > 0 ? `${plural(refused, 'request')} not answered 200 while Kafka was down` : ''].filter((x) => x !== '').join('; ')}${j.duplicated > 0 ? ` (${plural(j.duplicated, 'duplicate')} counted)` : ''}.`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `through a Kafka outage: every one of ${expected.length} (order, status) pairs answered 200 reached ${topic} in a valid order per key${j.duplicated > 0 ? `; ${plural(j.duplicated, 'duplicate')} counted` : ', no duplicates'}.`,
        counts,
        evidence,
      );
    },
  };
}

export function noEventWithoutCommitCheck(deps: LabDCheckDeps): Check {
  const { settings } = deps;
  return {
    id: 'no-event-without-commit',
    timeoutMs: 90_000,
    async run(ctx) {
      const topic = settings.topic;
      const link = deps.lomsDbLink(ctx);
      if (link === undefined)
        return outcome(
          'SKIP',
          'loms’ link to Postgres is not the console’s to cut: start loms from the console.',
          {},
          [],
        );
      if (!(await ensureLoms(ctx, deps))) return outcome('SKIP', `loms (${settings.lomsUrl}) does not answer.`, {}, []);
      const a = await createOrder(settings);
      const b = await createOrder(settings);
      if (a.orderId === undefined || b.orderId === undefined)
        return outcome('ERROR', `loms did not create an order (${a.error ?? a.status}).`, {}, []);
      await settle(
        ctx,
        deps,
        [a.orderId, b.orderId].flatMap((id) => [{ orderId: id, status: 'awaiting payment', via: '' }]),
        20_000,
      );
      const ends0 = await endOffsets(ctx, topic);
      const evidence: Evidence[] = [];
      const failed: { what: string; orderId?: string; status?: string; answer: HttpAnswer }[] = [];
      let answered200 = 0;
      const note = (what: string, r: HttpAnswer, orderId?: string, status?: string) => {
        if (r.status >= 500 || r.status === 0)
          failed.push({ what, answer: r, ...(orderId ? { orderId } : {}), ...(status ? { status } : {}) });
        else if (r.status === 200) {
          answered200++;
          evidence.push(httpEvidence(what, r, 'answered 200 with the database link down'));
        }
      };
      // 1: the link is down before the request
      ctx.progress('cutting loms’ link to Postgres', 0.2);
      link.cut();
      try {
        note('POST /order/create', await createOrder(settings));
        note(
          'POST /order/pay',
          await lomsCall(settings, 'POST', '/order/pay', { orderId: a.orderId }),
          a.orderId,
          'paid',
        );
      } finally {
        link.restore();
      }
      // 2: the link goes down as loms commits (the relay paused, so that the commit is the request's)
      ctx.progress('cutting the link at the commit', 0.4);
      await until(
        ctx,
        async () =>
          (await lomsCall(settings, 'GET', `/order/info?orderId=${a.orderId}`)).status === 200 ? true : undefined,
        20_000,
      );
      const paused = (await relay(deps, 'pause')).status === 200;
      const cutAtCommit = link.cutOnMatch(['COMMIT', 'commit']);
      let fired = false;
      void cutAtCommit.then(() => (fired = true));
      try {
        const pay = await lomsCall(settings, 'POST', '/order/pay', { orderId: b.orderId });
        if (fired) note('POST /order/pay (cut at COMMIT)', pay, b.orderId, 'paid');
        if (!fired) {
          const create = await createOrder(settings);
          if (fired) note('POST /order/create (cut at COMMIT)', create);
        }
      } finally {
        link.disarm();
        link.restore();
      }
      await until(
        ctx,
        async () =>
          (await lomsCall(settings, 'GET', `/order/info?orderId=${a.orderId}`)).status === 200 ? true : undefined,
        20_000,
      );
      if (paused) await relay(deps, 'resume');
      ctx.progress('reading the topic', 0.7);
      await until(ctx, async () => ((await outboxPending(deps.databaseUrl(ctx))) === 0 ? true : undefined), 15_000);
      const { records } = await readTopic(ctx, settings, { from: ends0 });
      const events = records.filter((r) => r.kind === 'event');
      // a record after the cut is a violation unless its change committed: the order's status now (GET /order/info) is
      // that status or one after it
      let without = 0;
      const statusNow = new Map<string, string | undefined>();
      for (const r of events) {
        const id = r.orderId!;
        if (!statusNow.has(id)) {
          const info = await lomsCall(settings, 'GET', `/order/info?orderId=${id}`);
          statusNow.set(id, info.status === 200 ? String(info.body.status) : undefined);
        }
        const now = statusNow.get(id);
        if (now !== undefined && r.status !== null && (r.status === now || precedes(r.status, now))) continue;
        without++;
        const req =
          failed.find((f) => f.orderId === id && f.status === r.status) ?? failed.find((f) => f.orderId === undefined);
        evidence.push(
          recordEvidence(
            topic,
            r,
            `order ${id} ${r.status}: a record for a change that never committed (the order is ${now === undefined ? 'unknown to loms' : `\`${now}\``}${req ? `; ${req.what} answered ${req.answer.error ?? req.answer.status}` : ''})`,
          ),
        );
      }
      for (const f of failed)
        if (evidence.length < 40)
          evidence.push(httpEvidence(f.what, f.answer, 'failed with the database link down, as it should'));
      const counts = {
        requests: failed.length + answered200,
        failed5xx: failed.length,
        answered200,
        recordsWithoutCommit: without,
        cutAtCommit: fired ? 1 : 0,
      };
      if (without + answered200 > 0)
        return outcome(
          'FAIL',
          `with loms’ link to Postgres down: ${[without > 0 ? `${plural(without, 'record')} on ${topic} for changes that never committed` : '', answered200 > 0 ? `${plural(answered200, 'request')} answered 200` : ''].filter((x) => x !== '').join('; ')}.`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `with loms’ link to Postgres down (before the request${fired ? ', and at the commit' : ''}) ${plural(failed.length, 'request')} answered 5xx and no record appeared for a change that did not commit.`,
        counts,
        evidence,
      );
    },
  };
}

export function producerShutdownCheck(deps: LabDCheckDeps): Check {
  const { settings } = deps;
  return {
    id: 'producer-shutdown',
    timeoutMs: 120_000,
    async run(ctx) {
      const loms = ctx.services.list().find((i) => i.kind === 'loms');
      if (loms === undefined) return outcome('SKIP', 'the console runs no loms instance to stop.', {}, []);
      if (!(await ensureLoms(ctx, deps))) return outcome('SKIP', `loms (${settings.lomsUrl}) does not answer.`, {}, []);
      const mode = ctx.services.list().find((i) => i.instance === loms.instance)?.brokenMode ?? null;
      // rows pending at the SIGTERM: the relay paused (ours), then a burst of orders
      const paused = (await relay(deps, 'pause')).status === 200;
      const expected: Pair[] = [];
      await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const r = await createOrder(settings);
          if (r.orderId === undefined) return;
          expected.push(
            { orderId: r.orderId, status: 'new', via: 'POST /order/create' },
            { orderId: r.orderId, status: 'awaiting payment', via: 'POST /order/create' },
          );
          if (i % 2 === 0 && (await lomsCall(settings, 'POST', '/order/pay', { orderId: r.orderId })).status === 200)
            expected.push({ orderId: r.orderId, status: 'paid', via: 'POST /order/pay' });
        }),
      );
      const pending = await outboxPending(deps.databaseUrl(ctx));
      ctx.progress(`SIGTERM to ${loms.instance}${pending === undefined ? '' : ` with ${pending} rows pending`}`, 0.3);
      const stopped = await ctx.services.stop(loms.instance);
      const after = await lomsCall(
        settings,
        'POST',
        '/order/create',
        { userId: '1000', items: [{ sku: '139275865', count: 1 }] },
        3000,
      );
      const evidence: Evidence[] = [
        {
          source: 'log',
          ref: loms.instance,
          detail: `SIGTERM${pending === undefined ? '' : ` with ${pending} outbox rows pending${paused ? ' (relay paused)' : ''}`}: ${stopped.state}, exit code ${stopped.exitCode ?? 'none'}`,
        },
        httpEvidence(
          'POST /order/create',
          after,
          after.status === 0 ? 'refused once loms stopped' : 'answered after loms stopped',
        ),
      ];
      ctx.progress(`starting ${loms.instance} again`, 0.5);
      await ctx.services.start(loms.instance, mode);
      if (!(await lomsAnswers(ctx, settings, 30_000)))
        return outcome('ERROR', `${loms.instance} did not answer within 30 s of its restart.`, {}, evidence);
      const records = await settle(ctx, deps, expected, 45_000);
      const j = await judge(ctx, deps, expected, records);
      evidence.push(...j.evidence);
      const clean = stopped.state === 'stopped';
      const counts = {
        expected: expected.length,
        pendingAtStop: pending ?? -1,
        lost: j.lost.length,
        duplicated: j.duplicated,
        outOfOrder: j.outOfOrder,
      };
      if (j.lost.length + j.outOfOrder + j.invalid > 0 || !clean || after.status !== 0)
        return outcome(
          'FAIL',
          `SIGTERM on loms${pending === undefined ? '' : ` with ${pending} rows pending`}: ${[j.lost.length > 0 ? `${plural(j.lost.length, 'committed change')} never reached ${settings.topic} after the restart` : '', j.outOfOrder + j.invalid > 0 ? 'the order per key broke' : '', clean ? '' : `it did not stop cleanly (${stopped.state}, code ${stopped.exitCode ?? 'none'})`, after.status !== 0 ? 'it answered after it stopped' : ''].filter((x) => x !== '').join('; ')}.`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `SIGTERM on loms${pending === undefined ? '' : ` with ${pending} rows pending`}: it stopped cleanly, and after a restart every one of ${expected.length} committed changes reached ${settings.topic}.`,
        counts,
        evidence,
      );
    },
  };
}
