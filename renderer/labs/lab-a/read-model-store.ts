// Lab A: what the Read model panel shows: the consistency windows, MongoDB against Redis, and the last replay. Polled
// while Lab A is the selected lab (its requests have no push); the replay's answer is kept until the next one.
import { create } from 'zustand';
import type { ResponseOf } from '../../../main/console/contract/console-api';

export type Windows = ResponseOf<'lab-a:windows'>;
export type Compare = ResponseOf<'lab-a:compare'>;
export type Replay = ResponseOf<'lab-a:replay'>;

export interface ReadModelState {
  windows: Windows | null;
  compare: Compare | null;
  replay: Replay | null;
  /** why the read model could not be read (the stack not started, …), null while it reads */
  problem: string | null;
  set: (patch: Partial<Pick<ReadModelState, 'windows' | 'compare' | 'replay' | 'problem'>>) => void;
  reset: () => void;
}

export const createReadModelStore = () =>
  create<ReadModelState>()((set) => ({
    windows: null,
    compare: null,
    replay: null,
    problem: null,
    set: (patch) => set(patch),
    reset: () => set({ windows: null, compare: null, replay: null, problem: null }),
  }));

export const useReadModelStore = createReadModelStore();
