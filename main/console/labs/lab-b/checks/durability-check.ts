// Lab B check 3: messages in durable queues survive a broker restart.
//
// First what the broker says without a restart: each work queue of the lab declared again as durable with its
// dead-letter exchange (an equivalent declaration is accepted; a queue declared non-durable is refused with 406 naming
// `durable`), and a copy of a login auth publishes (a probe queue of the check's own bound to auth.events) read for
// its delivery mode (2: persistent). A non-durable queue or a transient message is lost by any restart: FAIL.
//
// Then the restart, only of a broker the stack may restart (ctx.stack.stop refuses a node Eventscope did not start:
// the machine's shared RabbitMQ is never stopped). The consumers' work is held (a lock on the seen-store, as a slow
// database would), auth publishes failed logins (audit.auth, security.failed-logins) and registrations
// (user_registered), and the consumers hold them unacked. Then the stop: refused, the work goes on and the check says
// why (SKIP when the declarations were right). Allowed, the broker starts again and what it kept comes back to the
// reconnected consumers, `redelivered` set: every held message of a durable queue must; a queue the restart deleted
// gives nothing back. user_registered, not durable as the seed declares it, is a finding with what it lost.
import { EXCHANGES, QUEUES, TABLES } from '../../../../../services/lab-b/schema.js';
import type { Evidence } from '../../../contract/console-api.js';
import type { Check, CheckContext } from '../../types.js';
import {
  describeQueue,
  failedLogin,
  holdConsumers,
  instancesOf,
  isLogin,
  linesOf,
  named,
  outcome,
  plural,
  queueEvidence,
  register,
  until,
  withProbe,
  type LabBCheckDeps,
  type Probe,
  type QueueState,
} from './support.js';

/** The work queues the lab declares durable with its dead-letter exchange. */
const WORK_QUEUES = [
  QUEUES.auditAuth,
  QUEUES.failedLogins,
  QUEUES.notification,
  QUEUES.vacationUsers,
  QUEUES.reportsAuth,
  QUEUES.reportsVacation,
] as const;

/** How many failed logins (each in audit.auth and security.failed-logins) and registrations wait through the restart. */
const LOGINS = 3;
const REGISTRATIONS = 2;

interface Declarations {
  evidence: Evidence[];
  nonDurable: string[];
  missing: string[];
  transient: boolean | undefined;
  seedQueue: { state: QueueState | undefined; durable: boolean | undefined };
}

async function declarations(ctx: CheckContext, deps: LabBCheckDeps, probe: Probe): Promise<Declarations> {
  const evidence: Evidence[] = [];
  const nonDurable: string[] = [];
  const missing: string[] = [];
  const dlx = named(deps, EXCHANGES.deadLetter);
  const wanted = [
    ...WORK_QUEUES.map((q) => ({ q: named(deps, q), args: { 'x-dead-letter-exchange': dlx } })),
    { q: named(deps, QUEUES.dead), args: undefined },
  ];
  for (const { q, args } of wanted) {
    const state = await probe.queue(q);
    if (state === undefined) {
      missing.push(q);
      evidence.push(queueEvidence(q, 'not on the broker (its consumer has not declared it): not judged'));
      continue;
    }
    const r = await probe.declaredAs(q, { durable: true, ...(args ? { arguments: args } : {}) });
    if (r.ok) evidence.push(queueEvidence(q, `durable (${describeQueue(state)})`));
    else if (/durable/.test(r.text)) {
      nonDurable.push(q);
      evidence.push(
        queueEvidence(
          q,
          `NOT durable: the broker refused a durable declaration (${r.text}); a restart deletes it with its ${plural(state.messages, 'message')}`,
        ),
      );
    } else evidence.push(queueEvidence(q, `declared otherwise than the lab declares it: ${r.text}`));
  }
  // the seed's queue: a finding, not a failure
  const seedName = named(deps, QUEUES.userRegistered);
  const seedState = await probe.queue(seedName);
  let seedDurable: boolean | undefined;
  if (seedState !== undefined) {
    const r = await probe.declaredAs(seedName, { durable: true });
    seedDurable = r.ok ? true : /durable/.test(r.text) ? false : undefined;
    evidence.push(
      queueEvidence(
        seedName,
        seedDurable === false
          ? `finding (does not fail the check): not durable, as the seed declares it: a restart deletes it with what it holds (now ${plural(seedState.messages, 'message')})`
          : `declared ${seedDurable ? 'durable' : 'otherwise'} (the seed declares it non-durable)`,
      ),
    );
  }
  // a message as auth publishes it: its delivery mode
  let transient: boolean | undefined;
  const tap = await probe.tap(named(deps, EXCHANGES.auth), 'auth.login.#');
  const l = await failedLogin(deps);
  if (isLogin(l)) {
    const copy = await until(ctx, async () => (await probe.getOne(tap)) ?? undefined, 3000);
    if (copy !== undefined) {
      const mode = copy.properties.deliveryMode as number | undefined;
      transient = mode !== 2;
      evidence.push({
        source: 'queue',
        ref: named(deps, EXCHANGES.auth),
        detail: transient
          ? `auth publishes transient messages (delivery mode ${mode ?? 'unset'}): a restart loses them even in a durable queue`
          : 'auth publishes persistent messages (delivery mode 2)',
        entity: l.eventId,
      });
    }
  } else
    evidence.push({ source: 'http', ref: 'POST /auth/login', detail: 'auth did not answer: its messages not probed' });
  return { evidence, nonDurable, missing, transient, seedQueue: { state: seedState, durable: seedDurable } };
}

export function durabilityCheck(deps: LabBCheckDeps): Check {
  return {
    id: 'durability',
    timeoutMs: 90_000,
    async run(ctx) {
      const found = await withProbe(ctx, (p) => declarations(ctx, deps, p));
      const counts: Record<string, number> = {
        queues: WORK_QUEUES.length + 1 - found.missing.length,
        nonDurable: found.nonDurable.length,
        transient: found.transient ? 1 : 0,
      };
      const evidence = [...found.evidence];
      const declaredWrong = found.nonDurable.length > 0 || found.transient === true;
      const wrongSummary = [
        found.nonDurable.length > 0
          ? `${plural(found.nonDurable.length, 'queue')} not durable (${found.nonDurable.join(', ')})`
          : '',
        found.transient ? 'auth’s messages transient' : '',
      ]
        .filter((s) => s !== '')
        .join(' and ');

      ctx.progress('holding the consumers’ work; messages wait in their queues', 0.3);
      const restart = await restartHolding(ctx, deps);
      evidence.push(...restart.evidence);
      if (restart.refused !== undefined) {
        const why = restart.refused;
        if (declaredWrong)
          return outcome(
            'FAIL',
            `${wrongSummary}: what sits in them does not survive a broker restart (seen in the declarations; the restart itself was not done: ${why}).`,
            counts,
            evidence,
          );
        return outcome(
          'SKIP',
          `The lab’s queues are durable and auth’s messages persistent, but the restart itself was not done: ${why}. Run it against Eventscope’s own RabbitMQ node to see them survive one.`,
          counts,
          evidence,
        );
      }
      Object.assign(counts, restart.counts);
      const lost = restart.counts.lost;
      if (!declaredWrong && restart.counts.held === 0)
        return outcome(
          'SKIP',
          'The broker restarted, but no consumer held a message of the lab’s durable queues at the time (is audit running?): nothing to judge by.',
          counts,
          evidence,
        );
      if (declaredWrong || lost > 0)
        return outcome(
          'FAIL',
          `${[wrongSummary, lost > 0 ? `${plural(lost, 'message')} lost by the restart` : ''].filter((s) => s !== '').join('; ')}.`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `The broker restarted with ${plural(restart.counts.held, 'message')} held in the lab’s durable queues; all came back (redelivered).`,
        counts,
        evidence,
      );
    },
  };
}

interface Restart {
  /** why the stack did not restart the broker */
  refused?: string;
  evidence: Evidence[];
  counts: { held: number; back: number; lost: number; seedHeld: number; seedLost: number };
}

/** The restart with messages held by the consumers (their work waiting on a lock of the seen-store). */
async function restartHolding(ctx: CheckContext, deps: LabBCheckDeps): Promise<Restart> {
  const evidence: Evidence[] = [];
  const counts = { held: 0, back: 0, lost: 0, seedHeld: 0, seedLost: 0 };
  const audits = instancesOf(ctx, 'audit').map((i) => i.instance);
  const users = instancesOf(ctx, 'users').map((i) => i.instance);
  const held = [named(deps, QUEUES.auditAuth), named(deps, QUEUES.failedLogins)];
  const seedQ = named(deps, QUEUES.userRegistered);
  const hold = await holdConsumers(deps.databaseUrl(ctx), TABLES.seen);
  if (hold === undefined)
    return {
      refused: 'the consumers’ work could not be held (no seen-store table to lock), so no message would wait',
      evidence,
      counts,
    };
  const t0 = Date.now();
  /** event ids delivered from `queue` to `instances` since `since` (redelivered ones only, when asked) */
  const deliveredFrom = (instances: string[], queue: string, since: number, redelivered: boolean) =>
    new Set(
      instances.flatMap((i) =>
        linesOf(ctx, i, since).flatMap((s) =>
          s.line.type === 'delivered' && s.line.queue === queue && (!redelivered || s.line.redelivered)
            ? [s.line.event_id ?? '']
            : [],
        ),
      ),
    );
  try {
    const logins: string[] = [];
    for (let n = 0; n < LOGINS; n++) {
      const l = await failedLogin(deps);
      if (isLogin(l)) logins.push(l.eventId);
    }
    let registered = 0;
    for (let n = 0; n < REGISTRATIONS; n++) if ((await register(deps)).answer.status === 201) registered++;
    // the consumers have them in hand (the broker pushed them: prefetch), unacked
    await until(
      ctx,
      () =>
        held.every((q) => logins.every((id) => deliveredFrom(audits, q, t0, false).has(id))) &&
        deliveredFrom(users, seedQ, t0, false).size >= registered
          ? true
          : undefined,
      5000,
    );
    const heldBy = held.map((q) => logins.filter((id) => deliveredFrom(audits, q, t0, false).has(id)));
    counts.seedHeld = deliveredFrom(users, seedQ, t0, false).size;
    evidence.push({
      source: 'http',
      ref: 'POST /auth/login, /auth/register',
      detail: `${plural(logins.length, 'failed login')} and ${plural(registered, 'registration')} published while the consumers’ work waited`,
    });
    ctx.progress('asking the stack to restart RabbitMQ', 0.5);
    try {
      await ctx.stack.stop('rabbitmq');
    } catch (err) {
      const why = (err as Error).message;
      evidence.push({ source: 'queue', ref: 'broker', detail: `no restart: ${why}` });
      return { refused: why, evidence, counts };
    }
    const tStop = Date.now();
    await ctx.stack.start('rabbitmq');
    evidence.push({
      source: 'queue',
      ref: 'broker',
      detail: `stopped and started by the stack (${((Date.now() - tStop) / 1000).toFixed(1)} s) with the messages in hand`,
    });
    ctx.progress('waiting for what the broker kept to come back', 0.7);
    // done when every held message came again, or when the consumers consume again and nothing more comes
    const consuming = (instances: string[], queue: string) =>
      instances.some((i) =>
        linesOf(ctx, i, tStop).some(
          (s) => s.line.type === 'lifecycle' && s.line.state === 'consuming' && s.line.queue === queue,
        ),
      );
    let quietSince: number | undefined;
    let lastCount = -1;
    await until(
      ctx,
      () => {
        const back = held.map((q, i) => heldBy[i]!.filter((id) => deliveredFrom(audits, q, tStop, true).has(id)));
        const n = back.reduce((a, b) => a + b.length, 0);
        if (back.every((b, i) => b.length === heldBy[i]!.length)) return true;
        const up = held.every((q) => consuming(audits, q)) && consuming(users, seedQ);
        if (!up || n !== lastCount) quietSince = undefined;
        else quietSince ??= Date.now();
        lastCount = n;
        return quietSince !== undefined && Date.now() - quietSince >= 1500 ? true : undefined;
      },
      40_000,
      200,
    );
    held.forEach((q, i) => {
      const mine = heldBy[i]!;
      const back = mine.filter((id) => deliveredFrom(audits, q, tStop, true).has(id)).length;
      counts.held += mine.length;
      counts.back += back;
      counts.lost += mine.length - back;
      evidence.push(
        queueEvidence(
          q,
          `${mine.length} held unacked at the restart, ${back} redelivered after it${back < mine.length ? `: ${mine.length - back} lost` : ''}`,
        ),
      );
    });
    const seedBack = deliveredFrom(users, seedQ, tStop, true).size;
    counts.seedLost = Math.max(0, counts.seedHeld - seedBack);
    evidence.push(
      queueEvidence(
        seedQ,
        `finding (does not fail the check): ${counts.seedHeld} held at the restart, ${seedBack} redelivered after it (not durable, as the seed declares it: ${counts.seedLost} lost)`,
      ),
    );
    return { evidence, counts };
  } finally {
    await hold.release();
  }
}
