// Invariant 10: a record the consumers cannot process (not JSON, an unknown status) is logged and skipped: the group's
// committed offset moves past it and the records behind it are processed. The check puts, on every partition, a record
// that is not JSON, one with an unknown status and a valid marker event behind them (all three with the injected
// header, so that the record checks leave them out), then watches the group's committed offsets.
import type { Evidence } from '../../../contract/console-api.js';
import type { Check } from '../../types.js';
import {
  INJECTED_HEADER,
  NO_PROCESSING_NOTE,
  canSeeProcessing,
  committedOffsets,
  consumerInstances,
  describeGroup,
  outcome,
  processedBy,
  recordRef,
  until,
  withAdmin,
  type LabDCheckDeps,
} from './support.js';

const PASS_WITHIN_MS = 15_000;

export function processingErrorsCheck(deps: LabDCheckDeps): Check {
  const { settings } = deps;
  return {
    id: 'processing-errors',
    timeoutMs: 60_000,
    async run(ctx) {
      const topic = settings.topic;
      const started = Date.now();
      // the group must be consuming: start the console's consumers that are not running
      let group = await describeGroup(ctx, settings);
      if (group.members.length === 0) {
        const stopped = ctx.services.list().filter((i) => i.kind === 'notifier' && i.state !== 'running');
        for (const i of stopped) await ctx.services.start(i.instance, i.brokenMode);
        ctx.progress('waiting for the group to have members');
        const g = await until(
          ctx,
          async () => {
            const d = await describeGroup(ctx, settings);
            return d.state === 'Stable' && d.members.some((m) => m.partitions.length > 0) ? d : undefined;
          },
          30_000,
        );
        if (g === undefined)
          return outcome('SKIP', `group ${settings.group} has no members: start the consumers first.`, {}, []);
        group = g;
      }
      const producer = ctx.kafka().producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const planted: { partition: number; poison: number[]; marker: number; markerId: string }[] = [];
      try {
        const partitions = await withAdmin(ctx, (admin) => admin.fetchTopicOffsets(topic)).catch(() => undefined);
        const ids = (partitions ?? []).map((p) => p.partition);
        if (ids.length === 0) return outcome('SKIP', `${topic} does not exist.`, {}, []);
        for (const partition of ids) {
          const markerId = String(9_000_000_000 + Math.floor(Math.random() * 999_999_999));
          const headers = { [INJECTED_HEADER]: 'processing-errors' };
          const moment = new Date().toISOString();
          const res = await producer.send({
            topic,
            messages: [
              {
                partition,
                key: 'eventscope-poison',
                value: '{"order_id": 1, "status": "new", this is not JSON',
                headers,
              },
              {
                partition,
                key: 'eventscope-poison',
                value: JSON.stringify({
                  [settings.fields.order_id]: Number(markerId),
                  [settings.fields.status]: 'teleported',
                  [settings.fields.moment]: moment,
                }),
                headers,
              },
              {
                partition,
                key: markerId,
                value: JSON.stringify({
                  [settings.fields.order_id]: Number(markerId),
                  [settings.fields.status]: 'new',
                  [settings.fields.moment]: moment,
                }),
                headers,
              },
            ],
          });
          const base = Number(res[0]?.baseOffset ?? -1);
          planted.push({ partition, poison: [base, base + 1], marker: base + 2, markerId });
        }
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
      ctx.progress('waiting for the group to commit past the poison records', 0.3);
      const seeing = canSeeProcessing(ctx, settings);
      const instances = consumerInstances(ctx);
      const processedMarkers = () => {
        const all = instances.flatMap((i) => processedBy(ctx, settings, i, started));
        return new Set(all.map((p) => p.orderId));
      };
      const passed = await until(
        ctx,
        async () => {
          const c = await committedOffsets(ctx, settings);
          const ok = planted.every((p) => (c.get(p.partition) ?? -1) > p.marker);
          if (!ok) return undefined;
          if (seeing && instances.length > 0) {
            const seen = processedMarkers();
            if (!planted.every((p) => seen.has(p.markerId))) return undefined;
          }
          return c;
        },
        PASS_WITHIN_MS,
      );
      const committed = passed ?? (await committedOffsets(ctx, settings));
      const seen = seeing ? processedMarkers() : new Set<string>();
      const evidence: Evidence[] = [];
      let stuck = 0;
      let unprocessed = 0;
      for (const p of planted) {
        const c = committed.get(p.partition) ?? -1;
        const blocked = p.poison.find((o) => c <= o);
        if (blocked !== undefined || c <= p.marker) {
          stuck++;
          const at = blocked ?? p.marker;
          evidence.push({
            source: 'offset',
            ref: `${settings.group} ${topic} p${p.partition}`,
            detail: `committed offset ${c < 0 ? 'none' : c}: stays ${blocked === undefined ? 'before the marker' : `at the poison record ${recordRef(topic, { partition: p.partition, offset: at })} (${at === p.poison[0] ? 'not JSON' : 'unknown status'})`}; the record behind it, ${recordRef(topic, { partition: p.partition, offset: p.marker })}, is not processed`,
            record: { topic, partition: p.partition, offset: String(at) },
          });
        } else if (seeing && instances.length > 0 && !seen.has(p.markerId)) {
          unprocessed++;
          evidence.push({
            source: 'record',
            ref: recordRef(topic, { partition: p.partition, offset: p.marker }),
            detail: `the marker event (order ${p.markerId}) behind the poison records was committed but no consumer logged it`,
            record: { topic, partition: p.partition, offset: String(p.marker) },
          });
        }
      }
      // our consumers' own words about the poison records (extra evidence)
      for (const i of instances) {
        const lines = ctx.services.logs(i).filter((l) => l.at >= started);
        const errors = lines.filter((l) => l.kind === 'error');
        const crashes = lines.filter((l) => l.text.includes('"crashed"') || l.text.includes('"reconnecting"'));
        if (errors.length > 0)
          evidence.push({
            source: 'log',
            ref: `${i}`,
            detail: `${errors.length} error line(s), the first: ${errors[0]!.text.slice(0, 200)}`,
          });
        if (crashes.length > 0)
          evidence.push({
            source: 'log',
            ref: `${i}`,
            detail: `${crashes.length} crash/restart line(s), the first: ${crashes[0]!.text.slice(0, 200)}`,
          });
      }
      const note = seeing ? '' : ` (${NO_PROCESSING_NOTE})`;
      const counts = {
        partitions: planted.length,
        poison: planted.length * 2,
        stuck,
        unprocessed,
        members: group.members.length,
      };
      if (stuck + unprocessed > 0)
        return outcome(
          'FAIL',
          `on ${stuck} of ${planted.length} partitions the group ${settings.group} did not get past the poison records within ${PASS_WITHIN_MS / 1000} s${unprocessed > 0 ? `; ${unprocessed} marker(s) behind them committed but not processed` : ''}.${note}`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `a record that is not JSON and one with an unknown status on each of ${planted.length} partitions were skipped: the group committed past them and processed the records behind them${note}.`,
        counts,
        evidence,
      );
    },
  };
}
