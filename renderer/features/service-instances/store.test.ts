import { describe, expect, it } from 'vitest';
import type { ServiceLogLine } from '../../../main/console/contract/console-api';
import { instance } from '../../test/fixtures';
import { createServicesStore, ownedPartitions } from './store';

const line = (i: number, inst: ServiceLogLine['instance'] = 'notifier-1'): ServiceLogLine => ({
  instance: inst,
  stream: 'stdout',
  at: i,
  text: `line ${i}`,
  kind: 'event',
});

describe('services store', () => {
  it('keeps a bounded log buffer per instance from batched pushes', () => {
    const store = createServicesStore(3);
    store.getState().applyLogBatch({ seq: 1, lines: [line(1), line(2), line(3, 'loms')] });
    store.getState().applyLogBatch({ seq: 2, lines: [line(4), line(5)] });
    store.getState().applyLogBatch({ seq: 2, lines: [line(6)] });
    expect(store.getState().logs['notifier-1']?.map((l) => l.at)).toEqual([2, 4, 5]);
    expect(store.getState().logs.loms?.map((l) => l.at)).toEqual([3]);
  });

  it('does not let a late action response turn the state back (starting after running, an older generation)', () => {
    const store = createServicesStore();
    store.getState().applyState(instance('loms', { state: 'running', startedAt: 5 }));
    store.getState().applyState(instance('loms', { state: 'starting', startedAt: 5 }));
    expect(store.getState().byName.loms?.state).toBe('running');
    store.getState().applyState(instance('notifier-1', { generationId: 4, assignment: { t: [0] } }));
    store.getState().applyState(instance('notifier-1', { generationId: 3, assignment: { t: [0, 1] } }));
    expect(store.getState().byName['notifier-1']?.generationId).toBe(4);
    // a new run (restart) is newer even though it starts again at `starting`
    store.getState().applyState(instance('loms', { state: 'starting', startedAt: 9 }));
    expect(store.getState().byName.loms?.state).toBe('starting');
  });

  it('replaces an instance on a state push and tells idle from owning', () => {
    const store = createServicesStore();
    store
      .getState()
      .applyList([instance('notifier-1', { assignment: { 'loms.order-events': [1, 0] } }), instance('notifier-3')]);
    store.getState().applyState(instance('notifier-3', { state: 'exited', exitSignal: 'SIGKILL' }));
    expect(store.getState().byName['notifier-3']?.state).toBe('exited');
    expect(ownedPartitions(store.getState().byName['notifier-1'])).toEqual([0, 1]);
    expect(ownedPartitions(instance('notifier-2'))).toEqual([]);
    expect(ownedPartitions(instance('loms'))).toBeNull();
  });
});
