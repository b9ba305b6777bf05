// The System view's state: the newest system graph (polled with system:graph while the view is open: main builds it
// from the lab's manifest and every observer), and the report being written (report:progress) or last written.
import { create } from 'zustand';
import type { ReportProgress, SystemGraph } from '../../../main/console/contract/console-api';

export interface WrittenReport {
  html: string;
  markdown: string;
  bytes: number;
  millis: number;
}

interface SystemState {
  graph: SystemGraph | null;
  /** the text of the last graph, to skip a poll that changed nothing */
  graphKey: string;
  progress: ReportProgress | null;
  report: WrittenReport | null;
  setGraph: (g: SystemGraph) => void;
  applyProgress: (p: ReportProgress) => void;
  setReport: (r: WrittenReport) => void;
  reset: () => void;
}

export const useSystemStore = create<SystemState>((set, get) => ({
  graph: null,
  graphKey: '',
  progress: null,
  report: null,
  setGraph(g) {
    // the time changes every poll; the graph only when something in it did
    const key = JSON.stringify({ ...g, at: 0 });
    if (key !== get().graphKey) set({ graph: g, graphKey: key });
  },
  applyProgress(p) {
    set({ progress: p });
  },
  setReport(r) {
    set({ report: r });
  },
  reset() {
    set({ graph: null, graphKey: '', progress: null, report: null });
  },
}));
