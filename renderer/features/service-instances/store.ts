// Mirrors the selected lab's service instances (its manifest declares them): state per instance and a bounded buffer
// of their live log lines (older lines are fetched on demand with services:logs). Lab-scoped: reset when the lab changes.
import { create } from 'zustand';
import type { ServiceInstance, ServiceInstanceName, ServiceLogLine } from '../../../main/console/contract/console-api';
import { judgeSeq } from '../../lib/seq';

export const LOG_CAP_PER_INSTANCE = 500;

export interface ServicesState {
  /** the lab whose instances these are (null: any, before the first console:info) */
  lab: string | null;
  byName: Partial<Record<ServiceInstanceName, ServiceInstance>>;
  logs: Partial<Record<ServiceInstanceName, ServiceLogLine[]>>;
  logSeq: number | null;
  /** log lines the console could not push (a gap in seq) */
  missedLogBatches: number;
  /** an action in flight per instance, e.g. 'kill' (disables its buttons) */
  busy: Partial<Record<ServiceInstanceName, string>>;
  applyList: (instances: ServiceInstance[]) => void;
  applyState: (instance: ServiceInstance) => void;
  applyLogBatch: (batch: { seq: number; lines: ServiceLogLine[] }) => void;
  setBusy: (instance: ServiceInstanceName, action: string | null) => void;
  /** another lab was selected: forget the instances and logs of the last one */
  reset: (lab: string | null) => void;
}

const ofOtherLab = (lab: string | null, instance: ServiceInstance) => lab !== null && instance.lab !== lab;

export const createServicesStore = (cap = LOG_CAP_PER_INSTANCE) =>
  create<ServicesState>()((set) => ({
    lab: null,
    byName: {},
    logs: {},
    logSeq: null,
    missedLogBatches: 0,
    busy: {},
    applyList: (instances) =>
      set((s) => {
        const byName: ServicesState['byName'] = {};
        for (const i of instances)
          if (!ofOtherLab(s.lab, i)) byName[i.instance] = isStale(s.byName[i.instance], i) ? s.byName[i.instance] : i;
        return { byName };
      }),
    applyState: (instance) =>
      set((s) =>
        ofOtherLab(s.lab, instance) || isStale(s.byName[instance.instance], instance)
          ? {}
          : { byName: { ...s.byName, [instance.instance]: instance } },
      ),
    applyLogBatch: ({ seq, lines }) =>
      set((s) => {
        const verdict = judgeSeq(s.logSeq, seq);
        if (verdict === 'stale') return {};
        const grouped = new Map<ServiceInstanceName, ServiceLogLine[]>();
        for (const line of lines) {
          let g = grouped.get(line.instance);
          if (g === undefined) grouped.set(line.instance, (g = []));
          g.push(line);
        }
        const logs = { ...s.logs };
        for (const [name, added] of grouped) {
          const merged = (logs[name] ?? []).concat(added);
          logs[name] = merged.length > cap ? merged.slice(merged.length - cap) : merged;
        }
        return {
          logs,
          logSeq: seq,
          missedLogBatches: s.missedLogBatches + (verdict === 'gap' && s.logSeq !== null ? 1 : 0),
        };
      }),
    setBusy: (instance, action) =>
      set((s) => {
        const busy = { ...s.busy };
        if (action === null) delete busy[instance];
        else busy[instance] = action;
        return { busy };
      }),
    reset: (lab) => set({ lab, byName: {}, logs: {}, busy: {}, missedLogBatches: 0 }),
  }));

export const useServicesStore = createServicesStore();

const LIFE_RANK: Record<ServiceInstance['state'], number> = {
  starting: 0,
  running: 1,
  stopping: 2,
  stopped: 3,
  exited: 3,
};

/**
 * An instance state older than the one held: the same process run (same startedAt) in an earlier phase, or an earlier
 * group generation. An action's response can arrive after the pushes that already moved the instance on (the
 * `services:start` response says `starting` while the push said `running`): it must not turn the clock back.
 */
export function isStale(current: ServiceInstance | undefined, incoming: ServiceInstance): boolean {
  if (current === undefined) return false;
  if (incoming.startedAt !== null && current.startedAt !== null && incoming.startedAt < current.startedAt) return true;
  if (incoming.startedAt !== current.startedAt) return false;
  const rank = LIFE_RANK[incoming.state] - LIFE_RANK[current.state];
  if (rank !== 0) return rank < 0;
  return (
    incoming.generationId !== null && current.generationId !== null && incoming.generationId < current.generationId
  );
}

/** The partitions an instance owns (flattened), [] for an idle member, null when unknown. */
export function ownedPartitions(instance: ServiceInstance | undefined): number[] | null {
  if (instance?.assignment === null || instance?.assignment === undefined) return null;
  return Object.values(instance.assignment)
    .flat()
    .sort((a, b) => a - b);
}
