import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StateFile } from './state.js';

const root = mkdtempSync(path.join(tmpdir(), 'eventscope-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('StateFile', () => {
  it('reads an empty state when there is no file, and writes and reads it back', () => {
    const state = new StateFile(path.join(root, 'a'));
    expect(state.read()).toEqual({ version: 1, components: {}, leases: [] });
    const next = {
      version: 1 as const,
      components: {
        kafka: {
          pid: 42,
          marker: 'm',
          stopSignal: 'SIGTERM' as const,
          owner: 'tests' as const,
          startedAt: 'now',
          how: 'java',
        },
      },
      leases: [7],
    };
    state.write(next);
    expect(state.read()).toEqual(next);
  });

  it('treats a malformed file as empty', () => {
    const dir = path.join(root, 'b');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ version: 2 }));
    expect(new StateFile(dir).read().components).toEqual({});
  });

  it('serialises concurrent holders of the lock', async () => {
    const state = new StateFile(path.join(root, 'c'));
    const events: string[] = [];
    const work = (name: string) =>
      state.withLock(async () => {
        events.push(`${name}:in`);
        await new Promise((r) => setTimeout(r, 50));
        events.push(`${name}:out`);
      });
    await Promise.all([work('a'), work('b')]);
    expect(events).toEqual(['a:in', 'a:out', 'b:in', 'b:out']);
  });

  it('takes over a lock whose holder has died, and gives up on a live holder at its deadline', async () => {
    const dir = path.join(root, 'd');
    mkdirSync(path.join(dir, 'state.lock'), { recursive: true });
    writeFileSync(path.join(dir, 'state.lock', 'pid'), '999999999\n');
    expect(await new StateFile(dir).withLock(() => Promise.resolve('taken'))).toBe('taken');

    mkdirSync(path.join(dir, 'state.lock'));
    writeFileSync(path.join(dir, 'state.lock', 'pid'), `${process.pid}\n`);
    await expect(new StateFile(dir).withLock(() => Promise.resolve('never'), 300)).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
  });
});
