// Lab B's delivery checks: 4 (redelivery after a consumer dies) and 6 (poison messages end in lab-b.dead).
//
// 4 holds the consumers' work for a moment (a lock on the seen-store table, as a slow database would: each consumer
// keeps what the broker sent it, unacked), publishes vacation status changes of its own, SIGKILLs one notification
// instance while it holds some, lets the work go on, and reads who notified what: each change the killed instance held
// must come to the other one with `redelivered` set and be notified once; the broker-side consumers of
// notification.vacation show the kill. It starts the killed instance again (in its mode) at the end.
//
// 6 publishes a message that is not JSON to vacation.events (its queues: notification.vacation, reports.vacation) and
// a good change after it, then takes the poison's copies out of lab-b.dead (by message id) with their
// x-poison-reason: one per consumer queue, and the good change handled after it.
import { randomUUID } from 'node:crypto';
import { DEAD_LETTER_HEADERS, EXCHANGES, QUEUES, ROUTING_KEYS, TABLES } from '../../../../../services/lab-b/schema.js';
import type { Evidence } from '../../../contract/console-api.js';
import type { Check } from '../../types.js';
import { probeChange } from './routing-checks.js';
import {
  describeQueue,
  holdConsumers,
  instancesOf,
  linesOf,
  linesOfType,
  logEvidence,
  named,
  outcome,
  plural,
  queueEvidence,
  settled,
  short,
  until,
  withProbe,
  type LabBCheckDeps,
  type QueueState,
} from './support.js';

const CHANGES = 8;

export function redeliveryCheck(deps: LabBCheckDeps): Check {
  return {
    id: 'redelivery',
    timeoutMs: 45_000,
    async run(ctx) {
      const workQ = named(deps, QUEUES.notification);
      const running = instancesOf(ctx, 'notification').filter((i) => i.state === 'running');
      if (running.length < 2)
        return outcome(
          'SKIP',
          `Needs two running notification instances on ${workQ} (running: ${running.map((i) => i.instance).join(', ') || 'none'}).`,
          {},
          [],
        );
      const [victim, ...others] = running as [(typeof running)[number], ...typeof running];
      const survivors = others.map((i) => i.instance);
      const all = running.map((i) => i.instance);
      return withProbe(ctx, async (probe) => {
        const evidence: Evidence[] = [];
        const t0 = Date.now();
        const hold = await holdConsumers(deps.databaseUrl(ctx), TABLES.seen);
        const changes = Array.from({ length: CHANGES }, probeChange);
        const ids = new Set(changes.map((c) => c.event_id));
        let held: string[] = [];
        let before: QueueState | undefined;
        let after: QueueState | undefined;
        try {
          ctx.progress(
            `publishing ${CHANGES} vacation changes while the consumers’ work waits${hold ? ' (a lock on the seen-store)' : ''}`,
          );
          for (const c of changes)
            await probe.publishJson(named(deps, EXCHANGES.vacation), ROUTING_KEYS.vacationStatusChanged, c);
          const deliveredTo = (instance: string) =>
            linesOfType(ctx, [instance], 'delivered', t0)
              .filter((s) => ids.has(s.line.event_id ?? ''))
              .map((s) => s.line.event_id!);
          const notifiedBy = (instance: string) =>
            new Set(
              linesOfType(ctx, [instance], 'notification_sent', t0)
                .filter((s) => ids.has(s.line.event_id))
                .map((s) => s.line.event_id),
            );
          // every change in an instance's hands (the broker pushed them all: prefetch), some in the victim's
          await until(
            ctx,
            () => {
              const got = new Set(all.flatMap(deliveredTo));
              return got.size === CHANGES && deliveredTo(victim.instance).length > 0 ? true : undefined;
            },
            5000,
          );
          const done = notifiedBy(victim.instance);
          held = [...new Set(deliveredTo(victim.instance))].filter((id) => !done.has(id));
          before = await probe.queue(workQ);
          ctx.progress(`SIGKILL to ${victim.instance} holding ${plural(held.length, 'message')}`, 0.4);
          await ctx.services.kill(victim.instance);
          // the broker sees the instance go: its consumer leaves the queue (and what it held is requeued)
          after = await until(
            ctx,
            async () => {
              const q = await probe.queue(workQ);
              return q !== undefined && q.consumers <= (before?.consumers ?? all.length) - 1 ? q : undefined;
            },
            5000,
          );
        } finally {
          await hold?.release();
        }
        evidence.push(
          queueEvidence(
            workQ,
            `before the kill: ${describeQueue(before)}; ${victim.instance} held ${plural(held.length, 'change')} unacked${hold ? ' (its work waiting on a lock of the seen-store)' : ''}`,
          ),
          queueEvidence(workQ, `after the kill: ${describeQueue(after)}`),
        );
        if (held.length === 0) {
          await ctx.services.start(victim.instance, victim.brokenMode);
          return outcome(
            'SKIP',
            `${victim.instance} held no unacked message when it was killed (its work did not wait), so nothing could be redelivered: set a work delay (EVENTSCOPE_LAB_B_WORK_DELAY_MS) and run again.`,
            { changes: CHANGES, held: 0 },
            evidence,
          );
        }

        ctx.progress('waiting for the other instance', 0.6);
        const sentLines = () => linesOfType(ctx, all, 'notification_sent', t0).filter((s) => ids.has(s.line.event_id));
        // done when every change is notified, or when nothing is left anywhere for a while (what is lost stays lost)
        let quietSince: number | undefined;
        await until(
          ctx,
          async () => {
            const notified = new Set(sentLines().map((s) => s.line.event_id));
            if (notified.size === CHANGES) return true;
            const q = await probe.queue(workQ);
            const quiet = q?.messages === 0 && survivors.every((s) => settled(ctx, s, workQ, t0));
            if (!quiet) quietSince = undefined;
            else if (quietSince === undefined) quietSince = Date.now();
            else if (Date.now() - quietSince >= 1000) return true;
            return undefined;
          },
          15_000,
        );

        const sent = sentLines();
        const redeliveredTo = linesOfType(ctx, survivors, 'delivered', t0).filter((s) => s.line.redelivered);
        let lost = 0;
        let notRedelivered = 0;
        let duplicated = 0;
        let redelivered = 0;
        for (const id of held) {
          const again = redeliveredTo.find((s) => s.line.event_id === id);
          const by = sent.filter((s) => s.line.event_id === id);
          if (again !== undefined) redelivered++;
          if (by.length === 0) {
            lost++;
            const got = linesOf(ctx, victim.instance, t0).find(
              (s) => s.line.type === 'delivered' && s.line.event_id === id,
            );
            const auto = linesOf(ctx, victim.instance, t0).some(
              (s) => s.line.type === 'acked' && s.line.event_id === id && s.line.auto,
            );
            evidence.push(
              got !== undefined
                ? logEvidence(
                    got,
                    `change ${short(id)} delivered to ${victim.instance}${auto ? ' and acked at once (auto-ack)' : ''}, never notified by anyone: lost with the killed instance`,
                  )
                : queueEvidence(workQ, `change ${short(id)}: never notified`),
            );
          } else if (again === undefined) {
            notRedelivered++;
            evidence.push(
              logEvidence(
                by[0]!,
                `change ${short(id)} held by ${victim.instance} was notified without a redelivered delivery`,
              ),
            );
          } else if (by.length > 1) {
            duplicated++;
            evidence.push(
              logEvidence(
                by[1]!,
                `change ${short(id)} notified ${by.length} times (${by.map((s) => s.instance).join(', ')})`,
              ),
            );
          } else
            evidence.push(
              logEvidence(
                again,
                `change ${short(id)} held by ${victim.instance}: redelivered to ${again.instance} (redelivered set), notified once`,
              ),
            );
        }
        // the changes the victim did not hold: notified once too
        const others2 = changes.map((c) => c.event_id).filter((id) => !held.includes(id));
        const missingOthers = others2.filter((id) => !sent.some((s) => s.line.event_id === id)).length;
        const dupOthers = others2.filter((id) => sent.filter((s) => s.line.event_id === id).length > 1).length;
        ctx.progress(`starting ${victim.instance} again`, 0.9);
        await ctx.services.start(victim.instance, victim.brokenMode);
        // left as found: the queue has its consumers back before the check ends
        const back = await until(
          ctx,
          async () => {
            const q = await probe.queue(workQ);
            return q !== undefined && q.consumers >= (before?.consumers ?? all.length) ? q : undefined;
          },
          20_000,
          200,
        );
        evidence.push(
          queueEvidence(
            workQ,
            back === undefined
              ? `${victim.instance} started again, not consuming yet: ${describeQueue(await probe.queue(workQ))}`
              : `${victim.instance} started again: ${describeQueue(back)}`,
          ),
        );
        const counts = {
          changes: CHANGES,
          held: held.length,
          redelivered,
          lost: lost + missingOthers,
          duplicated: duplicated + dupOthers,
          notRedelivered,
        };
        if (counts.lost + counts.duplicated + notRedelivered > 0) {
          const parts = [
            counts.lost > 0 ? `${plural(counts.lost, 'change')} never notified (lost)` : '',
            counts.duplicated > 0 ? `${plural(counts.duplicated, 'change')} notified more than once` : '',
            notRedelivered > 0 ? `${plural(notRedelivered, 'change')} not redelivered` : '',
          ].filter((p) => p !== '');
          return outcome(
            'FAIL',
            `${victim.instance} was killed holding ${plural(held.length, 'unacked message')}: ${parts.join(', ')}.`,
            counts,
            evidence,
          );
        }
        return outcome(
          'PASS',
          `${victim.instance} was killed holding ${plural(held.length, 'unacked message')}: all came again to ${survivors.join(', ')} with redelivered set and each of ${CHANGES} changes was notified once.`,
          counts,
          evidence,
        );
      });
    },
  };
}

export function poisonCheck(deps: LabBCheckDeps): Check {
  return {
    id: 'poison',
    timeoutMs: 20_000,
    async run(ctx) {
      const exchange = named(deps, EXCHANGES.vacation);
      const dead = named(deps, QUEUES.dead);
      const consumerOf: Record<string, string[]> = {
        [named(deps, QUEUES.notification)]: instancesOf(ctx, 'notification').map((i) => i.instance),
        [named(deps, QUEUES.reportsVacation)]: instancesOf(ctx, 'reports').map((i) => i.instance),
      };
      return withProbe(ctx, async (probe) => {
        const queues: string[] = [];
        for (const q of Object.keys(consumerOf)) if (((await probe.queue(q))?.consumers ?? 0) > 0) queues.push(q);
        if (queues.length === 0)
          return outcome(
            'SKIP',
            `Nobody consumes the queues of ${exchange}: start notification and reports first.`,
            {},
            [],
          );
        const instances = queues.flatMap((q) => consumerOf[q] ?? []);
        const t0 = Date.now();
        const poisonId = `eventscope-poison-${randomUUID()}`;
        ctx.progress(`publishing a message that is not JSON to ${exchange}, then a good one`);
        await probe.publish(exchange, ROUTING_KEYS.vacationStatusChanged, 'this is not JSON {', {
          messageId: poisonId,
        });
        const good = probeChange();
        await probe.publishJson(exchange, ROUTING_KEYS.vacationStatusChanged, good);
        const found = new Map<string, { reason: string; code: string; consumer: string }>();
        const header = (h: Record<string, unknown> | undefined, k: string) =>
          typeof h?.[k] === 'string' ? h[k] : Buffer.isBuffer(h?.[k]) ? h[k].toString() : '';
        const requeuedIn = (q: string) =>
          linesOfType(ctx, instances, 'requeued', t0).filter((s) => s.line.queue === q && s.line.event_id === poisonId);
        const goodHandled = (q: string) =>
          instances.some((i) =>
            linesOf(ctx, i, t0).some(
              (s) => s.line.type === 'acked' && s.line.queue === q && s.line.event_id === good.event_id,
            ),
          );
        ctx.progress(`reading ${dead}`, 0.3);
        await until(
          ctx,
          async () => {
            for (const m of await probe.take(dead, (x) => x.properties.messageId === poisonId)) {
              const h = m.properties.headers;
              found.set(header(h, DEAD_LETTER_HEADERS.queue), {
                reason: header(h, DEAD_LETTER_HEADERS.reason),
                code: header(h, DEAD_LETTER_HEADERS.code),
                consumer: header(h, DEAD_LETTER_HEADERS.consumer),
              });
            }
            // each queue's copy in lab-b.dead, or (a loop) requeued again and again; and the good one handled after it
            const decided = queues.every((q) => found.has(q) || requeuedIn(q).length >= 3);
            return decided && queues.every(goodHandled) ? true : undefined;
          },
          5000,
          150,
        );
        const evidence: Evidence[] = [];
        let deadLettered = 0;
        let looping = 0;
        let stuck = 0;
        for (const q of queues) {
          const f = found.get(q);
          if (f !== undefined) {
            deadLettered++;
            evidence.push(
              queueEvidence(
                dead,
                `the poison from ${q} (message ${short(poisonId.replace('eventscope-poison-', ''))}): ${DEAD_LETTER_HEADERS.reason} "${f.reason}" (${f.code}), by ${f.consumer}`,
              ),
            );
          } else {
            const loops = requeuedIn(q);
            if (loops.length > 0) looping++;
            evidence.push(
              loops.length > 0
                ? logEvidence(
                    loops[loops.length - 1]!,
                    `the poison from ${q} is not in ${dead}: requeued ${plural(loops.length, 'time')} ("${loops[0]!.line.reason}"), delivered again each time: it loops`,
                  )
                : queueEvidence(
                    q,
                    `the poison is not in ${dead} within the check’s wait, and nobody logged it as requeued`,
                  ),
            );
          }
          if (!goodHandled(q)) {
            stuck++;
            evidence.push(
              queueEvidence(
                q,
                `the good change ${short(good.event_id)} after the poison was not handled: the consumer stopped`,
              ),
            );
          } else
            evidence.push(
              queueEvidence(q, `the good change ${short(good.event_id)} after the poison was handled and acked`),
            );
        }
        const deadLines = linesOfType(ctx, instances, 'dead_lettered', t0).filter((s) => s.line.event_id === poisonId);
        for (const s of deadLines.slice(0, 2))
          evidence.push(
            logEvidence(s, `dead-lettered from ${s.line.queue} to ${s.line.dead_letter_exchange}: ${s.line.reason}`),
          );
        const counts = { queues: queues.length, deadLettered, looping, stuck };
        if (deadLettered < queues.length || stuck > 0)
          return outcome(
            'FAIL',
            `A message that is not JSON reached ${plural(queues.length, 'queue')}: ${deadLettered} of its copies in ${dead}${looping > 0 ? `, ${looping} looping (requeued again and again)` : ''}${stuck > 0 ? `; ${stuck} consumer${stuck === 1 ? '' : 's'} did not go on` : ''}.`,
            counts,
            evidence,
          );
        return outcome(
          'PASS',
          `A message that is not JSON ended in ${dead} with its reason from each of ${queues.join(', ')}, and the change after it was handled.`,
          counts,
          evidence,
        );
      });
    },
  };
}
