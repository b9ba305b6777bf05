// Lab D's own UI: the loms relay controls in the Outbox view, and the relay status polled while loms runs.
import type { LabUi } from '../lab-ui';
import { readLabDLine } from './read-line';
import { RelayControls } from './relay-controls';
import { useRelayStore } from './relay-store';

/** the instance whose relay it is */
const RELAY_INSTANCE = 'loms';
export const RELAY_POLL_MS = 2000;

export const LAB_D_UI: LabUi = {
  panels: { outbox: [RelayControls] },
  readLine: readLabDLine,
  bind(client, stores) {
    let stopped = false;
    let inFlight = false;
    const refresh = () => {
      if (inFlight || stopped) return;
      inFlight = true;
      client.request['lab-d:relay-status']({})
        .then(
          (relay) => {
            if (!stopped) useRelayStore.getState().setRelay(relay);
          },
          () => {
            // loms not running (yet): the controls say so
            if (!stopped) useRelayStore.getState().setRelay(null);
          },
        )
        .finally(() => {
          inFlight = false;
        });
    };
    refresh();
    const timer = setInterval(() => {
      if (stores.services.getState().byName[RELAY_INSTANCE]?.state === 'running') refresh();
    }, RELAY_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
      useRelayStore.getState().setRelay(null);
    };
  },
};
