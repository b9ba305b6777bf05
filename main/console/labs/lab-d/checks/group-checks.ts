// Lab D's invariants about the notifiers' group, judged on the group's members and assignment (describeGroups) and its
// committed offsets first, the consumers' log lines second: 2 of 3 active and a takeover that loses nothing (5), resume
// after all were stopped (6), and a graceful shutdown that hands the partition over well under the session timeout (9).
import type { Evidence, ServiceInstance } from '../../../contract/console-api.js';
import type { Check, CheckContext } from '../../types.js';
import {
  NO_PROCESSING_NOTE,
  canSeeProcessing,
  committedOffsets,
  consumerInstances,
  createOrder,
  describeGroup,
  describeMember,
  endOffsets,
  lagOf,
  lomsCall,
  outcome,
  plural,
  processedBy,
  readTopic,
  recordEvidence,
  sumOf,
  until,
  type LabDCheckDeps,
  type Member,
  type OrderRecord,
  type Processed,
} from './support.js';

/** The console's instance a member is: our notifiers' client id is `notifier-<instance>`; else by its assignment. */
function instanceOf(ctx: CheckContext, topic: string, m: Member): string | undefined {
  const instances = ctx.services.list().filter((i) => i.kind === 'notifier');
  const byClient = instances.find((i) => m.clientId === `notifier-${i.instance}` || m.clientId === i.instance);
  if (byClient) return byClient.instance;
  const same = instances.filter(
    (i) =>
      i.state === 'running' &&
      JSON.stringify([...(i.assignment?.[topic] ?? [])].sort()) === JSON.stringify(m.partitions),
  );
  return same.length === 1 ? same[0]!.instance : undefined;
}

const groupEvidence = (ctx: CheckContext, group: string, topic: string, members: Member[]): Evidence[] =>
  members.map((m) => ({
    source: 'group' as const,
    ref: `${group} ${describeMember(m)}`,
    detail: `${instanceOf(ctx, topic, m) ?? m.host}: ${m.partitions.length > 0 ? `owns ${m.partitions.map((p) => `p${p}`).join(', ')}` : 'idle (no partition)'}`,
  }));

/** How long the group must look the same before a check acts on it: longer than a heartbeat, so a rebalance one
 *  member has started (a restarted instance joining, a killed one's session still open) has been seen by all. */
const SETTLE_MS = 2_500;

/**
 * Why the group is not settled yet (undefined when it is): Stable, every partition owned, each running console
 * notifier in it exactly once (a second member with the same client id is a killed instance whose session has not
 * expired yet) and, where the console read the instance's assignment from its lines, owning what the group says.
 */
function unsettled(ctx: CheckContext, topic: string, partitions: number, g: Awaited<ReturnType<typeof describeGroup>>) {
  if (g.state !== 'Stable') return `the group is ${g.state}`;
  const owned = new Set(g.members.flatMap((m) => m.partitions));
  if (owned.size !== partitions) return `${owned.size} of ${partitions} partitions owned`;
  const running = ctx.services.list().filter((i) => i.kind === 'notifier' && i.state === 'running');
  for (const i of running) {
    const ms = g.members.filter((m) => instanceOf(ctx, topic, m) === i.instance);
    if (ms.length !== 1)
      return `${i.instance} is ${ms.length === 0 ? 'not in the group yet' : `in it ${ms.length} times`}`;
    const logged = i.assignment?.[topic];
    if (logged !== undefined && JSON.stringify([...logged].sort()) !== JSON.stringify(ms[0]!.partitions))
      return `${i.instance} has not confirmed its assignment yet`;
  }
  return undefined;
}

/**
 * Starts the console's notifiers that are not running (in the mode they last ran in) and waits until the group is
 * settled with at least `want` members (see `unsettled`) and has stayed the same for SETTLE_MS.
 */
async function ensureGroup(ctx: CheckContext, deps: LabDCheckDeps, want: number, timeoutMs = 45_000) {
  const { settings } = deps;
  const notRunning = ctx.services.list().filter((i) => i.kind === 'notifier' && i.state !== 'running');
  for (const i of notRunning) await ctx.services.start(i.instance, i.brokenMode);
  if (notRunning.length > 0)
    ctx.progress(`started ${notRunning.map((i) => i.instance).join(', ')}; waiting for the group`);
  const partitions = (await endOffsets(ctx, settings.topic)).size;
  let since: { shape: string; at: number } | undefined;
  let lastWhy: string | undefined;
  return until(
    ctx,
    async () => {
      const g = await describeGroup(ctx, settings);
      const why =
        g.members.length < want
          ? `${g.members.length} of ${want} members`
          : unsettled(ctx, settings.topic, partitions, g);
      if (why !== undefined) {
        if (why !== lastWhy) ctx.progress(`waiting for the group: ${why}`);
        lastWhy = why;
        since = undefined;
        return undefined;
      }
      const shape = JSON.stringify(g.members.map((m) => [m.memberId, m.partitions]).sort());
      if (since?.shape !== shape) since = { shape, at: Date.now() };
      return Date.now() - since.at >= SETTLE_MS ? g : undefined;
    },
    timeoutMs,
    250,
  );
}

/** Creates `n` orders and pays every other one; the (order, status) pairs that must reach the topic. */
async function orderBurst(
  deps: LabDCheckDeps,
  n: number,
): Promise<{ ids: string[]; records: number; failures: string[] }> {
  const ids: string[] = [];
  const failures: string[] = [];
  let records = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const r = await createOrder(deps.settings);
      if (r.orderId === undefined) {
        failures.push(`create answered ${r.error ?? r.status}`);
        return;
      }
      ids.push(r.orderId);
      records += 2;
      if (i % 2 === 0) {
        const p = await lomsCall(deps.settings, 'POST', '/order/pay', { orderId: r.orderId });
        if (p.status === 200) records += 1;
        else failures.push(`pay ${r.orderId} answered ${p.error ?? p.status}`);
      }
    }),
  );
  return { ids, records, failures };
}

const pairOf = (r: { orderId: string | null; status: string | null }) => `${r.orderId}/${r.status}`;

/** The records of `events` no consumer logged (by order and status). */
function unprocessed(events: OrderRecord[], processed: Processed[]): OrderRecord[] {
  const seen = new Set(processed.map(pairOf));
  return events.filter((r) => !seen.has(pairOf(r)));
}

const restartNote = (i: ServiceInstance | undefined) => (i?.brokenMode ? ` (${i.brokenMode})` : '');

export function twoOfThreeActiveCheck(deps: LabDCheckDeps): Check {
  const { settings } = deps;
  return {
    id: 'two-of-three-active',
    timeoutMs: 120_000,
    async run(ctx) {
      const topic = settings.topic;
      const group = settings.group;
      if (consumerInstances(ctx).length === 0)
        return outcome('SKIP', 'the console runs no notifier instances to kill.', {}, []);
      ctx.progress('waiting for a stable group of 3');
      const g = await ensureGroup(ctx, deps, 3);
      const now = await describeGroup(ctx, settings);
      const members = (g ?? now).members;
      const evidence = groupEvidence(ctx, group, topic, members);
      const owners = members.filter((m) => m.partitions.length > 0);
      const idle = members.filter((m) => m.partitions.length === 0);
      const counts: Record<string, number> = { members: members.length, owners: owners.length, idle: idle.length };
      if (g === undefined || members.length !== 3 || owners.length !== 2)
        return outcome(
          'FAIL',
          `group ${group} has ${plural(members.length, 'member')} of which ${owners.length} own a partition (want 3 members, exactly 2 owning one).`,
          counts,
          evidence,
        );
      const seeing = canSeeProcessing(ctx, settings);
      const idleInstance = instanceOf(ctx, topic, idle[0]!);
      const victimMember = owners[0]!;
      const victim = instanceOf(ctx, topic, victimMember);
      if (victim === undefined)
        return outcome(
          'SKIP',
          `cannot tell which instance ${describeMember(victimMember)} is, so cannot kill it.`,
          counts,
          evidence,
        );
      const t0 = Date.now();
      const ends0 = await endOffsets(ctx, topic);
      ctx.progress('creating orders', 0.2);
      const burst = await orderBurst(deps, 10);
      const want = sumOf(ends0) + burst.records;
      const ends1 = await until(
        ctx,
        async () => {
          const e = await endOffsets(ctx, topic);
          return sumOf(e) >= want ? e : undefined;
        },
        20_000,
      );
      if (ends1 === undefined)
        return outcome(
          'ERROR',
          `the ${burst.records} records of the check's orders did not reach ${topic} within 20 s.`,
          counts,
          evidence,
        );
      // the victim has taken its records (its group's commits reach the end of its partitions), then dies
      await until(
        ctx,
        async () => {
          const c = await committedOffsets(ctx, settings);
          return victimMember.partitions.every((p) => (c.get(p) ?? -1) >= (ends1.get(p) ?? 0)) ? true : undefined;
        },
        20_000,
      );
      const idleLogged = idleInstance === undefined ? [] : processedBy(ctx, settings, idleInstance, t0);
      ctx.progress(`killing ${victim}`, 0.4);
      const victimState = ctx.services.list().find((i) => i.instance === victim);
      const tKill = Date.now();
      await ctx.services.kill(victim);
      const takeover = await until(
        ctx,
        async () => {
          const d = await describeGroup(ctx, settings);
          const ok =
            d.state === 'Stable' &&
            victimMember.partitions.every((p) =>
              d.members.some((m) => m.memberId !== victimMember.memberId && m.partitions.includes(p)),
            );
          return ok ? d : undefined;
        },
        settings.sessionTimeoutMs + 30_000,
      );
      const takeoverMs = Date.now() - tKill;
      const after = await orderBurst(deps, 4);
      const ends2 = await until(
        ctx,
        async () => {
          const e = await endOffsets(ctx, topic);
          return sumOf(e) >= sumOf(ends1) + after.records ? e : undefined;
        },
        20_000,
      );
      const lagZero = await until(
        ctx,
        async () => {
          const c = await committedOffsets(ctx, settings);
          return lagOf(ends2 ?? ends1, c) <= 0 ? c : undefined;
        },
        30_000,
      );
      const { records } = await readTopic(ctx, settings, { from: ends0 });
      const events = records.filter((r) => r.kind === 'event');
      const union = () => consumerInstances(ctx).flatMap((i) => processedBy(ctx, settings, i, t0));
      let missing: OrderRecord[] = [];
      if (seeing) {
        await until(ctx, () => (unprocessed(events, union()).length === 0 ? true : undefined), 10_000);
        missing = unprocessed(events, union());
      }
      await ctx.services.start(victim, victimState?.brokenMode ?? null);
      counts.takeoverMs = takeoverMs;
      counts.records = events.length;
      counts.lost = missing.length;
      counts.idleProcessed = idleLogged.length;
      const ev: Evidence[] = [...evidence];
      if (takeover !== undefined)
        ev.push(
          ...groupEvidence(ctx, group, topic, takeover.members).map((e) => ({
            ...e,
            detail: `after the kill: ${e.detail}`,
          })),
        );
      for (const r of missing.slice(0, 20))
        ev.push(
          recordEvidence(
            topic,
            r,
            `order ${r.orderId} ${r.status}: committed by the group, logged by no notifier (${victim} was killed)`,
          ),
        );
      for (const p of idleLogged.slice(0, 5))
        ev.push({
          source: 'log',
          ref: `${p.instance} line ${p.line}`,
          detail: `the idle member logged order ${p.orderId} ${p.status} before the kill`,
          entity: p.orderId,
        });
      const problems = [
        takeover === undefined
          ? `nobody took ${victim}'s partitions within ${Math.round((settings.sessionTimeoutMs + 30_000) / 1000)} s`
          : '',
        lagZero === undefined ? 'the lag did not come back to 0 within 30 s' : '',
        missing.length > 0 ? `${plural(missing.length, 'event')} no notifier logged` : '',
        idleLogged.length > 0 ? `the idle member ${idleInstance} logged ${plural(idleLogged.length, 'event')}` : '',
      ].filter((p) => p !== '');
      const note = seeing ? '' : ` ${NO_PROCESSING_NOTE}.`;
      if (problems.length > 0)
        return outcome('FAIL', `after killing ${victim}: ${problems.join('; ')}.${note}`, counts, ev);
      return outcome(
        'PASS',
        `3 members, 2 owning a partition; ${victim} killed${restartNote(victimState)}, its partitions taken over in ${(takeoverMs / 1000).toFixed(1)} s; ${seeing ? `all ${events.length} events of the check logged` : 'lag back to 0'}.${note}`,
        counts,
        ev,
      );
    },
  };
}

/** committed-offset samples: when the group's commit first passed each offset */
function commitWatcher(ctx: CheckContext, deps: LabDCheckDeps) {
  const firstPast = new Map<string, number>();
  const last = new Map<number, number>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped && !ctx.signal.aborted) {
      const c = await committedOffsets(ctx, deps.settings).catch(() => undefined);
      const at = Date.now();
      if (c)
        for (const [p, o] of c) {
          const prev = last.get(p) ?? 0;
          for (let x = prev; x < o; x++) if (!firstPast.has(`${p}@${x}`)) firstPast.set(`${p}@${x}`, at);
          if (o > prev) last.set(p, o);
        }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    committedAt: (p: number, o: number) => firstPast.get(`${p}@${o}`),
    committed: () => new Map(last),
    async stop() {
      stopped = true;
      await loop;
    },
    seed(c: Map<number, number>) {
      for (const [p, o] of c) last.set(p, Math.max(0, o));
    },
  };
}

/** how much later than its commit a processed line may be read before it counts as processed after the commit */
const LATE_TOLERANCE_MS = 500;

export function resumeCheck(deps: LabDCheckDeps): Check {
  const { settings } = deps;
  return {
    id: 'resume',
    timeoutMs: 120_000,
    async run(ctx) {
      const topic = settings.topic;
      const instances = ctx.services.list().filter((i) => i.kind === 'notifier');
      if (instances.length === 0) return outcome('SKIP', 'the console runs no notifier instances to stop.', {}, []);
      ctx.progress('stopping every notifier');
      await Promise.all(instances.map((i) => ctx.services.stop(i.instance)));
      const empty = await until(
        ctx,
        async () => ((await describeGroup(ctx, settings)).members.length === 0 ? true : undefined),
        20_000,
      );
      if (empty === undefined)
        return outcome(
          'FAIL',
          `group ${settings.group} still has members after every notifier stopped (a member of another process?).`,
          {},
          groupEvidence(ctx, settings.group, topic, (await describeGroup(ctx, settings)).members),
        );
      const ends0 = await endOffsets(ctx, topic);
      ctx.progress('creating orders while no notifier runs', 0.2);
      const burst = await orderBurst(deps, 8);
      const ends1 = await until(
        ctx,
        async () => {
          const e = await endOffsets(ctx, topic);
          return sumOf(e) >= sumOf(ends0) + burst.records ? e : undefined;
        },
        20_000,
      );
      if (ends1 === undefined)
        return outcome(
          'ERROR',
          `the ${burst.records} records of the check's orders did not reach ${topic} within 20 s.`,
          {},
          [],
        );
      const lagBefore = lagOf(ends1, await committedOffsets(ctx, settings));
      const watcher = commitWatcher(ctx, deps);
      watcher.seed(await committedOffsets(ctx, settings));
      const t0 = Date.now();
      ctx.progress('starting the notifiers', 0.4);
      for (const i of instances) await ctx.services.start(i.instance, i.brokenMode);
      const lagZero = await until(ctx, () => (lagOf(ends1, watcher.committed()) <= 0 ? true : undefined), 60_000);
      const lagZeroAt = Date.now();
      const { records } = await readTopic(ctx, settings, { from: ends0 });
      const events = records.filter((r) => r.kind === 'event' && r.offset < (ends1.get(r.partition) ?? 0));
      const seeing = canSeeProcessing(ctx, settings);
      const union = () => instances.flatMap((i) => processedBy(ctx, settings, i.instance, t0));
      if (seeing) await until(ctx, () => (unprocessed(events, union()).length === 0 ? true : undefined), 10_000);
      await watcher.stop();
      const processed = seeing ? union() : [];
      const evidence: Evidence[] = [];
      let late = 0;
      let missing = 0;
      for (const r of events) {
        if (!seeing) break;
        const lines = processed.filter((p) => p.orderId === r.orderId && p.status === r.status);
        const committedAt = watcher.committedAt(r.partition, r.offset);
        if (lines.length === 0) {
          missing++;
          if (missing <= 20)
            evidence.push(
              recordEvidence(
                topic,
                r,
                `order ${r.orderId} ${r.status}: committed by the group, never logged as processed`,
              ),
            );
          continue;
        }
        const first = Math.min(...lines.map((l) => l.at));
        if (committedAt !== undefined && first > committedAt + LATE_TOLERANCE_MS) {
          late++;
          if (late <= 20)
            evidence.push(
              recordEvidence(
                topic,
                r,
                `order ${r.orderId} ${r.status}: committed at +${((committedAt - t0) / 1000).toFixed(1)} s, processed by ${lines[0]!.instance} at +${((first - t0) / 1000).toFixed(1)} s: committed before it was processed (a kill in between loses it)`,
              ),
            );
        }
      }
      const counts = {
        records: events.length,
        lagBefore,
        lost: missing,
        committedBeforeProcessed: late,
        resumeMs: lagZeroAt - t0,
      };
      const note = seeing ? '' : ` ${NO_PROCESSING_NOTE}.`;
      if (lagZero === undefined || missing + late > 0)
        return outcome(
          'FAIL',
          `after a restart of every notifier: ${[lagZero === undefined ? `the lag did not come back to 0 within 60 s (${lagOf(ends1, watcher.committed())} left)` : '', missing > 0 ? `${plural(missing, 'event')} never processed` : '', late > 0 ? `${plural(late, 'event')} committed before they were processed` : ''].filter((x) => x !== '').join('; ')}.${note}`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `${plural(events.length, 'event')} created while no notifier ran (lag ${lagBefore}) were ${seeing ? 'all processed, none committed before it was processed, and ' : ''}the lag was back to 0 ${((lagZeroAt - t0) / 1000).toFixed(1)} s after the start.${note}`,
        counts,
        evidence,
      );
    },
  };
}

export function gracefulShutdownCheck(deps: LabDCheckDeps): Check {
  const { settings } = deps;
  return {
    id: 'graceful-shutdown',
    timeoutMs: 120_000,
    async run(ctx) {
      const topic = settings.topic;
      const group = settings.group;
      if (consumerInstances(ctx).length === 0)
        return outcome('SKIP', 'the console runs no notifier instances to stop.', {}, []);
      ctx.progress('waiting for a stable group');
      const g = await ensureGroup(ctx, deps, 2);
      if (g === undefined) return outcome('SKIP', `group ${group} is not stable with every partition owned.`, {}, []);
      const victimMember = g.members.find((m) => m.partitions.length > 0 && instanceOf(ctx, topic, m) !== undefined);
      const victim = victimMember === undefined ? undefined : instanceOf(ctx, topic, victimMember);
      if (victimMember === undefined || victim === undefined)
        return outcome(
          'SKIP',
          'no active member is one of the console’s instances.',
          {},
          groupEvidence(ctx, group, topic, g.members),
        );
      const state = ctx.services.list().find((i) => i.instance === victim);
      const threshold = settings.sessionTimeoutMs / 2;
      ctx.progress(`SIGTERM to ${victim}`, 0.3);
      const t0 = Date.now();
      const stopping = ctx.services.stop(victim);
      const takeover = await until(
        ctx,
        async () => {
          const d = await describeGroup(ctx, settings);
          const ok =
            d.state === 'Stable' &&
            victimMember.partitions.every((p) =>
              d.members.some((m) => m.memberId !== victimMember.memberId && m.partitions.includes(p)),
            );
          return ok ? d : undefined;
        },
        settings.sessionTimeoutMs * 2 + 15_000,
        100,
      );
      const takeoverMs = Date.now() - t0;
      const stopped = await stopping;
      const lines = ctx.services.logs(victim).filter((l) => l.at >= t0);
      await ctx.services.start(victim, state?.brokenMode ?? null);
      const clean = stopped.state === 'stopped' && (stopped.exitCode === 0 || stopped.exitSignal === 'SIGTERM');
      const evidence: Evidence[] = [
        {
          source: 'group',
          ref: `${group} ${topic} ${victimMember.partitions.map((p) => `p${p}`).join(', ')}`,
          detail:
            takeover === undefined
              ? `nobody took ${victim}'s partitions within ${Math.round((settings.sessionTimeoutMs * 2 + 15_000) / 1000)} s`
              : `owned by another member ${(takeoverMs / 1000).toFixed(1)} s after the SIGTERM (session timeout ${(settings.sessionTimeoutMs / 1000).toFixed(1)} s)`,
        },
        {
          source: 'log',
          ref: victim,
          detail: `exit code ${stopped.exitCode ?? 'none'}${stopped.exitSignal ? `, signal ${stopped.exitSignal}` : ''}; its last lines: ${
            lines
              .slice(-3)
              .map((l) => l.text.slice(0, 120))
              .join(' | ') || '(none)'
          }`,
        },
      ];
      if (takeover) evidence.push(...groupEvidence(ctx, group, topic, takeover.members));
      const counts = { takeoverMs, sessionTimeoutMs: settings.sessionTimeoutMs, exitCode: stopped.exitCode ?? -1 };
      if (takeover === undefined || takeoverMs >= threshold || !clean)
        return outcome(
          'FAIL',
          `SIGTERM on ${victim}: ${takeover === undefined ? 'its partitions were not taken over' : `its partitions were taken over after ${(takeoverMs / 1000).toFixed(1)} s, not well under the session timeout (${(settings.sessionTimeoutMs / 1000).toFixed(1)} s; want < ${(threshold / 1000).toFixed(1)} s): it did not leave the group`}${clean ? '' : `; it did not exit cleanly (${stopped.state}, code ${stopped.exitCode ?? 'none'})`}.`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `SIGTERM on ${victim}: it left the group and exited cleanly; another member owned its partitions after ${(takeoverMs / 1000).toFixed(1)} s (session timeout ${(settings.sessionTimeoutMs / 1000).toFixed(1)} s).`,
        counts,
        evidence,
      );
    },
  };
}
