// Lab E's panels: what they last read from the console (the registry, the per-topic counts, accounting's ledger, the
// last close of the day). Polled while a panel shows (no push event); cleared when another lab is selected.
import { create } from 'zustand';
import type { ResponseOf } from '../../../main/console/contract/console-api';

export type Registry = ResponseOf<'lab-e:schemas'>;
export type SchemaStats = ResponseOf<'lab-e:schema-stats'>;
export type Ledger = ResponseOf<'lab-e:ledger'>;
export type CloseDay = ResponseOf<'lab-e:close-day'>;

export interface LabEState {
  registry: Registry | null;
  stats: SchemaStats | null;
  ledger: Ledger | null;
  /** why the ledger could not be read (accounting not started yet, …) */
  ledgerError: string | null;
  lastClose: CloseDay | null;
  set: (patch: Partial<Omit<LabEState, 'set' | 'reset'>>) => void;
  reset: () => void;
}

const EMPTY = { registry: null, stats: null, ledger: null, ledgerError: null, lastClose: null };

export const createLabEStore = () =>
  create<LabEState>()((set) => ({
    ...EMPTY,
    set: (patch) => set(patch),
    reset: () => set(EMPTY),
  }));

export const useLabEStore = createLabEStore();
