// Lab B check 3: messages in durable queues survive a broker restart.
//
// First what the broker says without a restart: each work queue of the lab declared again as durable with its
// dead-letter exchange (an equivalent declaration is accepted; a queue declared non-durable is refused with 406 naming
// `durable`), and a copy of a login auth publishes (a probe queue of the check's own bound to auth.events) read for
// its delivery mode (2: persistent). A non-durable queue or a transient message is lost by any restart: FAIL.
//
// Then the restart itself, only of a broker the stack may restart (ctx.stack.stop refuses a node Eventscope did not
// start: the machine's shared RabbitMQ is never stopped). The check first asks for a stop: refused, it says why and
// ends SKIP when the declarations were right. Allowed, it starts the broker again, waits for the services to come
// back, stops audit and users, makes auth publish failed logins (into audit.auth, security.failed-logins) and a
// registration (into user_registered), restarts the broker once more and reads the depths: what was in a durable
// queue must still be there. user_registered, not durable as the seed declares it, is a finding with what it lost.
import { EXCHANGES, QUEUES } from '../../../../../services/lab-b/schema.js';
import type { Evidence } from '../../../contract/console-api.js';
import type { Check, CheckContext } from '../../types.js';
import {
  describeQueue,
  failedLogin,
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

/** Where the restart part keeps messages: queues whose consumers it stops for the restart. */
const HELD = [QUEUES.auditAuth, QUEUES.failedLogins] as const;
const HELD_BY = ['audit', 'users'] as const;

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
          ? `finding (does not fail the check): not durable, as the seed declares it; it holds ${plural(seedState.messages, 'message')}, all lost by a restart`
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
    timeoutMs: 120_000,
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

      // the restart: only a broker the stack may restart
      ctx.progress('asking the stack to restart RabbitMQ', 0.3);
      try {
        await ctx.stack.stop('rabbitmq');
      } catch (err) {
        const why = (err as Error).message;
        evidence.push({ source: 'queue', ref: 'broker', detail: `no restart: ${why}` });
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
      await ctx.stack.start('rabbitmq');
      evidence.push({
        source: 'queue',
        ref: 'broker',
        detail: 'the stack may restart this RabbitMQ: stopped and started it once',
      });
      const restarted = await restartWithMessages(ctx, deps);
      evidence.push(...restarted.evidence);
      Object.assign(counts, restarted.counts);
      if (declaredWrong || restarted.counts.lost > 0)
        return outcome(
          'FAIL',
          `${[wrongSummary, restarted.counts.lost > 0 ? `${plural(restarted.counts.lost, 'message')} lost by the restart` : ''].filter((s) => s !== '').join('; ')}.`,
          counts,
          evidence,
        );
      return outcome(
        'PASS',
        `The broker restarted with ${plural(restarted.counts.before, 'message')} in the lab’s durable queues; all ${restarted.counts.after} were still there.`,
        counts,
        evidence,
      );
    },
  };
}

/** The restart with messages in the lab's queues: audit and users stopped, auth publishing, the broker restarted. */
async function restartWithMessages(
  ctx: CheckContext,
  deps: LabBCheckDeps,
): Promise<{ evidence: Evidence[]; counts: { before: number; after: number; lost: number; seedLost: number } }> {
  const evidence: Evidence[] = [];
  const stopped = HELD_BY.flatMap((k) => instancesOf(ctx, k)).filter((i) => i.state === 'running');
  const t0 = Date.now();
  // the services come back after the first restart (auth publishes again once it is connected)
  await until(
    ctx,
    async () =>
      (await withProbe(ctx, async (p) => (await p.queue(named(deps, QUEUES.auditAuth))) !== undefined)) || undefined,
    30_000,
    500,
  );
  ctx.progress(`stopping ${stopped.map((i) => i.instance).join(', ')} so that messages wait in their queues`, 0.45);
  for (const i of stopped) await ctx.services.stop(i.instance);
  const logins: string[] = [];
  for (let n = 0; n < 3; n++) {
    const l = await until(
      ctx,
      async () => {
        const x = await failedLogin(deps);
        return isLogin(x) ? x : undefined;
      },
      20_000,
      500,
    );
    if (l !== undefined) logins.push(l.eventId);
  }
  evidence.push({
    source: 'http',
    ref: 'POST /auth/login',
    detail: `${plural(logins.length, 'failed login')} published while audit was stopped`,
  });
  const reg = await register(deps);
  const held = [...HELD.map((q) => named(deps, q)), named(deps, QUEUES.userRegistered)];
  const before = await withProbe(ctx, async (p) => Promise.all(held.map((q) => p.queue(q))));
  ctx.progress('restarting RabbitMQ with messages in the queues', 0.6);
  await ctx.stack.stop('rabbitmq');
  await ctx.stack.start('rabbitmq');
  const after = await until(
    ctx,
    async () => withProbe(ctx, async (p) => Promise.all(held.map((q) => p.queue(q)))),
    30_000,
    500,
  );
  let lost = 0;
  let seedLost = 0;
  let total = 0;
  let kept = 0;
  held.forEach((q, i) => {
    const b = before[i]?.messages ?? 0;
    const a = after?.[i]?.messages ?? 0;
    const isSeed = q === named(deps, QUEUES.userRegistered);
    if (isSeed) {
      seedLost += Math.max(0, b - a);
      evidence.push(
        queueEvidence(
          q,
          `finding: ${b} before the restart, ${after?.[i] === undefined ? 'the queue is gone' : `${a} after`} (not durable, as the seed declares it)${reg.answer.status === 201 ? '' : '; the registration was refused'}`,
        ),
      );
      return;
    }
    total += b;
    kept += Math.min(a, b);
    if (a < b) lost += b - a;
    evidence.push(
      queueEvidence(
        q,
        `${b} before the restart, ${after?.[i] === undefined ? 'the queue is gone after it' : `${a} after it`}${a < b ? `: ${b - a} lost` : ''}`,
      ),
    );
  });
  for (const i of stopped) await ctx.services.start(i.instance, i.brokenMode);
  // left as found: audit consumes again before the check ends
  const back = await until(
    ctx,
    async () =>
      withProbe(ctx, async (p) =>
        ((await p.queue(named(deps, QUEUES.auditAuth)))?.consumers ?? 0) > 0 ? true : undefined,
      ),
    30_000,
    300,
  );
  evidence.push(
    queueEvidence(
      named(deps, QUEUES.auditAuth),
      back
        ? `${stopped.map((i) => i.instance).join(', ')} started again and consuming`
        : 'audit is not consuming again yet',
    ),
  );
  const reconnected = instancesOf(ctx, 'auth').some((a) =>
    linesOf(ctx, a.instance, t0).some((s) => s.line.type === 'lifecycle' && s.line.state === 'connected'),
  );
  if (reconnected) evidence.push({ source: 'log', ref: 'auth', detail: 'auth reconnected after the restart' });
  return { evidence, counts: { before: total, after: kept, lost, seedLost } };
}
