// The preload (sandboxed, context-isolated): exposes a narrow named API as `window.eventscope`: one function per
// contract request and `subscribe` for the contract's events. Never ipcRenderer itself, never a generic invoke(channel).
// Bundled into one file (dist/electron/preload.cjs): a sandboxed preload can require nothing but 'electron'.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  EVENT_NAMES,
  REQUEST_NAMES,
  ipcChannel,
  isEventName,
  type ElectronBridge,
  type EventName,
  type RequestName,
  type RequestResult,
} from '../console/contract/console-api.js';

type Listener = (payload: unknown) => void;
const listeners = new Map<EventName, Set<Listener>>(EVENT_NAMES.map((n) => [n, new Set<Listener>()]));

ipcRenderer.on(ipcChannel.events, (_event: IpcRendererEvent, message: { name?: unknown; payload?: unknown }) => {
  if (!isEventName(message.name)) return;
  for (const l of listeners.get(message.name) ?? []) l(message.payload);
});

const request = Object.fromEntries(
  REQUEST_NAMES.map((name: RequestName) => [
    name,
    (req: unknown) => ipcRenderer.invoke(ipcChannel.request(name), req) as Promise<RequestResult<typeof name>>,
  ]),
) as unknown as ElectronBridge['request'];

const bridge: ElectronBridge = {
  request: Object.freeze(request),
  subscribe(name, listener) {
    const set = listeners.get(name);
    if (set === undefined) throw new Error(`not a console event: ${String(name)}`);
    const l = listener as Listener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  },
};

contextBridge.exposeInMainWorld('eventscope', bridge);
