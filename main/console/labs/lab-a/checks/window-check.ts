// Lab A's invariant 1 (LABS.md): the consistency window is measured, per command, from the API's 202 to the change
// being readable in MongoDB; PASS when every change is readable within the bound (5 s) at the settings' rate (50/s).
// Active: the check sends the commands itself (creates, then updates spread over them) at that rate and polls the read
// model for the versions it was answered, all pending presentations in one query per poll. A change still unreadable
// at the bound is late (its window is "more than the bound"); the check ends once every change is readable or late.
import type { Evidence } from '../../../contract/console-api.js';
import type { Check, CheckOutcome } from '../../types.js';
import type { LabASettings } from '../settings.js';
import { windowStats } from '../read-model.js';
import { command, newPresentation, plural, until, withStores, type ApiAnswer } from './support.js';
import { PRESENTATIONS_COLLECTION } from '../../../../../services/lab-a/schema.js';

import { WINDOW_CHECK_ID } from './ids.js';

export { WINDOW_CHECK_ID };

export interface Measured {
  answer: ApiAnswer;
  /** ms from the 202 to readable; null: not readable within the bound */
  windowMs: number | null;
  /** the newest version MongoDB had when the bound passed */
  seenVersion: number | null;
}

/** The verdict on measured commands (refused ones are listed, not judged). */
export function judgeWindows(
  boundMs: number,
  rate: number,
  measured: readonly Measured[],
  refused: readonly ApiAnswer[],
): CheckOutcome {
  const windows = measured.flatMap((m) => (m.windowMs === null ? [] : [m.windowMs]));
  const late = measured.filter((m) => m.windowMs === null);
  const s = windowStats(windows);
  const counts = {
    commands: measured.length + refused.length,
    readable: windows.length,
    late: late.length,
    refused: refused.length,
    'p50 ms': s.p50 ?? 0,
    'p99 ms': s.p99 ?? 0,
    'max ms': late.length > 0 ? boundMs : (s.max ?? 0),
    'bound ms': boundMs,
  };
  const evidence: Evidence[] = [];
  for (const m of late.slice(0, 30))
    evidence.push({
      source: 'http',
      ref: `${m.answer.method} ${m.answer.path} → 202 version ${m.answer.version}`,
      detail: `not readable in MongoDB ${boundMs} ms after its 202 (${m.seenVersion === null ? 'no document yet' : `the document was at version ${m.seenVersion}`})`,
      ...(m.answer.id === null ? {} : { entity: m.answer.id }),
    });
  for (const r of refused.slice(0, 10))
    evidence.push({
      source: 'http',
      ref: `${r.method} ${r.path} → ${r.status || 'no answer'}`,
      detail: `refused, not measured: ${r.error ?? ''}`,
    });
  const stats = `p50 ${s.p50 ?? '-'} ms, p99 ${s.p99 ?? '-'} ms, max ${late.length > 0 ? `> ${boundMs}` : (s.max ?? '-')} ms`;
  if (measured.length === 0)
    return {
      status: 'ERROR',
      summary: `the API accepted none of ${refused.length} command(s): ${refused[0]?.error ?? ''}`,
      counts,
      evidence,
    };
  if (late.length === 0)
    return {
      status: 'PASS',
      summary: `${plural(windows.length, 'change')} at ${rate}/s, each readable in MongoDB within ${boundMs} ms of its 202: ${stats}${refused.length > 0 ? `; ${refused.length} refused, not measured` : ''}`,
      counts,
      evidence,
    };
  return {
    status: 'FAIL',
    summary: `${late.length} of ${measured.length} change(s) at ${rate}/s not readable in MongoDB within ${boundMs} ms of their 202: ${stats}`,
    counts,
    evidence,
  };
}

export function windowCheck(settings: LabASettings): Check {
  const { boundMs, rate, commands } = settings.window;
  return {
    id: WINDOW_CHECK_ID,
    timeoutMs: Math.ceil((commands / rate) * 1000) + boundMs + 30_000,
    async run(ctx) {
      return withStores(ctx, async ({ mongo }) => {
        const col = mongo.db(settings.mongoDb).collection<{ id: string; version: number }>(PRESENTATIONS_COLLECTION);
        const creates = Math.max(1, Math.min(10, Math.ceil(commands / 10)));
        ctx.progress(`sending ${commands} command(s) at ${rate}/s to ${settings.apiUrl}`);
        const ids: Promise<string | null>[] = [];
        const answers: Promise<ApiAnswer>[] = [];
        const t0 = Date.now();
        for (let i = 0; i < commands; i++) {
          const due = t0 + (i * 1000) / rate;
          if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
          ctx.signal.throwIfAborted();
          if (i < creates) {
            const a = command(settings.apiUrl, 'POST', '/presentations', newPresentation(i));
            answers.push(a);
            ids.push(a.then((x) => x.id));
          } else {
            const n = i;
            answers.push(
              ids[i % creates]!.then((id) =>
                id === null
                  ? {
                      method: 'PUT',
                      path: '/presentations/-',
                      status: 0,
                      at: Date.now(),
                      id: null,
                      version: null,
                      error: 'its create was refused',
                    }
                  : command(settings.apiUrl, 'PUT', `/presentations/${id}`, { duration_min: 1 + (n % 600) }),
              ),
            );
          }
        }
        const all = await Promise.all(answers);
        const accepted = all.filter((a) => a.status === 202 && a.id !== null && a.version !== null);
        const refused = all.filter((a) => !accepted.includes(a));
        ctx.progress(`${accepted.length} accepted: polling MongoDB for their versions`);
        const pending = new Set(accepted);
        const measured = new Map<ApiAnswer, Measured>();
        const seen = new Map<string, number>();
        await until(
          ctx,
          async () => {
            const askedAt = Date.now();
            const wanted = [...new Set([...pending].map((a) => a.id!))];
            if (wanted.length > 0) {
              const docs = await col
                .find({ id: { $in: wanted } }, { projection: { _id: 0, id: 1, version: 1 } })
                .toArray();
              for (const d of docs) seen.set(d.id, Math.max(seen.get(d.id) ?? 0, d.version));
            }
            const now = Date.now();
            for (const a of [...pending]) {
              const v = seen.get(a.id!);
              if (v !== undefined && v >= a.version!) {
                // readable by the time the query was answered: the window is at most now − 202
                const w = Math.max(0, now - a.at);
                measured.set(a, { answer: a, windowMs: w <= boundMs ? w : null, seenVersion: v });
                pending.delete(a);
              } else if (askedAt - a.at > boundMs) {
                measured.set(a, { answer: a, windowMs: null, seenVersion: v ?? null });
                pending.delete(a);
              }
            }
            return pending.size === 0 ? true : undefined;
          },
          boundMs + 5000,
          50,
        );
        for (const a of pending) measured.set(a, { answer: a, windowMs: null, seenVersion: seen.get(a.id!) ?? null });
        return judgeWindows(boundMs, rate, [...measured.values()], refused);
      });
    },
  };
}
