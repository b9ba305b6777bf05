// Mirrors the load generator: the current or last run's progress.
import { create } from 'zustand';
import type { LoadProgress } from '../../../main/console/contract/console-api';

export interface LoadState {
  progress: LoadProgress | null;
  applyProgress: (progress: LoadProgress | null) => void;
}

export const createLoadStore = () =>
  create<LoadState>()((set) => ({
    progress: null,
    applyProgress: (progress) =>
      set((s) => {
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
  }));

export const useLoadStore = createLoadStore();
