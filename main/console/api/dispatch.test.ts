import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../services/shared/logger.js';
import { AppError } from '../../../services/shared/app-error.js';
import { createDispatcher } from './dispatch.js';
import type { ConsoleHandlers } from '../create-console.js';

function fakeHandlers(calls: string[]): ConsoleHandlers {
  return new Proxy({} as ConsoleHandlers, {
    get: (_t, name: string) => (req: unknown) => {
      calls.push(`${name} ${JSON.stringify(req)}`);
      if (name === 'services:kill') {
        return Promise.resolve({
          instance: {
            instance: 'notifier-1',
            lab: 'lab-d',
            kind: 'notifier',
            brokenMode: null,
            state: 'exited',
            pid: null,
            startedAt: 1,
            exitedAt: 2,
            exitCode: null,
            exitSignal: 'SIGKILL',
            assignment: null,
            generationId: null,
            eventsProcessed: 0,
            errors: 0,
            port: null,
          },
        });
      }
      if (name === 'lab-d:relay-pause')
        return Promise.reject(new AppError('BROKER_UNAVAILABLE', 'loms does not answer'));
      if (name === 'lab-d:relay-resume') return Promise.reject(new Error('boom'));
      return Promise.resolve({ wrong: true });
    },
  });
}

describe('dispatcher (contract validation at the host boundary)', () => {
  it('runs a request that matches the contract', async () => {
    const calls: string[] = [];
    const dispatch = createDispatcher(fakeHandlers(calls), createMemoryLogger().logger);
    const r = await dispatch('services:kill', { instance: 'notifier-1' });
    expect(r.ok).toBe(true);
    expect(calls).toEqual(['services:kill {"instance":"notifier-1"}']);
  });

  it('refuses names and requests outside the contract with INVALID_INPUT and calls nothing', async () => {
    const calls: string[] = [];
    const dispatch = createDispatcher(fakeHandlers(calls), createMemoryLogger().logger);
    for (const [name, req] of [
      ['services:format-disk', {}],
      ['__proto__', {}],
      ['constructor', {}],
      [42, {}],
      ['services:kill', { instance: 'Notifier 9' }],
      ['services:kill', { instance: 'notifier-1', signal: 'SIGSTOP' }],
      ['services:kill', 'notifier-1'],
      ['load:start', { lab: 'lab-d', rate: -1, count: 10 }],
      ['stack:logs', { component: 'kafka', lines: 10_000_000 }],
    ] as const) {
      const r = await dispatch(name, req);
      expect(r, JSON.stringify([name, req])).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
    expect(calls).toEqual([]);
  });

  it('passes AppErrors through as {code, message} and turns anything else into INTERNAL', async () => {
    const { logger, lines } = createMemoryLogger();
    const dispatch = createDispatcher(fakeHandlers([]), logger);
    expect(await dispatch('lab-d:relay-pause', {})).toEqual({
      ok: false,
      error: { code: 'BROKER_UNAVAILABLE', message: 'loms does not answer' },
    });
    expect(await dispatch('lab-d:relay-resume', {})).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'boom' },
    });
    expect(lines.some((l) => l.msg === 'request failed')).toBe(true);
  });

  it('refuses to answer outside the contract (a handler bug becomes INTERNAL, not a malformed answer)', async () => {
    const dispatch = createDispatcher(fakeHandlers([]), createMemoryLogger().logger);
    expect(await dispatch('services:list', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
