// The renderer's entry: pick the console client, bind it to the stores once, render the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { bindConsole } from './lib/bind-console';
import { ClientProvider } from './lib/client-context';
import { pickClient } from './lib/console-client';
import { appStores } from './lib/stores';
import './styles.css';

const page = pickClient();
const binding = bindConsole(page.client, appStores);
appStores.console.getState().setConnection(page.connection);
let wasOpen = page.connection === 'open';
page.onConnection((state) => {
  appStores.console.getState().setConnection(state);
  // after a reconnect the pushes in between are lost: fetch the snapshots again
  if (state === 'open' && !wasOpen) void binding.resync();
  wasOpen = state === 'open' ? true : state === 'closed' ? false : wasOpen;
});

const root = document.getElementById('root');
if (root === null) throw new Error('#root missing in index.html');
createRoot(root).render(
  <StrictMode>
    <ClientProvider client={page.client}>
      <App />
    </ClientProvider>
  </StrictMode>,
);
