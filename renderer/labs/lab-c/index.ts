// Lab C's own UI: the Inbox panel in the Consumer groups view (each consumer's inbox: received, duplicates rejected,
// pending, failed, and its outbox's backlog) and the Money panel in the Stack view (payments' accounts and the
// conservation sum), both polled while Lab C is the selected lab.
import { errorMessage } from '../../lib/console-client';
import type { LabUi } from '../lab-ui';
import { InboxPanel } from './inbox-panel';
import { MoneyPanel } from './money-panel';
import { useLabCStore } from './store';

export const LAB_C_POLL_MS = 2000;

export const LAB_C_UI: LabUi = {
  panels: { groups: [InboxPanel], stack: [MoneyPanel] },
  bind(client) {
    let stopped = false;
    let inFlight = false;
    const refresh = () => {
      if (inFlight || stopped) return;
      inFlight = true;
      Promise.all([client.request['lab-c:inbox']({}), client.request['lab-c:money']({})])
        .then(
          ([inbox, money]) => {
            if (!stopped) useLabCStore.getState().set({ inbox, money, problem: null });
          },
          (err: unknown) => {
            if (!stopped) useLabCStore.getState().set({ problem: errorMessage(err) });
          },
        )
        .finally(() => {
          inFlight = false;
        });
    };
    refresh();
    const timer = setInterval(refresh, LAB_C_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      useLabCStore.getState().reset();
    };
  },
};
