// Lab B check 2: audit rows match login outcomes one for one. The check logs in through auth (succeeded and failed
// logins; the event ids come with the answers), waits for audit, then publishes a second copy of one login event (the
// same event id and body, as a publisher's retry or a redelivery brings it) and reads audit_events: exactly one row
// per event id, with the outcome auth answered. A missing row, a second row or another outcome is a FAIL.
import { EXCHANGES, QUEUES, TABLES, type LoginEvent } from '../../../../../services/lab-b/schema.js';
import type { Evidence } from '../../../contract/console-api.js';
import type { Check } from '../../types.js';
import {
  authDown,
  failedLogin,
  instancesOf,
  isLogin,
  linesOf,
  login,
  named,
  outcome,
  plural,
  query,
  register,
  settled,
  short,
  until,
  withProbe,
  type LabBCheckDeps,
  type Login,
} from './support.js';

interface AuditRow {
  id: string;
  event_id: string;
  user_id: string | null;
  email: string;
  outcome: string;
  at: Date;
  redelivered: boolean;
}

export function auditCheck(deps: LabBCheckDeps): Check {
  return {
    id: 'audit-matches-logins',
    timeoutMs: 30_000,
    async run(ctx) {
      const auditQ = named(deps, QUEUES.auditAuth);
      const audits = instancesOf(ctx, 'audit').map((i) => i.instance);
      ctx.progress('logging in through auth: two succeeded, three failed logins');
      const user = await register(deps);
      if (user.answer.status !== 201) return authDown(user.answer);
      const logins: Login[] = [];
      for (const attempt of [
        () => login(deps, user.email, user.password),
        () => login(deps, user.email, 'not-the-password'),
        () => failedLogin(deps),
        () => login(deps, user.email, user.password),
        () => failedLogin(deps),
      ]) {
        const l = await attempt();
        if (!isLogin(l)) return authDown(l);
        logins.push(l);
      }
      const ids = logins.map((l) => l.eventId);
      const rowsOf = () =>
        query<AuditRow>(
          deps.databaseUrl(ctx),
          `SELECT id::text, event_id, user_id, email, outcome, at, redelivered FROM ${TABLES.audit}
            WHERE event_id = ANY($1) ORDER BY id`,
          [ids],
        );
      ctx.progress('waiting for audit', 0.3);
      const first = await until(
        ctx,
        async () => {
          const rows = await rowsOf();
          return ids.every((id) => rows.some((r) => r.event_id === id)) ? rows : undefined;
        },
        8000,
      );
      const evidence: Evidence[] = [];
      let copyOf: AuditRow | undefined;
      if (first !== undefined) {
        // the copy: the very event audit recorded, once more, with its event id as the message id
        copyOf = first.find((r) => r.outcome === 'failed') ?? first[0]!;
        const body: LoginEvent = {
          event_id: copyOf.event_id,
          user_id: copyOf.user_id,
          email: copyOf.email,
          outcome: copyOf.outcome === 'succeeded' ? 'succeeded' : 'failed',
          at: new Date(copyOf.at).toISOString(),
        };
        const t1 = Date.now();
        ctx.progress(`publishing a second copy of login event ${short(copyOf.event_id)}`, 0.5);
        await withProbe(ctx, (p) => p.publishJson(named(deps, EXCHANGES.auth), `auth.login.${body.outcome}`, body));
        const eventId = copyOf.event_id;
        await until(
          ctx,
          () =>
            audits.some((a) =>
              linesOf(ctx, a, t1).some(
                (s) => s.line.type === 'delivered' && s.line.queue === auditQ && s.line.event_id === eventId,
              ),
            ) && audits.every((a) => settled(ctx, a, auditQ, t1))
              ? true
              : undefined,
          8000,
        );
        const handled = audits
          .flatMap((a) => linesOf(ctx, a, t1))
          .find(
            (s) =>
              (s.line.type === 'duplicate' || s.line.type === 'acked') &&
              'queue' in s.line &&
              s.line.queue === auditQ &&
              s.line.event_id === eventId,
          );
        if (handled !== undefined)
          evidence.push({
            source: 'log',
            ref: `${handled.instance} line ${handled.n}`,
            detail:
              handled.line.type === 'duplicate'
                ? `the second copy of ${short(eventId)} was skipped as a duplicate (dedupe by event id)`
                : `the second copy of ${short(eventId)} was handled again and acked`,
          });
      }
      const rows = await rowsOf();
      let missing = 0;
      let duplicated = 0;
      let mismatched = 0;
      for (const l of logins) {
        const mine = rows.filter((r) => r.event_id === l.eventId);
        const what = `login ${short(l.eventId)} (${l.outcome})`;
        if (mine.length === 0) {
          missing++;
          evidence.push({
            source: 'row',
            ref: `${TABLES.audit} (event ${l.eventId})`,
            detail: `${what}: auth answered ${l.answer.status}, no audit row`,
          });
          continue;
        }
        if (mine.length > 1) {
          duplicated++;
          evidence.push({
            source: 'row',
            ref: `${TABLES.audit} ${mine.map((r) => `#${r.id}`).join(', ')}`,
            detail: `${what}: ${mine.length} audit rows for one event id${l.eventId === copyOf?.event_id ? ' (after its second copy: the consumer did not dedupe by event id)' : ''}`,
          });
        }
        const wrong = mine.filter((r) => r.outcome !== l.outcome);
        if (wrong.length > 0) {
          mismatched++;
          evidence.push({
            source: 'row',
            ref: `${TABLES.audit} #${wrong[0]!.id}`,
            detail: `${what}: the row says ${wrong[0]!.outcome}`,
          });
        }
        if (mine.length === 1 && wrong.length === 0)
          evidence.push({
            source: 'row',
            ref: `${TABLES.audit} #${mine[0]!.id}`,
            detail: `${what}: one row, ${mine[0]!.outcome}${l.eventId === copyOf?.event_id ? ', also after its second copy' : ''}`,
          });
      }
      const counts = {
        logins: logins.length,
        rows: rows.length,
        copies: copyOf === undefined ? 0 : 1,
        missing,
        duplicated,
        mismatched,
      };
      if (missing + duplicated + mismatched > 0) {
        const parts = [
          missing > 0 ? `${plural(missing, 'login')} without an audit row` : '',
          duplicated > 0 ? `${plural(duplicated, 'login')} with more than one row` : '',
          mismatched > 0 ? `${plural(mismatched, 'row')} with another outcome` : '',
        ].filter((p) => p !== '');
        return outcome(
          'FAIL',
          `Audit rows do not match the logins one for one: ${parts.join(', ')} (${rows.length} rows for ${logins.length} logins).`,
          counts,
          evidence,
        );
      }
      return outcome(
        'PASS',
        `${plural(logins.length, 'login')} (${logins.filter((l) => l.outcome === 'failed').length} failed): one audit row each with its outcome, also for the event sent twice.`,
        counts,
        evidence,
      );
    },
  };
}
