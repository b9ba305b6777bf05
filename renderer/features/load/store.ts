// Mirrors the load generator: the current or last run's progress of the selected lab (lab-scoped).
import { create } from 'zustand';
import type { LoadProgress } from '../../../main/console/contract/console-api';

export interface LoadState {
  /** the selected lab (null before the first console:info: any progress is taken) */
  lab: string | null;
  progress: LoadProgress | null;
  applyProgress: (progress: LoadProgress | null) => void;
  reset: (lab: string | null) => void;
}

export const createLoadStore = () =>
  create<LoadState>()((set) => ({
    lab: null,
    progress: null,
    applyProgress: (progress) =>
      set((s) => {
        if (progress !== null && s.lab !== null && progress.lab !== s.lab) return {};
        // a late push of an older run never replaces a newer one
        if (
          progress !== null &&
          s.progress !== null &&
          progress.runId === s.progress.runId &&
          progress.elapsedMs < s.progress.elapsedMs
        )
          return {};
        return { progress };
      }),
    reset: (lab) => set({ lab, progress: null }),
  }));

export const useLoadStore = createLoadStore();
