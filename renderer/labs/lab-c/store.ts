// Lab C's panels: what they last read from the console (each consumer's inbox, payments' money). Polled while Lab C is
// the selected lab (no push event); cleared when another lab is selected.
import { create } from 'zustand';
import type { ResponseOf } from '../../../main/console/contract/console-api';

export type Inbox = ResponseOf<'lab-c:inbox'>;
export type Money = ResponseOf<'lab-c:money'>;

export interface LabCState {
  inbox: Inbox | null;
  money: Money | null;
  /** why the last read failed */
  problem: string | null;
  set: (patch: Partial<Omit<LabCState, 'set' | 'reset'>>) => void;
  reset: () => void;
}

const EMPTY = { inbox: null, money: null, problem: null };

export const createLabCStore = () =>
  create<LabCState>()((set) => ({
    ...EMPTY,
    set: (patch) => set(patch),
    reset: () => set(EMPTY),
  }));

export const useLabCStore = createLabCStore();
