// The console client is handed to components through React context (no module-level client): tests render with a fake.
import { createContext, useContext, type ReactNode } from 'react';
import type { ConsoleClient } from '../../main/console/contract/console-api';

const ClientContext = createContext<ConsoleClient | null>(null);

export function ClientProvider({ client, children }: { client: ConsoleClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useClient(): ConsoleClient {
  const client = useContext(ClientContext);
  if (client === null) throw new Error('useClient outside <ClientProvider>');
  return client;
}
