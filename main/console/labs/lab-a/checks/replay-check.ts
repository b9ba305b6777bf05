// Lab A's invariant 3 (LABS.md): replaying the topic rebuilds the same read model. Active: once the projector has
// handled every record, the check digests MongoDB `presentations`, stops the projector instances, resets their group
// to the earliest offsets, starts them again (in the mode they ran in) and waits until the group has committed up to
// the topic's end, then digests again. PASS when the digests are equal; FAIL names the presentations whose documents
// changed (an idempotent projector skips every replayed event as not newer; one that inserts per event doubles them).
import type { Evidence } from '../../../contract/console-api.js';
import type { Check } from '../../types.js';
import { PROJECTOR_KIND } from '../manifest.js';
import { replay, ReplayRefused } from '../read-model.js';
import type { LabASettings } from '../settings.js';
import { withStores } from './support.js';
import { PRESENTATIONS_COLLECTION } from '../../../../../services/lab-a/schema.js';

import { REPLAY_CHECK_ID } from './ids.js';

export { REPLAY_CHECK_ID };

export function replayCheck(settings: LabASettings, topic: string, group: string): Check {
  return {
    id: REPLAY_CHECK_ID,
    timeoutMs: 90_000,
    async run(ctx) {
      return withStores(ctx, async ({ mongo }) => {
        try {
          const r = await replay({
            kafka: ctx.kafka(),
            services: ctx.services,
            mongo,
            db: settings.mongoDb,
            topic,
            group,
            projectorKind: PROJECTOR_KIND,
            deadline: ctx.deadline,
            signal: ctx.signal,
            progress: (m) => ctx.progress(m),
          });
          const counts = {
            'documents before': r.before.count,
            'documents after': r.after.count,
            replayed: r.replayed,
            changed: r.changedCount,
          };
          const where = `${settings.mongoDb}.${PRESENTATIONS_COLLECTION}`;
          const evidence: Evidence[] = [
            {
              source: 'row',
              ref: `${where} digest`,
              detail: `before ${r.before.digest.slice(0, 16)} (${r.before.count} documents), after ${r.after.digest.slice(0, 16)} (${r.after.count} documents)`,
            },
            ...r.changed.map((c) => ({
              source: 'row' as const,
              ref: `${where} id ${c.id}`,
              detail: `before the replay ${c.before}; after ${c.after}`,
              entity: c.id,
            })),
          ];
          return { status: r.same ? 'PASS' : 'FAIL', summary: r.summary, counts, evidence };
        } catch (err) {
          if (err instanceof ReplayRefused) return { status: 'SKIP', summary: err.message };
          throw err;
        }
      });
    },
  };
}
