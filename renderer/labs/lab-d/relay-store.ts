// Lab D: the loms outbox relay's own status (paused, pending, last error), polled while loms runs (no push event).
import { create } from 'zustand';
import type { ResponseOf } from '../../../main/console/contract/console-api';

export type RelayStatus = ResponseOf<'lab-d:relay-status'>;

export interface RelayState {
  relay: RelayStatus | null;
  setRelay: (relay: RelayStatus | null) => void;
}

export const createRelayStore = () =>
  create<RelayState>()((set) => ({
    relay: null,
    setRelay: (relay) => set({ relay }),
  }));

export const useRelayStore = createRelayStore();
