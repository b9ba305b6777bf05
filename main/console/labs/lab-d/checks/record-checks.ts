// Lab D's invariants 1–4, judged on the broker alone: the topic's shape (1), each order's statuses (2), one key on one
// partition in a valid order (3), and the spread of orders over the partitions (4).
import type { Evidence } from '../../../contract/console-api.js';
import type { Check, CheckContext } from '../../types.js';
import { sequenceProblem, walkPath } from './paths.js';
import {
  createOrder,
  lomsCall,
  outcome,
  plural,
  readTopic,
  recordEvidence,
  withAdmin,
  type LabDCheckDeps,
  type OrderRecord,
  groupBy,
} from './support.js';

const EXPECTED_PARTITIONS = 2;
const EXPECTED_RF = 1;
/** an order whose only record is `new` is incomplete once its record is this old */
const INCOMPLETE_AFTER_MS = 5000;
const SPREAD_ORDERS = 200;
const SPREAD_LOW = 0.35;
const SPREAD_HIGH = 0.65;

function skippedNote(records: OrderRecord[]): { counts: Record<string, number>; note: string } {
  const unreadable = records.filter((r) => r.kind === 'unreadable').length;
  const injected = records.filter((r) => r.kind === 'injected').length;
  const parts = [
    unreadable > 0 ? `${plural(unreadable, 'record')} not an order event (not JSON or without the order fields)` : '',
    injected > 0 ? `${plural(injected, 'record')} injected by a check or a fault` : '',
  ].filter((p) => p !== '');
  return { counts: { unreadable, injected }, note: parts.length > 0 ? ` Left out: ${parts.join('; ')}.` : '' };
}

export function topicShapeCheck(deps: LabDCheckDeps): Check {
  const { settings } = deps;
  return {
    id: 'topic-shape',
    timeoutMs: 20_000,
    async run(ctx) {
      const topic = settings.topic;
      const meta = await withAdmin(ctx, async (admin) => {
        if (!(await admin.listTopics()).includes(topic)) return undefined;
        return (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0];
      });
      if (meta === undefined)
        return outcome(
          'FAIL',
          `${topic} does not exist (loms' relay or the stack's init creates it).`,
          { partitions: 0 },
          [{ source: 'offset', ref: topic, detail: 'no such topic on the broker' }],
        );
      const parts = [...meta.partitions].sort((a, b) => a.partitionId - b.partitionId);
      const evidence: Evidence[] = parts.map((p) => ({
        source: 'offset',
        ref: `${topic} p${p.partitionId}`,
        detail: `leader ${p.leader}, replicas [${p.replicas.join(', ')}], in sync [${p.isr.join(', ')}]`,
      }));
      const badRf = parts.filter((p) => p.replicas.length !== EXPECTED_RF);
      const problems = [
        parts.length !== EXPECTED_PARTITIONS
          ? `${plural(parts.length, 'partition')} (want ${EXPECTED_PARTITIONS})`
          : '',
        badRf.length > 0
          ? `replication factor ${badRf.map((p) => `${p.replicas.length} on p${p.partitionId}`).join(', ')} (want ${EXPECTED_RF})`
          : '',
      ].filter((p) => p !== '');
      const counts = { partitions: parts.length, replicationFactor: parts[0]?.replicas.length ?? 0 };
      if (problems.length > 0) return outcome('FAIL', `${topic} has ${problems.join(' and ')}.`, counts, evidence);
      return outcome(
        'PASS',
        `${topic}: ${EXPECTED_PARTITIONS} partitions, replication factor ${EXPECTED_RF}.`,
        counts,
        evidence,
      );
    },
  };
}

export function sequencesCheck(deps: LabDCheckDeps): Check {
  const { settings } = deps;
  return {
    id: 'sequences',
    timeoutMs: 45_000,
    async run(ctx) {
      const topic = settings.topic;
      ctx.progress(`reading ${topic}`);
      const { records } = await readTopic(ctx, settings);
      const events = records.filter((r) => r.kind === 'event');
      const { counts: skipped, note } = skippedNote(records);
      if (events.length === 0)
        return outcome('SKIP', `no order events on ${topic} yet: create orders first.${note}`, skipped, []);
      const byOrder = groupBy(events, (r) => r.orderId!);
      const evidence: Evidence[] = [];
      let invalid = 0;
      let unknown = 0;
      let incomplete = 0;
      let duplicated = 0;
      const now = Date.now();
      for (const [orderId, rs] of byOrder) {
        const unknownOnes = rs.filter((r) => r.status === null);
        if (unknownOnes.length > 0) {
          unknown++;
          const r = unknownOnes[0]!;
          evidence.push(
            recordEvidence(
              topic,
              r,
              `order ${orderId}: status \`${r.rawStatus}\` is not a Lab D status (map a spelling in EVENTSCOPE_STATUS_SPELLINGS)`,
            ),
          );
          continue;
        }
        const statuses = new Set(rs.map((r) => r.status!));
        duplicated += rs.length - statuses.size;
        const problem = sequenceProblem(statuses);
        if (problem !== undefined) {
          invalid++;
          const last = rs[rs.length - 1]!;
          evidence.push(recordEvidence(topic, last, `order ${orderId}: ${problem}`));
          continue;
        }
        if (statuses.size === 1 && now - Math.max(...rs.map((r) => r.timestamp)) > INCOMPLETE_AFTER_MS) {
          incomplete++;
          evidence.push(
            recordEvidence(
              topic,
              rs[0]!,
              `order ${orderId}: \`new\` and nothing after it (a create publishes \`awaiting payment\` or \`failed\` too)`,
            ),
          );
        }
      }
      const counts = {
        orders: byOrder.size,
        records: events.length,
        invalid,
        unknownStatus: unknown,
        incomplete,
        duplicated,
        ...skipped,
      };
      const bad = invalid + unknown + incomplete;
      if (bad > 0)
        return outcome(
          'FAIL',
          `${plural(bad, 'order')} of ${byOrder.size} on ${topic} have statuses no operation produces (${invalid} invalid, ${unknown} with an unknown status, ${incomplete} incomplete).${note}`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `every one of ${plural(byOrder.size, 'order')} on ${topic} has the statuses of create, failed create, pay or cancel${duplicated > 0 ? ` (${plural(duplicated, 'duplicate')} counted)` : ''}.${note}`,
        counts,
        [],
      );
    },
  };
}

export function perOrderOrderingCheck(deps: LabDCheckDeps): Check {
  const { settings } = deps;
  return {
    id: 'per-order-ordering',
    timeoutMs: 45_000,
    async run(ctx) {
      const topic = settings.topic;
      ctx.progress(`reading ${topic}`);
      const { records } = await readTopic(ctx, settings);
      const events = records.filter((r) => r.kind === 'event');
      const { counts: skipped, note } = skippedNote(records);
      if (events.length === 0)
        return outcome('SKIP', `no order events on ${topic} yet: create orders first.${note}`, skipped, []);
      const byKey = new Map<string, OrderRecord[]>();
      let unkeyed = 0;
      const evidence: Evidence[] = [];
      for (const r of events) {
        if (r.key === null) {
          unkeyed++;
          if (unkeyed <= 5) evidence.push(recordEvidence(topic, r, `order ${r.orderId}: a record without a key`));
          continue;
        }
        const same = byKey.get(r.key);
        if (same === undefined) byKey.set(r.key, [r]);
        else same.push(r);
      }
      let split = 0;
      let outOfOrder = 0;
      let invalid = 0;
      let duplicated = 0;
      const splitEvidence: Evidence[] = [];
      const pathEvidence: Evidence[] = [];
      for (const [key, rs] of byKey) {
        const partitions = [...new Set(rs.map((r) => r.partition))].sort();
        if (partitions.length > 1) {
          split++;
          const first = rs[0]!;
          const other = rs.find((r) => r.partition !== first.partition)!;
          splitEvidence.push(
            recordEvidence(
              topic,
              other,
              `key ${key}: records on partitions ${partitions.join(' and ')} (${first.status ?? first.rawStatus} at p${first.partition}@${first.offset}, ${other.status ?? other.rawStatus} here): no order between them`,
            ),
          );
          continue;
        }
        for (const step of walkPath(rs.map((r) => r.status))) {
          const r = rs[step.index]!;
          if (step.kind === 'duplicate') {
            duplicated++;
            continue;
          }
          if (step.kind === 'out-of-order') outOfOrder++;
          else invalid++;
          const path = rs.map((x) => x.status ?? x.rawStatus).join(' → ');
          pathEvidence.push(recordEvidence(topic, r, `order ${key}: status ${step.detail} (offset order: ${path})`));
        }
      }
      evidence.push(...splitEvidence.slice(0, 25), ...pathEvidence.slice(0, 25));
      const counts = {
        keys: byKey.size,
        records: events.length,
        split,
        outOfOrder,
        invalid,
        unkeyed,
        duplicated,
        ...skipped,
      };
      if (split + outOfOrder + invalid + unkeyed > 0)
        return outcome(
          'FAIL',
          `of ${plural(byKey.size, 'key')} on ${topic}: ${split} on more than one partition, ${outOfOrder} out of order, ${invalid} with a gap or an invalid step, ${unkeyed} records without a key.${note}`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `each of ${plural(byKey.size, 'key')} on ${topic} is on one partition and its statuses follow the order graph in offset order${duplicated > 0 ? ` (${plural(duplicated, 'duplicate')} counted)` : ''}.${note}`,
        counts,
        [],
      );
    },
  };
}

export function evenSpreadCheck(deps: LabDCheckDeps): Check {
  const { settings } = deps;
  const spread = async (ctx: CheckContext) => {
    const { records, partitions } = await readTopic(ctx, settings);
    const orders = new Map<number, Set<string>>();
    for (let p = 0; p < partitions; p++) orders.set(p, new Set());
    for (const r of records) if (r.kind === 'event') orders.get(r.partition)?.add(r.orderId!);
    const all = new Set([...orders.values()].flatMap((s) => [...s]));
    return { records, partitions, orders, total: all.size };
  };
  return {
    id: 'even-spread',
    timeoutMs: 90_000,
    async run(ctx) {
      const topic = settings.topic;
      ctx.progress(`reading ${topic}`);
      let s = await spread(ctx);
      if (s.total < SPREAD_ORDERS) {
        // too few orders to judge: create the rest through loms when it answers
        const missing = SPREAD_ORDERS - s.total;
        const probe = await lomsCall(settings, 'GET', '/order/info?orderId=1', undefined, 2000);
        if (probe.status === 0)
          return outcome(
            'SKIP',
            `only ${plural(s.total, 'order')} on ${topic}: the spread needs ${SPREAD_ORDERS}, and loms (${settings.lomsUrl}) does not answer to create the rest.`,
            { orders: s.total },
            [],
          );
        ctx.progress(`creating ${missing} orders through loms`, 0.1);
        const before = s.total;
        for (let i = 0; i < missing; i += 10) {
          ctx.signal.throwIfAborted();
          await Promise.all(Array.from({ length: Math.min(10, missing - i) }, () => createOrder(settings)));
        }
        ctx.progress('waiting for their records', 0.6);
        const deadline = Date.now() + 30_000;
        do {
          s = await spread(ctx);
        } while (s.total < before + missing && Date.now() < deadline && !ctx.signal.aborted);
      }
      const { counts: skipped, note } = skippedNote(s.records);
      const histogram = [...s.orders].map(([p, set]) => ({
        p,
        n: set.size,
        share: s.total === 0 ? 0 : set.size / s.total,
      }));
      const evidence: Evidence[] = histogram.map((h) => ({
        source: 'offset',
        ref: `${topic} p${h.p}`,
        detail: `${plural(h.n, 'order')} (${(h.share * 100).toFixed(1)} %) ${'█'.repeat(Math.round(h.share * 40))}`,
      }));
      const counts: Record<string, number> = { orders: s.total, ...skipped };
      for (const h of histogram) counts[`p${h.p}`] = h.n;
      if (s.total < SPREAD_ORDERS)
        return outcome(
          'SKIP',
          `only ${plural(s.total, 'order')} on ${topic}: the spread needs ${SPREAD_ORDERS}.${note}`,
          counts,
          evidence,
        );
      const off = histogram.filter((h) => h.share < SPREAD_LOW || h.share > SPREAD_HIGH);
      const keys = new Set(s.records.filter((r) => r.kind === 'event').map((r) => r.key));
      if (off.length > 0) {
        const keyNote =
          keys.size < s.total / 2
            ? ` Only ${plural(keys.size, 'distinct key')} for ${s.total} orders: the records are not keyed by ${settings.keyField}.`
            : '';
        const sample = s.records.find((r) => r.kind === 'event' && r.key !== r.orderId);
        if (sample !== undefined)
          evidence.push(
            recordEvidence(
              topic,
              sample,
              `order ${sample.orderId} has the key ${sample.key === null ? '(none)' : `"${sample.key}"`}`,
            ),
          );
        return outcome(
          'FAIL',
          `the orders are not spread evenly: ${off.map((h) => `p${h.p} holds ${(h.share * 100).toFixed(1)} %`).join(', ')} (want ${SPREAD_LOW * 100}–${SPREAD_HIGH * 100} % each).${keyNote}${note}`,
          counts,
          evidence,
        );
      }
      return outcome(
        'PASS',
        `${s.total} orders over ${s.partitions} partitions: ${histogram.map((h) => `p${h.p} ${(h.share * 100).toFixed(1)} %`).join(', ')}.${note}`,
        counts,
        evidence,
      );
    },
  };
}
