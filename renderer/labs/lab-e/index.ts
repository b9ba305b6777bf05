// Lab E's own UI: the Schemas panel in the Topics view (a schema is the contract of what a topic carries, and its
// counts are per topic) and the Ledger panel in the Stack view (accounting's state next to the services and the load
// that move it; closing the day is an action like the load's and the faults').
import type { LabUi } from '../lab-ui';
import { LedgerPanel } from './ledger-panel';
import { SchemasPanel } from './schemas-panel';
import { useLabEStore } from './store';

export const LAB_E_UI: LabUi = {
  panels: { topics: [SchemasPanel], stack: [LedgerPanel] },
  bind() {
    return () => useLabEStore.getState().reset();
  },
};
