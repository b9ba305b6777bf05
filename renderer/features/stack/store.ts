// Mirrors the stack: which provider runs, each component's health, and the progress of "Start local stack".
import { create } from 'zustand';
import type { ComponentHealth, ComponentName, ProviderKind } from '../../../main/console/contract/console-api';

export interface ComponentProgress {
  /** when this run first saw the component starting (or not yet healthy) */
  startingAt: number | null;
  /** when it first became healthy during this run */
  healthyAt: number | null;
}

export type StackOp = {
  kind: 'up' | 'down';
  startedAt: number;
  finishedAt: number | null;
  error: string | null;
  millisToHealthy: number | null;
};

export interface StackState {
  provider: ProviderKind | null;
  health: Partial<Record<ComponentName, ComponentHealth>>;
  /** the last up/down the user started from this window */
  op: StackOp | null;
  progress: Partial<Record<ComponentName, ComponentProgress>>;
  /**
   * a ticket for a `stack:status` request about to be sent: an answer applied with it is dropped when the answer of a
   * later request was applied first (a slow status of the host's stack must not overwrite a profile's after a connect)
   */
  askStatus: () => number;
  applyStatus: (status: { provider: ProviderKind | null; health: ComponentHealth[] }, ticket?: number) => void;
  applyHealth: (health: ComponentHealth, now: number) => void;
  beginOp: (kind: 'up' | 'down', now: number) => void;
  endOp: (result: { error: string | null; millisToHealthy?: number; health?: ComponentHealth[] }, now: number) => void;
}

export const createStackStore = () => {
  let asked = 0;
  let applied = 0;
  return create<StackState>()((set, get) => ({
    provider: null,
    health: {},
    op: null,
    progress: {},
    askStatus: () => ++asked,
    applyStatus: ({ provider, health }, ticket) => {
      if (ticket !== undefined) {
        if (ticket < applied) return;
        applied = ticket;
      }
      set(() => {
        const next: StackState['health'] = {};
        for (const h of health) next[h.name] = h;
        return { provider, health: next };
      });
    },
    applyHealth: (health, now) =>
      set((s) => {
        const patch: Partial<StackState> = { health: { ...s.health, [health.name]: health } };
        if (s.op?.kind === 'up' && s.op.finishedAt === null) {
          const p = s.progress[health.name] ?? { startingAt: null, healthyAt: null };
          const startingAt = p.startingAt ?? now;
          const healthyAt = health.state === 'healthy' ? (p.healthyAt ?? now) : null;
          patch.progress = { ...s.progress, [health.name]: { startingAt, healthyAt } };
        }
        return patch;
      }),
    beginOp: (kind, now) =>
      set(() => ({
        op: { kind, startedAt: now, finishedAt: null, error: null, millisToHealthy: null },
        progress: kind === 'up' ? {} : get().progress,
      })),
    endOp: ({ error, millisToHealthy, health }, now) =>
      set((s) => {
        if (s.op === null) return {};
        const patch: Partial<StackState> = {
          op: { ...s.op, finishedAt: now, error, millisToHealthy: millisToHealthy ?? null },
        };
        if (health !== undefined) {
          const next = { ...s.health };
          for (const h of health) next[h.name] = h;
          patch.health = next;
          if (s.op.kind === 'up') {
            const progress = { ...s.progress };
            for (const h of health) {
              const p = progress[h.name] ?? { startingAt: s.op.startedAt, healthyAt: null };
              progress[h.name] = {
                startingAt: p.startingAt,
                healthyAt: h.state === 'healthy' ? (p.healthyAt ?? now) : null,
              };
            }
            patch.progress = progress;
          }
        }
        return patch;
      }),
  }));
};

export const useStackStore = createStackStore();
