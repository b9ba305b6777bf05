// Lab B's routing checks: 1 (fan-out next to a work queue) and 5 (an unroutable publish is returned, not dropped).
//
// 1 logs in through auth (one succeeded, two failed logins) and publishes vacation status changes of its own to
// vacation.events, then reads the rows audit wrote (audit_events, security_failed_logins) and the notification
// instances' lines: each failed login in both tables, a succeeded one only in audit_events, each change notified by
// exactly one instance, and notification.vacation consumed by both (checkQueue).
//
// 5 takes the lab's bindings of auth.events away for a moment, proves with a mandatory probe publish that
// auth.login.failed routes nowhere (returned 312 NO_ROUTE), makes auth publish a failed login into that gap, puts
// the bindings back, and reads what auth said of that event: `returned` (PASS) or a publish nobody will hear of.
import { randomUUID } from 'node:crypto';
import {
  BINDINGS,
  EXCHANGES,
  QUEUES,
  ROUTING_KEYS,
  TABLES,
  type VacationStatusChanged,
} from '../../../../../services/lab-b/schema.js';
import type { Evidence } from '../../../contract/console-api.js';
import type { Check } from '../../types.js';
import {
  PROBE_USER,
  authDown,
  describeQueue,
  failedLogin,
  httpEvidence,
  instancesOf,
  isLogin,
  linesOf,
  linesOfType,
  logEvidence,
  login,
  named,
  outcome,
  plural,
  query,
  queueEvidence,
  register,
  settled,
  short,
  until,
  withProbe,
  type LabBCheckDeps,
  type Login,
} from './support.js';

/** A vacation status change of the check's own (a request nobody filed, from the probe user). */
export function probeChange(): VacationStatusChanged {
  return {
    event_id: randomUUID(),
    request_id: randomUUID(),
    user_id: PROBE_USER,
    from_status: null,
    to_status: 'submitted',
    at: new Date().toISOString(),
  };
}

const CHANGES = 6;

export function routingCheck(deps: LabBCheckDeps): Check {
  return {
    id: 'routing',
    timeoutMs: 30_000,
    async run(ctx) {
      const auditQ = named(deps, QUEUES.auditAuth);
      const securityQ = named(deps, QUEUES.failedLogins);
      const workQ = named(deps, QUEUES.notification);
      const t0 = Date.now();
      ctx.progress('logging in through auth: one succeeded, two failed logins');
      const user = await register(deps);
      if (user.answer.status !== 201) return authDown(user.answer);
      const logins: Login[] = [];
      for (const attempt of [
        () => login(deps, user.email, user.password),
        () => login(deps, user.email, 'not-the-password'),
        () => failedLogin(deps),
      ]) {
        const l = await attempt();
        if (!isLogin(l)) return authDown(l);
        logins.push(l);
      }
      const failed = logins.filter((l) => l.outcome === 'failed');
      const succeeded = logins.filter((l) => l.outcome === 'succeeded');
      const ids = logins.map((l) => l.eventId);
      const audits = instancesOf(ctx, 'audit').map((i) => i.instance);
      const notifiers = instancesOf(ctx, 'notification').map((i) => i.instance);

      return withProbe(ctx, async (probe) => {
        ctx.progress(`publishing ${CHANGES} vacation status changes to ${named(deps, EXCHANGES.vacation)}`, 0.3);
        const changes = Array.from({ length: CHANGES }, probeChange);
        const unroutable: string[] = [];
        for (const c of changes)
          if (
            (await probe.publishJson(named(deps, EXCHANGES.vacation), ROUTING_KEYS.vacationStatusChanged, c)) ===
            'returned'
          )
            unroutable.push(c.event_id);
        const sent = () => linesOfType(ctx, notifiers, 'notification_sent', t0);
        const readRows = async () => ({
          audit: await query<{ id: string; event_id: string; outcome: string }>(
            deps.databaseUrl(ctx),
            `SELECT id::text, event_id, outcome FROM ${TABLES.audit} WHERE event_id = ANY($1) ORDER BY id`,
            [ids],
          ),
          security: await query<{ id: string; event_id: string }>(
            deps.databaseUrl(ctx),
            `SELECT id::text, event_id FROM ${TABLES.failedLogins} WHERE event_id = ANY($1) ORDER BY id`,
            [ids],
          ),
        });
        ctx.progress('waiting for audit and the notification instances', 0.5);
        // done when every expected copy is handled and both audit queues are drained and settled: a copy routed where
        // it must not go (it was routed when auth's publish was confirmed) has then been handled too
        await until(
          ctx,
          async () => {
            const rows = await readRows();
            const have =
              ids.every((id) => rows.audit.some((r) => r.event_id === id)) &&
              failed.every((l) => rows.security.some((r) => r.event_id === l.eventId));
            const notified = changes.every((c) => sent().some((s) => s.line.event_id === c.event_id));
            const drained = [(await probe.queue(auditQ))?.messages, (await probe.queue(securityQ))?.messages].every(
              (n) => n === undefined || n === 0,
            );
            const calm = audits.every((a) => settled(ctx, a, auditQ, t0) && settled(ctx, a, securityQ, t0));
            return have && notified && drained && calm ? true : undefined;
          },
          10_000,
        );
        const rows = await readRows();
        const work = await probe.queue(workQ);
        const evidence: Evidence[] = [];
        const problems: string[] = [];

        // fan-out: a failed login in both queues, a succeeded one in audit.auth only
        let missingCopies = 0;
        let misrouted = 0;
        for (const l of logins) {
          const a = rows.audit.filter((r) => r.event_id === l.eventId);
          const s = rows.security.filter((r) => r.event_id === l.eventId);
          const where = `login ${short(l.eventId)} (${l.outcome}, ${l.email})`;
          if (a.length === 0) {
            missingCopies++;
            evidence.push({
              source: 'row',
              ref: `${TABLES.audit} (event ${l.eventId})`,
              detail: `${where}: no audit row: ${auditQ} did not get its copy`,
            });
          }
          if (l.outcome === 'failed' && s.length === 0) {
            missingCopies++;
            evidence.push({
              source: 'row',
              ref: `${TABLES.failedLogins} (event ${l.eventId})`,
              detail: `${where}: no row: ${securityQ} did not get its copy of auth.login.failed`,
            });
          }
          if (l.outcome === 'succeeded' && s.length > 0) {
            misrouted++;
            const line = audits
              .flatMap((i) => linesOf(ctx, i, t0))
              .find((x) => x.line.type === 'delivered' && x.line.queue === securityQ && x.line.event_id === l.eventId);
            evidence.push({
              source: 'row',
              ref: `${TABLES.failedLogins} #${s[0]!.id}`,
              detail: `${where}: a succeeded login reached ${securityQ} (routing key ${ROUTING_KEYS.loginSucceeded}): the queue is bound to more than ${ROUTING_KEYS.loginFailed}`,
            });
            if (line !== undefined)
              evidence.push(
                logEvidence(line, `audit got it from ${securityQ} with routing key ${ROUTING_KEYS.loginSucceeded}`),
              );
          }
          if (a.length > 0 && (l.outcome === 'succeeded' ? s.length === 0 : s.length > 0))
            evidence.push({
              source: 'row',
              ref: `${TABLES.audit} #${a[0]!.id}${s[0] ? `, ${TABLES.failedLogins} #${s[0].id}` : ''}`,
              detail:
                l.outcome === 'failed'
                  ? `${where}: one copy in ${auditQ} and one in ${securityQ} (fan-out)`
                  : `${where}: in ${auditQ} only`,
            });
        }
        if (missingCopies > 0) problems.push(`${plural(missingCopies, 'copy', 'copies')} of a login missing`);
        if (misrouted > 0) problems.push(`${plural(misrouted, 'succeeded login')} in ${securityQ}`);

        // the work queue: each change handled by exactly one instance, and both instances on the queue
        const byEvent = new Map<string, string[]>();
        for (const s of sent()) byEvent.set(s.line.event_id, [...(byEvent.get(s.line.event_id) ?? []), s.instance]);
        const perInstance = new Map<string, number>(notifiers.map((n) => [n, 0]));
        let lost = 0;
        let twice = 0;
        for (const c of changes) {
          const by = byEvent.get(c.event_id) ?? [];
          for (const i of by) perInstance.set(i, (perInstance.get(i) ?? 0) + 1);
          if (by.length === 0) {
            lost++;
            evidence.push(
              queueEvidence(
                workQ,
                `change ${short(c.event_id)} (request ${short(c.request_id)}): notified by no instance${unroutable.includes(c.event_id) ? ' (the broker returned it: no queue bound)' : ''}`,
              ),
            );
          } else if (by.length > 1) {
            twice++;
            evidence.push(
              queueEvidence(
                workQ,
                `change ${short(c.event_id)}: notified ${by.length} times (${by.join(', ')}): each instance got its own copy, not a share of one queue`,
              ),
            );
          }
        }
        if (lost > 0) problems.push(`${plural(lost, 'vacation change')} not notified`);
        if (twice > 0) problems.push(`${plural(twice, 'vacation change')} notified more than once`);
        const consumers = work?.consumers ?? 0;
        if (consumers < 2)
          problems.push(`${workQ} has ${plural(consumers, 'consumer')} (a work queue of two instances wants 2)`);
        const share = [...perInstance].map(([i, n]) => `${i} ${n}`).join(', ');
        evidence.push(
          queueEvidence(workQ, `${describeQueue(work)}; the ${CHANGES} changes notified: ${share || 'by none'}`),
        );

        const counts = {
          logins: logins.length,
          failedLogins: failed.length,
          succeededLogins: succeeded.length,
          auditRows: rows.audit.length,
          securityRows: rows.security.length,
          missing: missingCopies,
          misrouted,
          changes: CHANGES,
          lost,
          duplicated: twice,
          consumers,
        };
        if (problems.length > 0)
          return outcome('FAIL', `Routing is not as the lab wants it: ${problems.join('; ')}.`, counts, evidence);
        return outcome(
          'PASS',
          `Each failed login reached ${auditQ} and ${securityQ}, the succeeded one ${auditQ} only; each of ${CHANGES} vacation changes was notified by exactly one of ${consumers} consumers of ${workQ} (${share}).`,
          counts,
          evidence,
        );
      });
    },
  };
}

export function unroutableCheck(deps: LabBCheckDeps): Check {
  return {
    id: 'unroutable',
    timeoutMs: 20_000,
    async run(ctx) {
      const exchange = named(deps, EXCHANGES.auth);
      const key = ROUTING_KEYS.loginFailed;
      const bindings = BINDINGS.filter((b) => b.exchange === EXCHANGES.auth).map((b) => ({
        queue: named(deps, b.queue),
        pattern: b.pattern,
      }));
      const auths = instancesOf(ctx, 'auth').map((i) => i.instance);
      return withProbe(ctx, async (probe) => {
        const evidence: Evidence[] = [];
        ctx.progress(`taking the bindings of ${exchange} away for a moment`);
        const unbound: typeof bindings = [];
        let answer: Awaited<ReturnType<typeof failedLogin>> | undefined;
        let control: 'confirmed' | 'returned';
        const t1 = Date.now();
        try {
          for (const b of bindings) {
            await probe.unbind(b.queue, exchange, b.pattern).then(
              () => unbound.push(b),
              () => undefined, // the queue is not there: nothing to take away
            );
          }
          const controlId = `eventscope-control-${randomUUID()}`;
          control = await probe.publish(exchange, key, '{"control":true}', { messageId: controlId });
          if (control === 'returned') answer = await failedLogin(deps);
        } finally {
          for (const b of unbound) await probe.bind(b.queue, exchange, b.pattern).catch(() => undefined);
        }
        const gap = `${exchange} with routing key ${key}`;
        if (control === 'confirmed')
          return outcome(
            'SKIP',
            `Could not make ${gap} unroutable: with the lab’s bindings taken away a probe publish was still routed (another queue is bound for it).`,
            {},
            [queueEvidence(exchange, `a mandatory probe publish to ${key} was routed, not returned`)],
          );
        evidence.push(
          queueEvidence(
            exchange,
            `with ${plural(unbound.length, 'binding')} taken away, a mandatory probe publish to ${key} came back (NO_ROUTE): nothing was bound for it`,
          ),
        );
        if (answer === undefined || !isLogin(answer)) return authDown(answer ?? { status: 0, body: {} });
        const l = answer;
        evidence.push(httpEvidence('POST /auth/login', l.answer, `a failed login, event ${l.eventId}`));
        ctx.progress('reading what auth said of the login event', 0.6);
        const said = () =>
          auths
            .flatMap((i) => linesOf(ctx, i, t1))
            .filter(
              (s) =>
                (s.line.type === 'returned' || s.line.type === 'published' || s.line.type === 'publish_failed') &&
                s.line.event_id === l.eventId,
            );
        await until(ctx, () => (said().length > 0 ? true : undefined), 3000);
        const lines = said();
        const counts = { published: 1, returned: 0, dropped: 0 };
        const returned = lines.find((s) => s.line.type === 'returned');
        if (returned !== undefined && returned.line.type === 'returned') {
          counts.returned = 1;
          evidence.push(
            logEvidence(
              returned,
              `returned ${returned.line.reply_code} ${returned.line.reply_text}: reported, not lost`,
              l.eventId,
            ),
          );
          return outcome(
            'PASS',
            `A login event published to ${gap} while nothing was bound for it came back to auth (${returned.line.reply_code} ${returned.line.reply_text}) and auth reported it.`,
            counts,
            evidence,
          );
        }
        counts.dropped = 1;
        const published = lines.find((s) => s.line.type === 'published');
        if (published !== undefined && published.line.type === 'published') {
          evidence.push(
            logEvidence(
              published,
              `published with confirms ${published.line.confirmed ? 'on' : 'off'} and mandatory ${published.line.mandatory ? 'on' : 'off'}: the broker dropped it (no queue bound) and nobody heard of it`,
              l.eventId,
            ),
          );
          return outcome(
            'FAIL',
            `Login event ${short(l.eventId)} went to ${gap}, where no queue was bound, and was silently dropped: auth logged it as published (mandatory ${published.line.mandatory ? 'on' : 'off'}), no return.`,
            counts,
            evidence,
          );
        }
        if (auths.every((i) => linesOf(ctx, i).length === 0))
          return outcome(
            'SKIP',
            'auth writes no event lines the console can read, so whether it heard of the return cannot be seen.',
            {},
            evidence,
          );
        return outcome(
          'FAIL',
          `Login event ${short(l.eventId)} went to ${gap}, where no queue was bound, and auth said nothing of it: no return reported.`,
          counts,
          evidence,
        );
      });
    },
  };
}
