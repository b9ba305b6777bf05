// Lab A's own UI: the Read model panel in the Timeline view, its windows and MongoDB-vs-Redis comparison polled while
// Lab A is the selected lab.
import { errorMessage } from '../../lib/console-client';
import type { LabUi } from '../lab-ui';
import { ReadModelPanel } from './read-model-panel';
import { useReadModelStore } from './read-model-store';

export const READ_MODEL_POLL_MS = 2000;

export const LAB_A_UI: LabUi = {
  panels: { timeline: [ReadModelPanel] },
  bind(client) {
    let stopped = false;
    let inFlight = false;
    const store = useReadModelStore.getState();
    const refresh = () => {
      if (inFlight || stopped) return;
      inFlight = true;
      Promise.all([client.request['lab-a:windows']({}), client.request['lab-a:compare']({})])
        .then(
          ([windows, compare]) => {
            if (!stopped) store.set({ windows, compare, problem: null });
          },
          (err: unknown) => {
            if (!stopped) store.set({ problem: `the read model is not readable: ${errorMessage(err)}` });
          },
        )
        .finally(() => {
          inFlight = false;
        });
    };
    refresh();
    const timer = setInterval(refresh, READ_MODEL_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      useReadModelStore.getState().reset();
    };
  },
};
