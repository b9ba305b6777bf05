// The console itself: connection to it, what it is (console:info), and the errors its background parts reported.
import { create } from 'zustand';
import type { ConsoleError, ResponseOf } from '../../../main/console/contract/console-api';
import type { ConnectionState } from '../../lib/ws-client';

export const ERROR_CAP = 20;

export interface ConsoleNotice {
  id: number;
  source: string;
  error: ConsoleError;
  at: number;
}

export interface ConsoleState {
  connection: ConnectionState;
  info: ResponseOf<'console:info'> | null;
  notices: ConsoleNotice[];
  nextNoticeId: number;
  setConnection: (state: ConnectionState) => void;
  setInfo: (info: ResponseOf<'console:info'>) => void;
  pushNotice: (notice: Omit<ConsoleNotice, 'id'>) => void;
  dismissNotice: (id: number) => void;
  /** the source works again: its notices go */
  clearNotices: (source: string) => void;
}

export const createConsoleStore = () =>
  create<ConsoleState>()((set) => ({
    connection: 'connecting',
    info: null,
    notices: [],
    nextNoticeId: 1,
    setConnection: (connection) => set({ connection }),
    setInfo: (info) => set({ info }),
    pushNotice: (notice) =>
      set((s) => {
        // the same error from the same source repeats every poll: keep one, refreshed
        const rest = s.notices.filter((n) => !(n.source === notice.source && n.error.message === notice.error.message));
        const notices = [{ ...notice, id: s.nextNoticeId }, ...rest].slice(0, ERROR_CAP);
        return { notices, nextNoticeId: s.nextNoticeId + 1 };
      }),
    dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
    clearNotices: (source) =>
      set((s) =>
        s.notices.some((n) => n.source === source) ? { notices: s.notices.filter((n) => n.source !== source) } : {},
      ),
  }));

export const useConsoleStore = createConsoleStore();
