import { describe, expect, it } from 'vitest';
import { createFakeClient } from '../../test/fake-client';
import { checkInfo, checkResult } from '../../test/fixtures';
import { createChecksStore, selectNavCount, selectPhase, selectRunning } from './store';

const listed = () => [checkInfo('topic-shape'), checkInfo('per-order-ordering'), checkInfo('outage-at-least-once')];

describe('checks store', () => {
  it('follows a run: the response, the progress of each check, a result per check, then no run', () => {
    const store = createChecksStore();
    store.getState().reset('lab-d');
    store.getState().applyList(listed());
    // the runner says 'started' before its response arrives
    store.getState().applyProgress({ runId: 'r1', check: 'topic-shape', message: 'started', fraction: 0 });
    expect(selectRunning(store.getState())).toBe(true);
    store.getState().applyRunStarted({ runId: 'r1', checks: ['topic-shape', 'outage-at-least-once'] });
    expect(selectPhase('topic-shape')(store.getState())).toBe('running');
    expect(selectPhase('outage-at-least-once')(store.getState())).toBe('queued');
    expect(selectPhase('per-order-ordering')(store.getState())).toBeNull();

    store.getState().applyDone(checkResult('topic-shape', { runId: 'r1' }));
    expect(store.getState().progress).toEqual({});
    expect(store.getState().byId['topic-shape']?.last?.status).toBe('PASS');
    expect(selectRunning(store.getState())).toBe(true);
    store
      .getState()
      .applyProgress({ runId: 'r1', check: 'outage-at-least-once', message: 'Kafka stopped', fraction: 0.4 });
    expect(store.getState().progress['outage-at-least-once']).toEqual({
      runId: 'r1',
      message: 'Kafka stopped',
      fraction: 0.4,
    });
    store
      .getState()
      .applyDone(checkResult('outage-at-least-once', { runId: 'r1', status: 'FAIL', counts: { lost: 3 } }));
    expect(selectRunning(store.getState())).toBe(false);
    expect(selectPhase('outage-at-least-once')(store.getState())).toBeNull();
    expect(selectNavCount(store.getState())).toBe('1 failing');
  });

  it('ends a run whose results all came before its response', () => {
    const store = createChecksStore();
    store.getState().reset('lab-d');
    store.getState().applyList(listed());
    store.getState().applyProgress({ runId: 'r2', check: 'topic-shape', message: 'started', fraction: 0 });
    store.getState().applyDone(checkResult('topic-shape', { runId: 'r2', status: 'SKIP' }));
    store.getState().applyRunStarted({ runId: 'r2', checks: ['topic-shape'] });
    expect(store.getState().run).toBeNull();
  });

  it('keeps a result newer than the list that arrives after it, and adopts a run another window started', () => {
    const store = createChecksStore();
    store.getState().reset('lab-d');
    store.getState().applyDone(checkResult('topic-shape', { runId: 'r3', finishedAt: 9000 }));
    store
      .getState()
      .applyList([checkInfo('topic-shape', { last: checkResult('topic-shape', { runId: 'r0', finishedAt: 100 }) })]);
    expect(store.getState().byId['topic-shape']?.last?.runId).toBe('r3');
    // the list says a check runs: the buttons wait; a later list that says nothing runs ends it
    store.getState().applyList([checkInfo('topic-shape'), checkInfo('resume', { running: true })]);
    expect(store.getState().run).toEqual({ runId: null, checks: null, current: 'resume' });
    expect(selectPhase('resume')(store.getState())).toBe('running');
    store.getState().applyList([checkInfo('topic-shape'), checkInfo('resume')]);
    expect(store.getState().run).toBeNull();
  });

  it('ignores a result of another lab, and forgets everything when the lab changes', () => {
    const store = createChecksStore();
    store.getState().reset('lab-d');
    store.getState().applyList(listed());
    store.getState().applyDone(checkResult('topic-shape', { lab: 'lab-x' }));
    expect(store.getState().byId['topic-shape']?.last).toBeNull();
    store.getState().applyProgress({ runId: 'r1', check: 'topic-shape', message: 'started', fraction: 0 });
    store.getState().reset('lab-x');
    expect(store.getState()).toMatchObject({ lab: 'lab-x', byId: {}, run: null, progress: {}, notice: null });
  });

  it('runs checks through the console, and shows ALREADY_RUNNING as a notice while it waits for that run', async () => {
    const store = createChecksStore();
    store.getState().reset('lab-d');
    store.getState().applyList(listed());
    const client = createFakeClient({ 'checks:run': () => ({ runId: 'r1', checks: ['topic-shape'] }) });
    await store.getState().runChecks(client, ['topic-shape']);
    expect(client.calls).toEqual([{ name: 'checks:run', req: { checks: ['topic-shape'] } }]);
    expect(store.getState().run).toEqual({ runId: 'r1', checks: ['topic-shape'], current: null });

    const busy = createFakeClient({
      'checks:run': () => {
        throw Object.assign(new Error('checks are running (run r9)'), { code: 'ALREADY_RUNNING' });
      },
      'checks:list': () => ({
        checks: [checkInfo('topic-shape'), checkInfo('outage-at-least-once', { running: true })],
      }),
    });
    store.getState().reset('lab-d');
    await store.getState().runChecks(busy);
    expect(busy.calls.map((c) => c.name)).toEqual(['checks:run', 'checks:list']);
    expect(busy.calls[0]?.req).toEqual({});
    expect(store.getState().notice).toEqual({
      code: 'ALREADY_RUNNING',
      message: 'Checks are running already: wait for them to finish, then run again.',
    });
    expect(selectRunning(store.getState())).toBe(true);
    store.getState().dismissNotice();
    expect(store.getState().notice).toBeNull();
  });

  it('a run response for a lab that is no longer selected changes nothing', async () => {
    const store = createChecksStore();
    store.getState().reset('lab-d');
    let answer: (v: { runId: string; checks: string[] }) => void = () => undefined;
    const client = createFakeClient({ 'checks:run': () => new Promise((r) => (answer = r)) });
    const pending = store.getState().runChecks(client);
    await Promise.resolve();
    store.getState().reset('lab-x');
    answer({ runId: 'r1', checks: ['topic-shape'] });
    await pending;
    expect(store.getState().run).toBeNull();
  });
});
