// What the entity store needs of a lab, read from its manifest and module.
import type { TimelineLab } from '../timeline/timeline-store.js';
import type { LabModule } from './types.js';

export function timelineLabOf(m: LabModule): TimelineLab {
  return {
    id: m.manifest.id,
    statuses: m.manifest.entity.statuses,
    next: m.manifest.entity.next,
    steps: m.manifest.entity.steps.map((s) => s.id),
    ...(m.scanners === undefined ? {} : { scanners: m.scanners }),
    ...(m.handledBy === undefined ? {} : { handledStep: m.handledBy.step }),
  };
}
