// The labs the console can run (their manifests, from console:info) and the selected one. Everything lab-specific the
// generic views show (instances, topics, groups, statuses, views) is read from the selected lab's manifest here.
import { create } from 'zustand';
import type { LabManifest } from '../../../main/console/contract/console-api';

export interface LabsState {
  labs: LabManifest[];
  /** the selected lab's id; null before the first console:info */
  lab: string | null;
  /** console:info or the labs:select response */
  applyInfo: (info: { labs: LabManifest[]; lab: string }) => void;
  /** the labs:selected push */
  applySelected: (lab: string) => void;
}

export const createLabsStore = () =>
  create<LabsState>()((set) => ({
    labs: [],
    lab: null,
    applyInfo: ({ labs, lab }) => set({ labs, lab }),
    applySelected: (lab) => set((s) => (s.lab === lab ? {} : { lab })),
  }));

export const useLabsStore = createLabsStore();

/** The selected lab's manifest (the same object until console:info brings a new one), null while unknown. */
export const selectManifest = (s: Pick<LabsState, 'labs' | 'lab'>): LabManifest | null =>
  s.labs.find((l) => l.id === s.lab) ?? null;

export const useLab = (): LabManifest | null => useLabsStore(selectManifest);
